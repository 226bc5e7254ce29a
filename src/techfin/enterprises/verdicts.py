"""The rule engines applied to an enterprise's records (判定): size class, tech-SME
evaluation, high-tech advisory check and pool eligibility.

This module only reads: it turns the records (indicator values chosen by `precedence`,
qualifications, risk events) into the pure inputs of `techfin.domain` and calls the engines.
The decisions themselves, with their reasons in Chinese and English, are the domain's.

Which figures: a verdict on date D reads the indicators of the latest year before D's year
that has any (an evaluation in 2026 reads the 2025 accounts, the last complete fiscal year).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from techfin.domain import eligibility as pool
from techfin.domain import high_tech, tech_sme
from techfin.domain import size_class as size
from techfin.domain.reasons import InvalidInput, Outcome, Reason, Verdict
from techfin.domain.versioning import NoRuleSetInForce
from techfin.enterprises.indicators import BY_CODE, YearValues, resolve_reports
from techfin.enterprises.models import Enterprise, IndicatorReport, Qualification, RiskEvent, RiskKind


@dataclass
class Inputs:
    """An enterprise's records, read once and shared by the four engines."""

    enterprise: Enterprise
    qualifications: list[Qualification]
    reports: list[IndicatorReport]
    risk_events: list[RiskEvent]
    values: dict[int, YearValues] = field(default_factory=dict)

    def value(self, year: int | None, code: str) -> Any:
        if year is None:
            return None
        resolution = self.values.get(year, {}).get(code)
        return None if resolution is None else resolution.value

    def holds(self, kind: str, on: dt.date) -> bool:
        return any(q.kind.code == kind and q.held_on(on) for q in self.qualifications)

    def listed_on(self, kind: str, on: dt.date) -> bool:
        return any(event.kind == kind and event.active_on(on) for event in self.risk_events)


def _related(enterprise: Enterprise, name: str) -> list[Any]:
    """The related rows, from a `prefetch_related` cache when the caller filled one."""
    cache = getattr(enterprise, "_prefetched_objects_cache", {})
    if name in cache:
        return list(cache[name])
    manager = getattr(enterprise, name)
    queryset = manager.select_related("kind") if name == "qualifications" else manager.all()
    return list(queryset)


def load_inputs(enterprise: Enterprise) -> Inputs:
    """Read the records (three queries, or none when prefetched with `PREFETCH`)."""
    reports = _related(enterprise, "indicator_reports")
    return Inputs(
        enterprise=enterprise,
        qualifications=_related(enterprise, "qualifications"),
        reports=reports,
        risk_events=_related(enterprise, "risk_events"),
        values=resolve_reports(reports),
    )


PREFETCH = ("qualifications__kind", "indicator_reports", "risk_events")
"""`Enterprise.objects.prefetch_related(*PREFETCH)` loads what `load_inputs` needs in bulk."""


def figures_year(values: dict[int, YearValues], on: dt.date) -> int | None:
    """The latest year before `on`'s year with any indicator value."""
    years = [year for year, found in values.items() if found and year < on.year]
    return max(years) if years else None


@dataclass(frozen=True)
class Assessment:
    """One engine's verdict, the document it applied and the indicator year it read."""

    key: str  # size | tech_sme | high_tech | eligibility
    verdict: Verdict
    document: str
    year: int | None
    effective_from: dt.date | None = None  # of the rule set applied, shown beside its document

    @property
    def outcome(self) -> Outcome:
        return self.verdict.outcome


@dataclass(frozen=True)
class EnterpriseVerdicts:
    on: dt.date
    year: int | None
    size: Assessment
    tech_sme: Assessment
    high_tech: Assessment
    eligibility: Assessment

    @property
    def all(self) -> tuple[Assessment, ...]:
        return (self.size, self.tech_sme, self.high_tech, self.eligibility)

    @property
    def size_class(self) -> size.SizeClass | None:
        verdict = self.size.verdict
        return verdict.size_class if isinstance(verdict, size.SizeVerdict) else None

    @property
    def tech_sme_score(self) -> tech_sme.TechSmeScore | None:
        verdict = self.tech_sme.verdict
        return verdict.score if isinstance(verdict, tech_sme.TechSmeVerdict) else None


def _unknown(rule_set: str, code: str, zh: str, en: str) -> Verdict:
    return Verdict(passed=False, rule_set=rule_set, reasons=(
        Reason(code=code, ok=False, unknown=True, message_zh=zh, message_en=en),))


def _no_rules(exc: NoRuleSetInForce) -> Verdict:
    return _unknown(exc.family, exc.code, f"{exc.on.isoformat()}无适用的规则版本",
                    f"no rule set of {exc.family} was in force on {exc.on.isoformat()}")


def _missing_names(inputs: Inputs, year: int | None, codes: tuple[str, ...]) -> list[str]:
    return [code for code in codes if inputs.value(year, code) is None]


