"""Claim conditions (补偿申请条件): whether a defaulted loan may be claimed now, every problem at once.

The conditions are part of the pool policy data (``policy.ClaimConditions`` of the mode's
``ModeRule``): minimum days overdue, the claim window after default, the documents required.
Their values are not confirmed for any Guangzhou rule set (``[U]`` in the data file: 90 days,
365 days, the usual document set of comparable pools); the messages cite the policy version.

``check_claim`` returns a ``ClaimCheck`` with one ``ClaimProblem`` per broken or undecided rule,
each with a severity:

* ``error``: the claim cannot be submitted (or recommended) until it is fixed;
* ``warning``: shown to the bank and on the fund manager's checklist, not blocking.

A decision recorded here: **an anomaly reported before the claim is a warning, not a hard
rule.** T/IPIF 0028-2024 (《科技信贷风险补偿金规范》, a group standard of the Guangdong
intellectual property and innovation finance association) makes the anomaly report (项目异常)
precede a claim, but it is a standard of practice, not a condition of the city's 管理办法; a bank
that failed to report trouble in time still has a loss the rules compensate. The fund manager
sees the warning on the checklist and may return the claim for an explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from techfin.domain.money import FEN
from techfin.domain.policy import DOCUMENT_KINDS, ClaimConditions

ANOMALY_STANDARD = "T/IPIF 0028-2024《科技信贷风险补偿金规范》"


class ClaimSeverity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class ClaimProblem:
    """One rule of the claim conditions not met (or not decidable), with its citation."""

    code: str
    severity: ClaimSeverity
    field: str | None
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "severity": self.severity.value, "field": self.field,
                "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass(frozen=True, kw_only=True)
class ClaimFacts:
    """What the claim conditions look at, gathered by the caller from the loan's records.

    * ``loan_accepted``: the filing was accepted into the pool (已入池).
    * ``loan_status`` / ``overdue_days``: from the newest monthly status report.
    * ``default_on``: the first day of the first month the loan was reported non-performing
      (None when no report says so); ``balance_at_default``: principal outstanding then.
    * ``principal_loss``: the unpaid principal claimed (interest is never compensated).
    * ``documents``: the kinds of document attached.
    * ``anomaly_before``: an anomaly (项目异常) was reported on the loan before ``claimed_on``.
    * ``other_open_claim``: another claim on the same loan is under way.
    """

    loan_accepted: bool
    loan_status: str
    overdue_days: int
    default_on: date | None
    balance_at_default: Decimal
    principal_loss: Decimal
    claimed_on: date
    documents: frozenset[str] = field(default_factory=frozenset)
    anomaly_before: bool = False
    other_open_claim: bool = False


@dataclass(frozen=True)
class ClaimCheck:
    problems: tuple[ClaimProblem, ...]

    @property
    def errors(self) -> tuple[ClaimProblem, ...]:
        return tuple(p for p in self.problems if p.severity is ClaimSeverity.ERROR)

    @property
    def warnings(self) -> tuple[ClaimProblem, ...]:
        return tuple(p for p in self.problems if p.severity is ClaimSeverity.WARNING)

    @property
    def ok(self) -> bool:
        return not self.errors

    def missing_documents(self) -> tuple[str, ...]:
        return tuple(p.code.removeprefix("claim.document_missing:") for p in self.problems
                     if p.code.startswith("claim.document_missing:"))


def _error(code: str, field_name: str | None, zh: str, en: str) -> ClaimProblem:
    return ClaimProblem(code, ClaimSeverity.ERROR, field_name, zh, en)


def claim_deadline(default_on: date, conditions: ClaimConditions) -> date:
    """The last day a claim may be made: ``claim_window_days`` after the default (inclusive)."""
    return default_on + timedelta(days=conditions.claim_window_days)


def check_claim(facts: ClaimFacts, conditions: ClaimConditions, citation: str,
                check_documents: bool = True) -> ClaimCheck:
    """Every claim condition of ``conditions`` (the loan's policy version, cited as ``citation``)
    against ``facts``. ``check_documents=False`` skips the document list (a draft being written)."""
    out: list[ClaimProblem] = []
    if facts.other_open_claim:
        out.append(_error("claim.already_open", None, "该笔贷款已有一笔正在办理的补偿申请",
                          "another claim on this loan is already under way"))
    if not facts.loan_accepted:
        out.append(_error("claim.loan_not_accepted", "filing", "只有已入池（备案已受理）的贷款才能申请补偿",
                          "only a loan accepted into the pool can be claimed"))
    if facts.loan_status != "non_performing":
        out.append(_error("claim.loan_not_non_performing", "filing",
                          f"最近一期月度报送中该贷款不是“不良”状态（{citation}：补偿对象为不良贷款本金损失）",
                          f"the newest monthly report does not show the loan as non-performing ({citation})"))
    if facts.overdue_days < conditions.min_overdue_days:
        out.append(_error("claim.overdue_too_short", "filing",
                          f"逾期{facts.overdue_days}天，未达到{conditions.min_overdue_days}天（{citation}）",
                          f"{facts.overdue_days} days overdue, fewer than the {conditions.min_overdue_days} days "
                          f"required ({citation})"))
    if facts.default_on is None:
        out.append(ClaimProblem("claim.default_date_unknown", ClaimSeverity.WARNING, "filing",
                                "月度报送中没有该贷款转为不良的月份，无法核对申请时限",
                                "no monthly report shows when the loan became non-performing; the claim window "
                                "could not be checked"))
    else:
        deadline = claim_deadline(facts.default_on, conditions)
        if facts.claimed_on > deadline:
            out.append(_error("claim.window_closed", None,
                              f"{facts.default_on.isoformat()}转为不良，申请时限{conditions.claim_window_days}天，"
                              f"已于{deadline.isoformat()}届满（{citation}）",
                              f"non-performing since {facts.default_on.isoformat()}: the {conditions.claim_window_days}-"
                              f"day claim window closed on {deadline.isoformat()} ({citation})"))
    loss = facts.principal_loss
    if not loss.is_finite() or loss <= 0 or loss != loss.quantize(FEN):
        out.append(_error("claim.loss_invalid", "principal_loss", "本金损失须为大于0的金额（精确到分）",
                          "the principal loss must be a positive amount in fen"))
    elif loss > facts.balance_at_default:
        out.append(_error("claim.loss_above_balance", "principal_loss",
                          f"本金损失{loss:,.2f}元超过转为不良时的贷款余额{facts.balance_at_default:,.2f}元"
                          "（只补偿本金，不含利息）",
                          f"the principal loss {loss:,.2f} exceeds the principal outstanding at default "
                          f"{facts.balance_at_default:,.2f} (interest is not compensated)"))
    if check_documents:
        for kind in conditions.required_documents:
            if kind not in facts.documents:
                label = DOCUMENT_KINDS.get(kind, kind)
                out.append(_error(f"claim.document_missing:{kind}", "documents", f"缺少材料：{label}（{citation}）",
                                  f"missing document: {kind.replace('_', ' ')} ({citation})"))
    if not facts.anomaly_before:
        out.append(ClaimProblem("claim.no_anomaly_before", ClaimSeverity.WARNING, "filing",
                                f"申请前未报送该贷款的项目异常（{ANOMALY_STANDARD}：项目异常报送先于补偿申请）",
                                f"no project anomaly was reported on this loan before the claim ({ANOMALY_STANDARD}: "
                                "the anomaly report precedes the claim)"))
    return ClaimCheck(tuple(out))
