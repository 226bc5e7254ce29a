"""Continuations (项目延续) of a pool loan: the pure check of a renewal request.

The Guangdong group standard T/IPIF 0028-2024 《科技信贷风险补偿金规范》 lists, beside the filing
(入库申请 → 项目审核 → 入库确认) and the project anomaly (项目异常), the project continuation
(项目延续): a filed loan renewed at maturity keeps its risk-compensation coverage. The
Guangzhou measures found so far say nothing on renewals, so every rule below that is not the
loan's own policy is a parameter marked [U] (``ContinuationRules``) and was chosen as follows:

* **Which rules govern** — the rule set of the original loan (the policy in force on its
  disbursement date), not the one in force at the renewal: the continuation *keeps* the loan's
  coverage, so its share, caps and term stay those the bank lent under. [U: the standard says
  the coverage continues; the 2025 measures' transition clause was not readable.]
* **Term** — by default the original disbursement date to the new maturity must stay within the
  governing rule set's maximum term (贷款期限不超过3年 from the 2019 measures). Counting from the
  renewal instead would let a renewed loan stay covered for ever, one 3-year term after another,
  which the term limit exists to prevent. ``term_from=CONTINUATION_START`` is the other reading,
  for a programme whose text says so.
* **Amount** — the renewed principal is at most the original loan amount (the issue's rule: a
  continuation never covers more than was filed); above the principal still outstanding it is new
  money and goes to the fund manager's review.
* **When** — from ``window_before_days`` before the maturity being renewed up to the maturity; up
  to ``grace_after_days`` after it the request goes to review (the loan is technically past due);
  later it is refused: the loan has then ended or defaulted and is reported as such.
* **Loan state** — an accepted loan that is not settled and not non-performing. Renewing a
  non-performing loan would hide a loss behind a new term (借新还旧), so it is refused; an overdue
  loan goes to review.
* **Cap** — the per-enterprise cap of the governing rule set still holds across all banks: the
  renewed amount replaces the loan's own amount in the total of the year the continuation starts
  (yearly basis) or in the enterprise's outstanding principal (outstanding basis). The caller
  sums the rest (``enterprise_total``).

``validate_continuation`` returns every problem at once as ``FilingReason`` (severity error:
refused; warning: the fund manager reviews), in the shape the filing check uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from techfin.domain.lpr import LprTable
from techfin.domain.policy import (
    FilingReason,
    FilingVerdict,
    PoolPolicy,
    Severity,
    add_months,
    rate_implausible,
)
from techfin.domain.reasons import DetailValue

SOURCE = "T/IPIF 0028-2024《科技信贷风险补偿金规范》（项目延续）"


class TermBasis(StrEnum):
    """Where the maximum term of a continued loan is counted from."""

    ORIGINAL_DISBURSEMENT = "original_disbursement"  # the whole life of the loan, renewals included
    CONTINUATION_START = "continuation_start"  # each renewed term on its own


@dataclass(frozen=True)
class ContinuationRules:
    """The parameters of continuations not found in any Guangzhou text (all [U], see the module)."""

    window_before_days: int = 30  # [U] a renewal is asked at most 30 days before the maturity
    grace_after_days: int = 15  # [U] up to 15 days after the maturity, with the fund manager's review
    term_from: TermBasis = TermBasis.ORIGINAL_DISBURSEMENT  # [U] see the module docstring

    def __post_init__(self) -> None:
        if self.window_before_days < 0 or self.grace_after_days < 0:
            raise ValueError("continuation windows are counts of days, not negative")


DEFAULT_RULES = ContinuationRules()


@dataclass(frozen=True, slots=True)
class ContinuedLoan:
    """The filed loan being renewed, as it stands (its filed terms and its latest status).

    ``maturity_on`` is the maturity being renewed: the original one, or that of the loan's last
    accepted continuation.
    """

    contract_no: str
    loan_amount: Decimal
    disbursed_on: date
    maturity_on: date
    outstanding_principal: Decimal
    filing_status: str  # accepted | submitted | rejected | withdrawn
    loan_status: str  # normal | overdue | non_performing | settled
    rule_set: str


@dataclass(frozen=True, slots=True)
class ContinuationRequest:
    """What the bank asks: a new maturity, principal and rate, and perhaps a new contract number.
    A value the caller could not read is None and is reported missing."""

    requested_on: date
    new_maturity_on: date | None
    new_amount: Decimal | None
    new_rate: Decimal | None
    new_contract_no: str | None = None


@dataclass(frozen=True, kw_only=True)
class ContinuationContext:
    """What the check needs besides the loan and the request, prepared by the caller.

    * ``policy``: the governing rule set (the original loan's); None if it is no longer known.
    * ``enterprise_total``: the enterprise's total across all banks on the policy's cap basis
      at the continuation's start, **without this loan**; None if unknown.
    * ``contract_taken``: the new contract number is already a filed contract or another
      continuation's number at this bank.
    * ``pending``: the loan already has a continuation waiting for review.
    """

    policy: PoolPolicy | None
    today: date
    bank_status: str
    enterprise_total: Decimal | None
    contract_taken: bool = False
    pending: bool = False
    lpr: LprTable | None = None
    rules: ContinuationRules = field(default=DEFAULT_RULES)


def _problem(code: str, column: str | None, zh: str, en: str, detail: dict[str, DetailValue] | None = None,
             severity: Severity = Severity.ERROR, unknown: bool = False) -> FilingReason:
    return FilingReason(code=code, ok=False, unknown=unknown, message_zh=zh, message_en=en, detail=detail or {},
                        severity=severity, column=column)


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


_MISSING = {
    "new_maturity_on": ("新到期日期", "new maturity date"),
    "new_amount": ("延续金额", "renewed amount"),
    "new_rate": ("延续年利率", "renewed annual rate"),
}


def validate_continuation(loan: ContinuedLoan, request: ContinuationRequest,
                          ctx: ContinuationContext) -> FilingVerdict:
    """Check a continuation (项目延续) request against the loan's own rule set; every problem at once."""
    out: list[FilingReason] = []
    add = out.append
    rules = ctx.rules
    policy = ctx.policy
    for column, value in (("new_maturity_on", request.new_maturity_on), ("new_amount", request.new_amount),
                          ("new_rate", request.new_rate)):
        if value is None:
            zh, en = _MISSING[column]
            add(_problem("continuation.required", column, f"{zh}为必填项，缺失或无法识别",
                         f"the {en} is required and is missing or unreadable", {"column": column}))

    # The loan itself.
    if loan.filing_status != "accepted":
        add(_problem("continuation.loan_not_accepted", None, "只有已入池的贷款可以申请项目延续",
                     "only a loan accepted into the pool can be continued", {"filing_status": loan.filing_status}))
    if loan.loan_status == "settled":
        add(_problem("continuation.loan_settled", None, "贷款已结清，无需延续", "the loan is settled; nothing to continue",
                     {"loan_status": loan.loan_status}))
    elif loan.loan_status == "non_performing":
        add(_problem("continuation.loan_non_performing", None,
                     "不良贷款不能通过项目延续续期（应报送项目异常并申请补偿）",
                     "a non-performing loan cannot be renewed by a continuation (report an anomaly and claim instead)",
                     {"loan_status": loan.loan_status}))
    elif loan.loan_status == "overdue":
        add(_problem("continuation.loan_overdue", None, "贷款处于逾期状态，延续须经受托管理机构审核",
                     "the loan is overdue; the continuation needs the fund manager's review",
                     {"loan_status": loan.loan_status}, Severity.WARNING))
    if ctx.pending:
        add(_problem("continuation.pending", None, "该贷款已有一笔待审核的延续申请",
                     "the loan already has a continuation waiting for review"))
    if ctx.bank_status != "active":
        add(_problem("continuation.bank_not_active", None, "合作银行当前不是正常状态，不能申请延续",
                     f"the bank is {ctx.bank_status}; it cannot continue loans", {"bank_status": ctx.bank_status}))

    # When it is asked.
    requested, maturity = request.requested_on, loan.maturity_on
    opens = maturity - timedelta(days=rules.window_before_days)
    closes = maturity + timedelta(days=rules.grace_after_days)
    if requested > ctx.today:
        add(_problem("continuation.requested_in_future", "requested_on", "申请日期不能晚于今天",
                     "the request date cannot be in the future", {"requested_on": requested, "today": ctx.today}))
    elif requested < opens:
        add(_problem("continuation.too_early", "requested_on",
                     f"到期日{maturity.isoformat()}前{rules.window_before_days}天内（{opens.isoformat()}起）方可申请延续",
                     f"a continuation is asked within {rules.window_before_days} days before the maturity "
                     f"{maturity.isoformat()} (from {opens.isoformat()})",
                     {"maturity_on": maturity, "opens_on": opens}))
    elif requested > closes:
        add(_problem("continuation.too_late", "requested_on",
                     f"已超过到期日{maturity.isoformat()}后{rules.grace_after_days}天，不能再申请延续",
                     f"more than {rules.grace_after_days} days after the maturity {maturity.isoformat()}; "
                     "too late to continue", {"maturity_on": maturity, "closes_on": closes}))
    elif requested > maturity:
        add(_problem("continuation.after_maturity", "requested_on",
                     f"申请日晚于到期日{maturity.isoformat()}，须经受托管理机构审核",
                     f"asked after the maturity {maturity.isoformat()}; the fund manager reviews it",
                     {"maturity_on": maturity}, Severity.WARNING))

    # The new term, under the governing rule set.
    if policy is None:
        add(_problem("continuation.rule_set_unknown", None, f"原贷款适用的规则（{loan.rule_set or '-'}）已不在政策数据中",
                     f"the loan's rule set ({loan.rule_set or '-'}) is not in the policy data",
                     {"rule_set": loan.rule_set}))
    new_maturity = request.new_maturity_on
    if new_maturity is not None:
        if new_maturity <= maturity:
            add(_problem("continuation.maturity_not_later", "new_maturity_on",
                         f"新到期日期须晚于现到期日{maturity.isoformat()}",
                         f"the new maturity must be after the current maturity {maturity.isoformat()}",
                         {"maturity_on": maturity, "new_maturity_on": new_maturity}))
        elif policy is not None and policy.max_term_months is not None:
            months = policy.max_term_months
            from_original = rules.term_from is TermBasis.ORIGINAL_DISBURSEMENT
            start = loan.disbursed_on if from_original else maturity
            latest = add_months(start, months)
            if new_maturity > latest:
                since_zh = f"自原放款日{start.isoformat()}起（含延续）" if from_original else f"自延续起始日{start.isoformat()}起"
                since_en = (f"from the original disbursement on {start.isoformat()}, renewals included"
                            if from_original else f"from the continuation's start on {start.isoformat()}")
                add(_problem("continuation.term_too_long", "new_maturity_on",
                             f"{since_zh}贷款期限超过{months}个月（新到期日最晚为{latest.isoformat()}；{policy.cite()}）",
                             f"the term {since_en} exceeds {months} months (latest maturity {latest.isoformat()}, "
                             f"{policy.name})",
                             {"max_term_months": months, "latest_maturity": latest, "term_from": rules.term_from.value,
                              "rule_set": policy.name}))

    # The renewed principal.
    amount = request.new_amount
    if amount is not None:
        if amount <= 0:
            add(_problem("continuation.amount_positive", "new_amount", "延续金额必须大于0",
                         "the renewed amount must be greater than 0", {"new_amount": amount}))
        elif amount > loan.loan_amount:
            add(_problem("continuation.amount_above_original", "new_amount",
                         f"延续金额{_money(amount)}元超过原放款金额{_money(loan.loan_amount)}元",
                         f"the renewed amount {_money(amount)} exceeds the original loan amount "
                         f"{_money(loan.loan_amount)}", {"new_amount": amount, "loan_amount": loan.loan_amount}))
        elif amount > loan.outstanding_principal:
            add(_problem("continuation.amount_above_outstanding", "new_amount",
                         f"延续金额{_money(amount)}元高于贷款余额{_money(loan.outstanding_principal)}元（含新增资金），须经审核",
                         f"the renewed amount {_money(amount)} is above the outstanding principal "
                         f"{_money(loan.outstanding_principal)} (new money); the fund manager reviews it",
                         {"new_amount": amount, "outstanding_principal": loan.outstanding_principal},
                         Severity.WARNING))

    # The renewed rate.
    rate = request.new_rate
    if rate is not None:
        if rate <= 0:
            add(_problem("continuation.rate_positive", "new_rate", "延续年利率必须大于0",
                         "the renewed annual rate must be greater than 0", {"new_rate": rate}))
        elif policy is not None and policy.rate_ceiling_spread is not None:
            ceiling_problem = _rate_ceiling(rate, maturity, policy, ctx.lpr)
            if ceiling_problem is not None:
                add(ceiling_problem)
        else:  # no ceiling in the rule set: held for review only when the rate cannot be meant
            implausible = rate_implausible(rate, maturity, ctx.lpr, prefix="continuation", column="new_rate",
                                           rate_zh="延续年利率", rate_en="the renewed annual rate",
                                           day_zh="延续起始日", day_en="the day the continuation starts")
            if implausible is not None:
                add(implausible)

    # The contract number.
    if request.new_contract_no and ctx.contract_taken:
        add(_problem("continuation.contract_taken", "new_contract_no",
                     f"合同编号{request.new_contract_no}已被本行其他贷款或延续使用",
                     f"contract {request.new_contract_no} is already used by another loan or continuation of the bank",
                     {"new_contract_no": request.new_contract_no}))

    # The per-enterprise cap across all banks, under the governing rule set.
    if policy is not None and amount is not None and amount > 0:
        total, cap = ctx.enterprise_total, policy.enterprise_cap
        if total is None:
            add(_problem("continuation.enterprise_total_unknown", "new_amount",
                         "无法取得该企业在各合作银行的贷款合计，未能核对单个企业贷款上限",
                         "the enterprise's total across all banks is unknown; the cap was not checked",
                         {"cap": cap, "rule_set": policy.name}, Severity.WARNING, unknown=True))
        elif total + amount > cap:
            add(_problem("continuation.enterprise_cap_exceeded", "new_amount",
                         f"该企业在各合作银行的{policy.cap_basis.label_zh}{_money(total)}元加延续金额{_money(amount)}元，"
                         f"超过单个企业上限{_money(cap)}元（{policy.cite()}）",
                         f"the enterprise's {policy.cap_basis.label_en} across all banks, {_money(total)}, plus the "
                         f"renewed {_money(amount)}, exceeds the cap of {_money(cap)} ({policy.name})",
                         {"enterprise_total": total, "new_amount": amount, "cap": cap,
                          "cap_basis": policy.cap_basis.value, "rule_set": policy.name}))

    return FilingVerdict(policy.name if policy is not None else None, tuple(out))


def _rate_ceiling(rate: Decimal, starts_on: date, policy: PoolPolicy, lpr: LprTable | None) -> FilingReason | None:
    """The rule set's rate ceiling (1-year LPR + spread), on the day the continuation starts."""
    spread = policy.rate_ceiling_spread
    assert spread is not None
    if lpr is None or starts_on < lpr.fixings[0].published_on:
        return _problem("continuation.rate_ceiling_unknown", "new_rate",
                        f"{starts_on.isoformat()}无可用LPR，未能核对利率上限（LPR+{spread}个百分点）",
                        f"no LPR for {starts_on.isoformat()}; the rate ceiling (LPR + {spread} points) was not checked",
                        {"new_rate": rate, "spread": spread}, Severity.WARNING, unknown=True)
    ceiling = lpr.rate_on(starts_on, "1y") + spread
    if rate <= ceiling:
        return None
    return _problem("continuation.rate_above_ceiling", "new_rate",
                    f"延续年利率{rate}%超过上限{ceiling}%（{starts_on.isoformat()}的1年期LPR + {spread}个百分点；{policy.cite()}）",
                    f"the renewed rate {rate}% exceeds the ceiling {ceiling}% (1-year LPR on {starts_on.isoformat()} "
                    f"+ {spread} points, {policy.name})",
                    {"new_rate": rate, "ceiling": ceiling, "rule_set": policy.name})


def counted_renewals(original_amount: Decimal, disbursed_on: date,
                     renewals: list[tuple[date, Decimal]]) -> list[tuple[date, Decimal]]:
    """What a loan's continuations add to the enterprise's yearly totals (年度贷款总额).

    A continuation counts in the calendar year it starts, like a loan disbursed then; but in a
    year where the same loan already counts (its disbursement, or an earlier continuation of it),
    only the part above what already counts is added — it is the same money renewed, not a
    second loan. ``renewals`` are (start date, amount); returns (start date, amount added) for
    those that add something.
    """
    counted: dict[int, Decimal] = {disbursed_on.year: original_amount}
    added = []
    for starts_on, amount in sorted(renewals):
        already = counted.get(starts_on.year, Decimal(0))
        if amount > already:
            added.append((starts_on, amount - already))
            counted[starts_on.year] = amount
    return added