def assess_size(inputs: Inputs, on: dt.date, year: int | None) -> Assessment:
    """中小企业划型 from the industry code and that year's employees, revenue and assets."""
    try:
        rules = size.size_rules_in_force(on)
    except NoRuleSetInForce as exc:
        return Assessment("size", _no_rules(exc), "", year)
    code = inputs.enterprise.industry_code
    verdict: Verdict
    if not code:
        verdict = size.SizeVerdict(passed=False, rule_set=rules.name, size_class=None, industry=None, reasons=(
            Reason(code="size.industry_missing", ok=False, unknown=True,
                   message_zh="未登记国民经济行业代码，无法划型",
                   message_en="no industry code recorded: the size class cannot be determined"),))
    else:
        verdict = _classify_size(code, inputs.value(year, "employees"), inputs.value(year, "revenue"),
                                 inputs.value(year, "total_assets"), rules)
    return Assessment("size", verdict, rules.document, year, rules.effective_from)


_SIZE_VERDICTS: dict[tuple[Any, ...], size.SizeVerdict] = {}


def _classify_size(code: str, employees: Any, revenue: Any, total_assets: Any,
                   rules: size.SizeRules) -> size.SizeVerdict:
    """`classify_size`, remembered: it is pure and its verdict immutable, and an import or the
    daily refresh asks it the same question (an industry code, no figures yet) thousands of times."""
    key = (rules.name, code, employees, revenue, total_assets)
    found = _SIZE_VERDICTS.get(key)
    if found is None:
        if len(_SIZE_VERDICTS) > 10_000:
            _SIZE_VERDICTS.clear()
        found = _SIZE_VERDICTS[key] = size.classify_size(code, employees, revenue, total_assets, rules)
    return found


TECH_SME_FIGURES = ("employees", "tech_staff", "revenue", "total_assets", "rd_expense", "total_cost_expense")


def assess_tech_sme(inputs: Inputs, on: dt.date, year: int | None) -> Assessment:
    """科技型中小企业评价 on `on`, scored on that year's figures."""
    try:
        rules = tech_sme.tech_sme_rules_in_force(on)
    except NoRuleSetInForce as exc:
        return Assessment("tech_sme", _no_rules(exc), "", year)
    missing = _missing_names(inputs, year, TECH_SME_FIGURES)
    if missing:
        zh = "、".join(BY_CODE[code].name_zh for code in missing)
        verdict = _unknown(rules.name, "tech_sme.missing_figure",
                           f"缺少{year or ''}年度指标：{zh}，无法评价",
                           f"{year or ''} figures missing: {', '.join(BY_CODE[code].name_en for code in missing)}; "
                           "cannot evaluate")
        return Assessment("tech_sme", verdict, rules.document, year, rules.effective_from)
    flag = lambda code: bool(inputs.value(year, code))  # noqa: E731
    try:
        data = tech_sme.TechSmeInput(
            employees=inputs.value(year, "employees"),
            tech_staff=inputs.value(year, "tech_staff"),
            revenue=inputs.value(year, "revenue"),
            total_assets=inputs.value(year, "total_assets"),
            rd_expense=inputs.value(year, "rd_expense"),
            total_cost_expense=inputs.value(year, "total_cost_expense"),
            ip_class1=inputs.value(year, "ip_class1") or 0,
            ip_class2=inputs.value(year, "ip_class2") or 0,
            # Every enterprise of the registry is registered in one of the city's districts.
            mainland_resident=True,
            on_abnormal_list=inputs.listed_on(RiskKind.ABNORMAL_OPERATIONS, on),
            serious_violation=inputs.listed_on(RiskKind.SERIOUS_VIOLATION, on),
            has_valid_high_tech=inputs.holds(pool.HIGH_TECH, on),
            national_award_top3_in_5y=flag("national_award_top3"),
            provincial_rd_institution=flag("provincial_rd_institution"),
            led_standard_in_5y=flag("led_standard"),
        )
    except InvalidInput as exc:
        return Assessment("tech_sme", Verdict(passed=False, rule_set=rules.name, reasons=exc.reasons),
                          rules.document, year, rules.effective_from)
    return Assessment("tech_sme", tech_sme.evaluate_tech_sme(data, on, rules), rules.document, year,
                      rules.effective_from)


def _three_years(inputs: Inputs, year: int | None) -> list[int]:
    """The latest year and up to two before it, consecutive, each with R&D and revenue
    (第十一条(五): the last three fiscal years, or the actual period if shorter)."""
    if year is None:
        return []
    founded = inputs.enterprise.founded_on
    years: list[int] = []
    for candidate in (year, year - 1, year - 2):
        if founded is not None and candidate < founded.year:
            break
        if inputs.value(candidate, "rd_expense") is None or inputs.value(candidate, "revenue") is None:
            break
        years.append(candidate)
    return years


