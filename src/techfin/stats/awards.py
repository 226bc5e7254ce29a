"""Partner-bank awards (合作银行优秀奖、最佳成长奖、突出贡献奖) of a year, ranked by the rules of
`techfin.domain.awards` from the statistics service's figures of each bank."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from techfin.domain import awards as rules
from techfin.stats.queries import StatsFilter, stats_breakdown

AWARD_NAMES = {
    "excellence": _("Excellence award"),  # 合作银行优秀奖
    "best_growth": _("Best growth award"),  # 合作银行最佳成长奖
    "outstanding_contribution": _("Outstanding contribution award"),  # 合作银行突出贡献奖
}


def _reason(code: str, version: rules.AwardRules) -> str:
    return {
        "min_loans": _("fewer than %(n)s loans in the year") % {"n": version.min_loans},
        "npl_above_line": _("non-performing ratio above %(line)s") % {"line": f"{version.excellence_max_npl:.2%}"},
        "small_base": _("lent less than %(amount)s yuan the year before")
        % {"amount": f"{version.growth_min_base_fen / 100:,.0f}"},
    }[code]


def _fen(amount: Decimal) -> int:
    return int(amount * 100)


def bank_awards_for_year(year: int, versions: tuple[rules.AwardRules, ...] | None = None) -> dict[str, Any]:
    """The three rankings of `year`, each bank with the figures its place was decided on."""
    now = {r["key"]: r for r in stats_breakdown(StatsFilter(year * 100 + 1, year * 100 + 12), "bank")}
    before = {r["key"]: r for r in stats_breakdown(StatsFilter((year - 1) * 100 + 1, (year - 1) * 100 + 12), "bank")}
    banks = [rules.BankYear(bank_id=key, name=row["name"], loans=row["loans"], loan_fen=_fen(row["loan_amount"]),
                            enterprises=row["enterprises"], pure_credit_share=row["pure_credit_enterprise_share"],
                            npl_ratio=row["npl_ratio"],
                            previous_loan_fen=_fen(before[key]["loan_amount"]) if key in before else 0)
             for key, row in now.items()]
    found = versions if versions is not None else rules.load_award_rules()
    if all(v.applies_from > year for v in found):
        first = min(v.applies_from for v in found)
        raise ValidationError({"year": [_("Awards are given from %(first)s on.") % {"first": first}]})
    version = rules.rules_for(year, found)
    results = rules.bank_awards(banks, version)
    return {"year": year, "rules": version.name, "awards": [
        {"award": r.award, "name": str(AWARD_NAMES[r.award]),
         "winners": [x.name for x in r.ranking if x.winner],
         "ranking": [{"rank": x.rank, "bank": x.bank_id, "name": x.name, "score": x.score, "winner": x.winner,
                      "figures": {k.removesuffix("_fen") + "_amount" if k.endswith("_fen") else k:
                                  (Decimal(v) / 100).quantize(Decimal("0.01")) if k.endswith("_fen") else v
                                  for k, v in x.figures.items()}} for x in r.ranking],
         "excluded": [{"name": name, "reason": _reason(code, version)} for name, code in r.excluded]}
        for r in results]}
