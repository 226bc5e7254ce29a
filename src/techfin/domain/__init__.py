"""Pure programme rules (领域规则), with no Django import.

Each module is a small set of functions over frozen dataclasses; each rule set is versioned
by effective date and cites the government document it comes from. Results share one shape,
``techfin.domain.reasons.Verdict``. ``tests/domain/test_no_django.py`` keeps this package free
of Django and of the rest of techfin, so the rules can be read, tested and reused alone.

Modules: ``reasons`` (result shape), ``versioning`` (rule set in force on a date), ``money``,
``uscc`` (统一社会信用代码), ``size_class`` (中小企业划型), ``tech_sme`` (科技型中小企业评价),
``high_tech`` (高新技术企业 quantitative criteria), ``lpr`` (贷款市场报价利率 history),
``eligibility`` (资金池入池资格).
"""