def _sum(inputs: Inputs, years: list[int], code: str) -> Decimal | None:
    values = [inputs.value(y, code) for y in years]
    if not values or any(v is None for v in values):
        return None
    return sum(values, Decimal(0))


def assess_high_tech(inputs: Inputs, on: dt.date, year: int | None) -> Assessment:
    """高新技术企业 quantitative criteria, advisory."""
    try:
        rules = high_tech.high_tech_rules_in_force(on)
    except NoRuleSetInForce as exc:
        return Assessment("high_tech", _no_rules(exc), "", year)
    years = _three_years(inputs, year)
    try:
        data = high_tech.HighTechInput(
            registered_on=inputs.enterprise.founded_on,
            employees=inputs.value(year, "employees"),
            tech_staff=inputs.value(year, "tech_staff"),
            revenue_last_year=inputs.value(year, "revenue"),
            rd_expense_3y=_sum(inputs, years, "rd_expense"),
            revenue_3y=_sum(inputs, years, "revenue"),
            domestic_rd_expense_3y=_sum(inputs, years, "domestic_rd_expense"),
            high_tech_income_last_year=inputs.value(year, "high_tech_income"),
            total_income_last_year=inputs.value(year, "total_income"),
        )
    except InvalidInput as exc:
        return Assessment("high_tech", Verdict(passed=False, rule_set=rules.name, reasons=exc.reasons),
                          rules.document, year, rules.effective_from)
    return Assessment("high_tech", high_tech.check_high_tech(data, on, rules), rules.document, year,
                      rules.effective_from)


def snapshot(inputs: Inputs, size_class: size.SizeClass | None) -> pool.EnterpriseSnapshot:
    """The pure snapshot pool eligibility reads."""
    enterprise = inputs.enterprise
    return pool.EnterpriseSnapshot(
        uscc=enterprise.uscc,
        # The district's GB/T 2260 code is the current registration, whatever the USCC says.
        registered_region=enterprise.district.code,
        qualifications=tuple(pool.Qualification(q.kind.code, q.valid_from, q.effective_to)
                             for q in inputs.qualifications),
        risk_events=tuple(pool.RiskEvent(e.kind, e.start_on, e.end_on) for e in inputs.risk_events),
        listed=enterprise.listed,
        size_class=size_class,
    )


def assess_eligibility(inputs: Inputs, on: dt.date, size_class: size.SizeClass | None) -> Assessment:
    """资金池入池资格 on `on` under the pool rules then in force."""
    try:
        rules = pool.rules_in_force(on)
    except NoRuleSetInForce as exc:
        return Assessment("eligibility", _no_rules(exc), "", None)
    verdict = pool.pool_eligibility(snapshot(inputs, size_class), on, rules)
    return Assessment("eligibility", verdict, rules.document, None, rules.effective_from)


def pool_rules_document(on: dt.date) -> str:
    """The pool rules in force on `on`, as their document is cited (for pages that show verdicts)."""
    try:
        return pool.rules_in_force(on).document
    except NoRuleSetInForce:
        return ""


def assess(enterprise: Enterprise, on: dt.date | None = None, inputs: Inputs | None = None) -> EnterpriseVerdicts:
    """All four verdicts on `on` (default: today in Asia/Shanghai)."""
    on = on or timezone.localdate()
    inputs = inputs or load_inputs(enterprise)
    year = figures_year(inputs.values, on)
    size_assessment = assess_size(inputs, on, year)
    size_verdict = size_assessment.verdict
    # The 2025 pool rules admit by size class, so eligibility reads the size verdict.
    size_class = size_verdict.size_class if isinstance(size_verdict, size.SizeVerdict) else None
    return EnterpriseVerdicts(
        on=on, year=year, size=size_assessment,
        tech_sme=assess_tech_sme(inputs, on, year),
        high_tech=assess_high_tech(inputs, on, year),
        eligibility=assess_eligibility(inputs, on, size_class),
    )


def summary_values(verdicts: EnterpriseVerdicts) -> dict[str, Any]:
    """The denormalised summary columns of `Enterprise` for these verdicts."""
    size_class = verdicts.size_class
    score = verdicts.tech_sme_score
    tech_outcome = verdicts.tech_sme.outcome
    eligibility = verdicts.eligibility.outcome
    return {
        "size_class": size_class.value if size_class is not None else "",
        "tech_sme_score": score.total if score is not None else None,
        "tech_sme_passed": None if tech_outcome is Outcome.UNKNOWN else tech_outcome is Outcome.PASS,
        "high_tech_outcome": verdicts.high_tech.outcome.value,
        "eligible": None if eligibility is Outcome.UNKNOWN else eligibility is Outcome.PASS,
        "summary_year": verdicts.year,
        "summary_on": verdicts.on,
    }
