"""Bank and guarantor risk controls (风险控制): the 2025 stop lines and the NPL ratio.

穗金管规字〔2025〕1号 《广州市信贷风险补偿机制管理办法》 (article numbers beyond 第三条 not readable;
the document is cited) suspends compensation (暂缓补偿):

* 政银: for a bank whose yearly principal loss on non-performing loans exceeds **3%** of the
  principal of the loans it filed that year (当年入库贷款本金总额);
* 政担: for a guarantor whose yearly payout rate (年度担保代偿率) exceeds **3%**. The 2025 text's
  definition of the rate was not readable [U]; the usual one of Chinese guarantee regulation is
  used: 本年累计代偿额 ÷ 本年累计解除的担保额.

"Exceeds" is strict: exactly 3% does not suspend. Ratios are compared exactly (no division, no
rounding); rounding happens only for display. The threshold and the rule set are parameters, so
a policy's ``ModeRule.stop_line`` can be passed in. The tech-pool measures had no stop line that
the sources show [U].
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from techfin.domain.policy import StopLine, StopMetric
from techfin.domain.reasons import InvalidInput, Reason, Verdict

DOCUMENT = "《广州市信贷风险补偿机制管理办法》(穗金管规字〔2025〕1号)"
RULE_SET = "gz-credit-risk-comp-2025"
THREE_PERCENT = Decimal(3)
SUSPEND = "claims_suspended"


@dataclass(frozen=True, kw_only=True)
class StopLineVerdict(Verdict):
    """A stop-line check: ``passed`` when compensation continues; the ratio in percent (for
    display, 4 places; None when the denominator is zero) and the consequence when it fails."""

    ratio_percent: Decimal | None
    threshold_percent: Decimal
    consequence: str | None  # "claims_suspended" when the line is crossed, else None


def _check_amounts(pairs: tuple[tuple[str, Decimal], ...]) -> None:
    problems = [Reason(code=f"risk.{name}", ok=False, message_zh=f"{name}须为非负金额",
                       message_en=f"{name} must be a non-negative amount")
                for name, value in pairs if not value.is_finite() or value < 0]
    if problems:
        raise InvalidInput(problems)


def _percent(numerator: Decimal, denominator: Decimal, places: int = 4) -> Decimal | None:
    if denominator == 0:
        return None
    return (numerator * 100 / denominator).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _stop_line(code: str, numerator: Decimal, denominator: Decimal, threshold: Decimal, rule_set: str,
               what_zh: str, what_en: str, of_zh: str, of_en: str) -> StopLineVerdict:
    # numerator / denominator > threshold% ⇔ numerator × 100 > threshold × denominator (also for 0).
    crossed = numerator * 100 > threshold * denominator
    ratio = _percent(numerator, denominator)
    shown = f"{ratio}%" if ratio is not None else "—"
    if crossed:
        zh = (f"{what_zh}{numerator:,.2f}元，占{of_zh}{denominator:,.2f}元的{shown}，超过{threshold}%，"
              f"暂缓补偿（{DOCUMENT}）")
        en = (f"{what_en} {numerator:,.2f} is {shown} of {of_en} {denominator:,.2f}, above {threshold}%: "
              f"compensation is suspended")
    else:
        zh = f"{what_zh}{numerator:,.2f}元，占{of_zh}{denominator:,.2f}元的{shown}，未超过{threshold}%"
        en = f"{what_en} {numerator:,.2f} is {shown} of {of_en} {denominator:,.2f}, within {threshold}%"
    reason = Reason(code=code, ok=not crossed, message_zh=zh, message_en=en,
                    detail={"numerator": numerator, "denominator": denominator, "ratio_percent": ratio,
                            "threshold_percent": threshold})
    return StopLineVerdict(passed=not crossed, rule_set=rule_set, reasons=(reason,), ratio_percent=ratio,
                           threshold_percent=threshold, consequence=SUSPEND if crossed else None)


def bank_stop_line(principal_loss_in_year: Decimal, principal_filed_in_year: Decimal,
                   threshold: Decimal = THREE_PERCENT, *, rule_set: str = RULE_SET) -> StopLineVerdict:
    """政银 stop line: suspended when the bank's yearly principal loss > ``threshold``% of the
    principal it filed that year. With nothing filed, any loss crosses the line."""
    _check_amounts((("principal_loss_in_year", principal_loss_in_year),
                    ("principal_filed_in_year", principal_filed_in_year)))
    return _stop_line("risk.bank_stop_line", principal_loss_in_year, principal_filed_in_year, threshold,
                      rule_set, "年度不良贷款本金损失", "yearly principal loss",
                      "当年入库贷款本金总额", "the principal filed in the year")


def guarantor_stop_line(payout_in_year: Decimal, guarantees_released_in_year: Decimal,
                        threshold: Decimal = THREE_PERCENT, *, rule_set: str = RULE_SET) -> StopLineVerdict:
    """政担 stop line: suspended when the guarantor's yearly payout rate (本年累计代偿额 ÷
    本年累计解除的担保额 [U]) > ``threshold``%."""
    _check_amounts((("payout_in_year", payout_in_year),
                    ("guarantees_released_in_year", guarantees_released_in_year)))
    return _stop_line("risk.guarantor_stop_line", payout_in_year, guarantees_released_in_year, threshold,
                      rule_set, "年度代偿额", "yearly payout", "本年累计解除的担保额",
                      "the guarantees released in the year")


def check_stop_line(line: StopLine, numerator: Decimal, denominator: Decimal, *,
                    rule_set: str = RULE_SET) -> StopLineVerdict:
    """Apply a policy's ``StopLine`` (its metric picks the bank or the guarantor check)."""
    if line.metric is StopMetric.BANK_PRINCIPAL_LOSS_RATIO:
        return bank_stop_line(numerator, denominator, line.threshold_percent, rule_set=rule_set)
    return guarantor_stop_line(numerator, denominator, line.threshold_percent, rule_set=rule_set)


def npl_ratio(non_performing_principal: Decimal, disbursed_principal: Decimal, places: int = 4) -> Decimal:
    """Non-performing ratio (不良率) in percent: principal that became non-performing ÷ principal
    disbursed, half-up to ``places`` decimals of a percent (0.32% → ``Decimal("0.3200")``).

    0 when nothing was disbursed and nothing is non-performing; ``InvalidInput`` for negative
    amounts or non-performing principal larger than what was disbursed.
    """
    _check_amounts((("non_performing_principal", non_performing_principal),
                    ("disbursed_principal", disbursed_principal)))
    if non_performing_principal > disbursed_principal:
        raise InvalidInput([Reason(code="risk.npl_above_disbursed", ok=False,
                                   message_zh="不良本金不能超过放款本金",
                                   message_en="non-performing principal cannot exceed the principal disbursed")])
    ratio = _percent(non_performing_principal, disbursed_principal, places)
    return ratio if ratio is not None else Decimal(0).quantize(Decimal(1).scaleb(-places))

