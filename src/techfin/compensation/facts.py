"""What the rules need to know about a claim's loan, read from the pool's records, and the two
pure rules applied to it: the claim conditions (``techfin.domain.claims``) and the loss split
(``techfin.domain.sharing``), both under the policy version in force on the disbursement date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from techfin.domain import sharing
from techfin.domain.claims import ClaimCheck, ClaimFacts, ClaimProblem, ClaimSeverity, check_claim
from techfin.domain.policy import CompensationMode, GuaranteeType, ModeRule, PoolPolicy
from techfin.domain.reasons import InvalidInput
from techfin.domain.versioning import NoRuleSetInForce
from techfin.enterprises.queries import enterprise_qualified_on
from techfin.filings.models import Anomaly, Filing, FilingStatus, LoanStatus, StatusReport
from techfin.filings.policies import PolicySet, current_policy_set

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LoanDefault:
    """When the loan became non-performing and what was outstanding then (不良认定)."""

    default_on: dt.date | None
    balance_at_default: Decimal


def loan_default(filing: Filing) -> LoanDefault:
    """The first month reported non-performing and the principal outstanding in that report.

    [U] The pool's documents do not define the default date; the first day of the first month
    reported 不良 is used, which is the earliest date the records support. A loan marked
    non-performing without such a report (e.g. set by hand) falls back to its current balance.
    """
    first = (StatusReport.objects.filter(filing=filing, loan_status=LoanStatus.NON_PERFORMING)
             .order_by("period").values_list("period", "outstanding_principal").first())
    if first is None:
        return LoanDefault(None, Decimal(filing.outstanding_principal).quantize(ZERO))
    return LoanDefault(first[0], Decimal(first[1]).quantize(ZERO))


@dataclass(frozen=True)
class RuleContext:
    """The policy version and mode rule governing a loan."""

    policies: PolicySet
    policy: PoolPolicy
    rule: ModeRule

    @property
    def citation(self) -> str:
        return self.policy.cite()


def rule_context(filing: Filing, policies: PolicySet | None = None) -> RuleContext | None:
    """The policy in force on the loan's disbursement date and its mode rule; None if there is none."""
    policies = policies or current_policy_set()
    try:
        policy = policies.book.in_force(filing.disbursed_on)
    except NoRuleSetInForce:
        return None
    rule = policy.mode_rule(filing.compensation_mode)
    if rule is None:
        return None
    return RuleContext(policies, policy, rule)


def city_paid_before(filing: Filing, exclude_claim: int | None = None) -> Decimal:
    """City compensation already paid on the loan (for the cumulative cap of 穗科规字〔2021〕2号)."""
    from techfin.compensation.models import ClaimShare, ClaimStatus

    amounts = ClaimShare.objects.filter(claim__filing=filing, claim__status=ClaimStatus.PAID,
                                        payer_kind=ClaimShare.PayerKind.CITY)
    if exclude_claim is not None:
        amounts = amounts.exclude(claim_id=exclude_claim)
    return sum((Decimal(a).quantize(ZERO) for a in amounts.values_list("amount", flat=True)), ZERO)


def loan_facts(filing: Filing, default: LoanDefault, exclude_claim: int | None = None) -> sharing.LoanFacts:
    """The loan as ``share_loss`` reads it (raises ``InvalidInput`` with every problem)."""
    mode = CompensationMode(filing.compensation_mode)
    third = filing.third_party.code if filing.third_party_id else None
    return sharing.LoanFacts(
        loan_amount=Decimal(filing.loan_amount).quantize(ZERO),
        balance_at_default=min(default.balance_at_default, Decimal(filing.loan_amount).quantize(ZERO)),
        disbursed_on=filing.disbursed_on,
        district_code=filing.enterprise.district.code,
        guarantee_type=GuaranteeType(filing.guarantee_type),
        mode=mode,
        key_support=enterprise_qualified_on(filing.enterprise, filing.disbursed_on, ["key_support"]),
        policy_tool=filing.policy_tool,
        third_party=third,
        third_party_share=(Decimal(filing.third_party_share) if filing.third_party_share is not None
                           and mode is CompensationMode.BANK else None),
        city_paid_before=city_paid_before(filing, exclude_claim),
    )


@dataclass(frozen=True)
class Assessment:
    """A claim's conditions checked and its loss split (None when the split cannot be made)."""

    check: ClaimCheck
    split: sharing.LossSplit | None
    default: LoanDefault
    context: RuleContext | None


def _problem(code: str, zh: str, en: str) -> ClaimProblem:
    return ClaimProblem(code, ClaimSeverity.ERROR, None, zh, en)


def assess(*, filing: Filing, principal_loss: Decimal, claimed_on: dt.date, documents: frozenset[str],
           claim_id: int | None = None, check_documents: bool = True) -> Assessment:
    """Check every claim condition and split the loss, all problems at once."""
    from techfin.compensation.models import OPEN_STATUSES, Claim

    default = loan_default(filing)
    context = rule_context(filing)
    if context is None:
        problem = _problem("claim.no_policy", f"放款日{filing.disbursed_on.isoformat()}无适用的资金池管理办法或补偿模式",
                           f"no pool policy with the {filing.compensation_mode} mode was in force on the "
                           f"disbursement date {filing.disbursed_on.isoformat()}")
        return Assessment(ClaimCheck((problem,)), None, default, None)
    others = Claim.objects.filter(filing=filing, status__in=OPEN_STATUSES)
    if claim_id is not None:
        others = others.exclude(pk=claim_id)
    facts = ClaimFacts(
        loan_accepted=filing.status == FilingStatus.ACCEPTED, loan_status=filing.loan_status,
        overdue_days=filing.overdue_days, default_on=default.default_on,
        balance_at_default=default.balance_at_default, principal_loss=principal_loss, claimed_on=claimed_on,
        documents=documents,
        anomaly_before=Anomaly.objects.filter(filing=filing, occurred_on__lte=claimed_on).exists(),
        other_open_claim=others.exists(),
    )
    check = check_claim(facts, context.rule.claim, context.citation, check_documents=check_documents)
    split: sharing.LossSplit | None = None
    extra: list[ClaimProblem] = []
    if not any(p.field == "principal_loss" for p in check.errors):
        try:
            split = sharing.share_loss(principal_loss, loan_facts(filing, default, claim_id), context.policy,
                                       context.policies.overlays)
        except InvalidInput as exc:
            extra += [_problem(r.code, r.message_zh, r.message_en) for r in exc.reasons]
        if split is not None and split.public_amount <= 0:
            extra.append(_problem("claim.nothing_to_compensate",
                                  f"按{context.citation}本笔损失无可补偿金额（累计补偿已达上限）",
                                  f"under {context.policy.name} nothing of this loss is compensable "
                                  "(the cumulative cap is reached)"))
    if extra:
        check = ClaimCheck(check.problems + tuple(extra))
    return Assessment(check, split, default, context)
