"""Bank and guarantor risk controls (风险控制): figures per bank and year over the pool's loans, the
2025 stop lines, and the hold they put on claims.

穗金管规字〔2025〕1号 (``techfin.domain.risk_controls``) suspends compensation (暂缓补偿):

* 政银: for a bank whose yearly principal loss exceeds 3% of the principal it filed that year;
* 政担: for a guarantor whose yearly payout rate exceeds 3%.

The threshold and the consequence come from the policy data (``ModeRule.stop_line``) of the rule
set the claim falls under; the tech-pool measures have none [U]. Definitions used here:

* **yearly principal loss** of a bank: the principal loss of its bank-mode claims under a rule set
  with a stop line whose loan became non-performing that year (``Claim.default_on``), counting
  every claim that is under way or paid (not drafts, rejected, withdrawn or cancelled ones);
* **principal filed that year** (当年入库贷款本金总额): the loan amount of all its loans accepted into
  the pool with a filing date in that year, whatever their rule set [U: the text does not say];
* **payout rate** of a guarantor (本年累计代偿额 ÷ 本年累计解除的担保额 [U]): the principal of its
  政担 claims whose payout fell in the year ÷ the loan amount of its 政担 loans that matured in the
  year (a guarantee is released at maturity [U]).

The consequence the data names, ``claims_suspended``, is applied at approval: a claim of a bank
or guarantor above its line is **held** (it stays recommended with the reason, ``Claim.hold_reason``)
and a risk alert is raised for the fund manager and the supervisor, who are told in the platform
(``techfin.notifications.notify``), as is the bank; approving it again later
approves it once the figures are back within the line. No policy in the data holds new filings,
so that consequence is not implemented.

Non-performing ratio (不良率) per bank: the principal outstanding of its loans now reported
non-performing ÷ the principal of all its accepted loans (cumulative), as the published 0.32%.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear

from techfin.audit.services import record_event, snapshot
from techfin.compensation.models import (
    Claim,
    ClaimantKind,
    ClaimStatus,
    RecoveryShare,
    RecoveryStatus,
    RiskAlert,
    RiskAlertStatus,
)
from techfin.domain.money import FEN
from techfin.domain.policy import CompensationMode, PoolPolicy, StopLine, StopMetric
from techfin.domain.risk_controls import StopLineVerdict, check_stop_line, npl_ratio
from techfin.filings.models import Filing, FilingStatus, LoanStatus
from techfin.filings.policies import current_policy_set

ZERO = Decimal("0.00")
COUNTED = (ClaimStatus.SUBMITTED, ClaimStatus.RETURNED, ClaimStatus.RECOMMENDED, ClaimStatus.APPROVED,
           ClaimStatus.QUEUED, ClaimStatus.PAID)
"""Claims whose loss counts toward the yearly stop line: under way or paid."""


def _policies() -> list[PoolPolicy]:
    return list(current_policy_set().policies)


def stop_line_of(rule_set: str, mode: str) -> StopLine | None:
    policy = next((p for p in _policies() if p.name == rule_set), None)
    rule = policy.mode_rule(mode) if policy else None
    return rule.stop_line if rule else None


def _rule_sets_with(metric: StopMetric, mode: str) -> list[str]:
    return [p.name for p in _policies() if (r := p.mode_rule(mode)) and r.stop_line and r.stop_line.metric is metric]


def _quantize(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(FEN)


def bank_principal_filed(bank_id: int, year: int) -> Decimal:
    return _quantize(Filing.objects.filter(bank_id=bank_id, status=FilingStatus.ACCEPTED, filed_on__year=year)
                     .aggregate(t=Sum("loan_amount"))["t"])


def bank_principal_loss(bank_id: int, year: int) -> Decimal:
    rule_sets = _rule_sets_with(StopMetric.BANK_PRINCIPAL_LOSS_RATIO, CompensationMode.BANK)
    return _quantize(Claim.objects.filter(bank_id=bank_id, mode=CompensationMode.BANK, rule_set__in=rule_sets,
                                          status__in=COUNTED, default_on__year=year)
                     .aggregate(t=Sum("principal_loss"))["t"])


def guarantor_payouts(third_party_id: int, year: int) -> Decimal:
    rule_sets = _rule_sets_with(StopMetric.GUARANTOR_PAYOUT_RATE, CompensationMode.GUARANTOR)
    return _quantize(Claim.objects.filter(third_party_id=third_party_id, claimant_kind=ClaimantKind.GUARANTOR,
                                          rule_set__in=rule_sets, status__in=COUNTED, default_on__year=year)
                     .aggregate(t=Sum("principal_loss"))["t"])


def guarantees_released(third_party_id: int, year: int) -> Decimal:
    return _quantize(Filing.objects.filter(third_party_id=third_party_id, status=FilingStatus.ACCEPTED,
                                           compensation_mode=CompensationMode.GUARANTOR, maturity_on__year=year)
                     .aggregate(t=Sum("loan_amount"))["t"])


def claim_stop_line(claim: Claim) -> StopLineVerdict | None:
    """The stop-line verdict for a claim's bank (or guarantor) in the year its loan defaulted, or
    None when the claim's rule set has no stop line."""
    line = stop_line_of(claim.rule_set, claim.mode)
    if line is None or claim.default_on is None:
        return None
    year = claim.default_on.year
    if line.metric is StopMetric.GUARANTOR_PAYOUT_RATE:
        if not claim.third_party_id:
            return None
        return check_stop_line(line, guarantor_payouts(claim.third_party_id, year),
                               guarantees_released(claim.third_party_id, year), rule_set=claim.rule_set)
    return check_stop_line(line, bank_principal_loss(claim.bank_id, year), bank_principal_filed(claim.bank_id, year),
                           rule_set=claim.rule_set)


def alert_raise(*, actor: Any, claim: Claim, verdict: StopLineVerdict, on: dt.date) -> RiskAlert:
    """Tell the fund manager and the supervisor (风险预警) that a bank or guarantor crossed its stop
    line: one open alert per subject, year and metric, raised once and listing the claims held."""
    reason = verdict.reasons[0]
    guarantor = stop_line_of(claim.rule_set, claim.mode).metric is StopMetric.GUARANTOR_PAYOUT_RATE  # type: ignore[union-attr]
    year = claim.default_on.year if claim.default_on else on.year
    lookup: dict[str, Any] = {"year": year, "status": RiskAlertStatus.OPEN,
                              "metric": StopMetric.GUARANTOR_PAYOUT_RATE.value if guarantor
                              else StopMetric.BANK_PRINCIPAL_LOSS_RATIO.value}
    lookup.update({"third_party_id": claim.third_party_id, "bank": None} if guarantor
                  else {"bank_id": claim.bank_id, "third_party": None})
    with transaction.atomic():
        alert = RiskAlert.objects.select_for_update().filter(**lookup).first()
        values = {"numerator": reason.detail["numerator"], "denominator": reason.detail["denominator"],
                  "ratio_percent": verdict.ratio_percent, "threshold_percent": verdict.threshold_percent,
                  "message_zh": reason.message_zh, "message_en": reason.message_en}
        if alert is None:
            alert = RiskAlert.objects.create(raised_on=on, rule_set=claim.rule_set, **lookup, **values)
            alert.claims.add(claim)
            record_event(actor=actor, action="create", obj=alert, parent=claim,
                         changes={k: [None, v] for k, v in snapshot(alert).items()})
            _tell_overseers(alert)
        elif not alert.claims.filter(pk=claim.pk).exists():
            for name, value in values.items():
                setattr(alert, name, value)
            alert.save()
            alert.claims.add(claim)
            record_event(actor=actor, action="hold", obj=alert, parent=claim,
                         changes={"claims": [None, claim.number]})
    return alert


def _tell_overseers(alert: RiskAlert) -> None:
    """The fund manager and the supervisor are told in the platform (站内消息), once per alert."""
    from django.utils.translation import gettext as _

    from techfin.accounts.models import Role
    from techfin.notifications.models import Level
    from techfin.notifications.services import notify

    subject = alert.subject
    for role in (Role.MANAGER, Role.SUPERVISOR):
        notify(role=role, kind="risk.stop_line", level=Level.URGENT, link="/claims/risk/",
               key=f"risk-alert:{alert.pk}",
               title=lambda: _("%(subject)s crossed its stop line for %(year)s: claims are held")
               % {"subject": subject, "year": alert.year},
               body=lambda: alert.message)


def claim_held_notice(claim: Claim, actor: Any) -> None:
    """The claimant bank's officers learn that its claim is held, and why."""
    from django.utils.translation import gettext as _

    from techfin.accounts.models import Role
    from techfin.notifications.models import Level
    from techfin.notifications.services import notify

    english_reason, chinese_reason = claim.hold_reason.get("message_en", ""), claim.hold_reason.get("message_zh", "")

    def reason() -> str:
        from django.utils.translation import get_language

        return english_reason if (get_language() or "zh").startswith("en") else chinese_reason

    notify(role=Role.BANK, bank=claim.bank_id, kind="claim.held", level=Level.WARNING, exclude=actor,
           link=f"/claims/{claim.pk}/", key=f"claim:{claim.pk}:held",
           title=lambda: _("Claim %(number)s is held: compensation is suspended") % {"number": claim.number},
           body=reason)


def alert_acknowledge(*, actor: Any, alert: RiskAlert, note: str = "", on: dt.date) -> RiskAlert:
    """The fund manager or the supervisor marks an alert as seen and dealt with (已处理)."""
    from techfin.accounts.models import Role
    from techfin.compensation.services import _require, _user

    _require(actor, Role.MANAGER, Role.SUPERVISOR)
    with transaction.atomic():
        alert = RiskAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == RiskAlertStatus.ACKNOWLEDGED:
            return alert
        alert.status = RiskAlertStatus.ACKNOWLEDGED
        alert.acknowledged_on = on
        alert.acknowledged_by = _user(actor)
        alert.note = note[:300]
        alert.save()
        record_event(actor=actor, action="confirm", obj=alert, note=note,
                     changes={"status": [RiskAlertStatus.OPEN.value, RiskAlertStatus.ACKNOWLEDGED.value]})
    return alert


# --- figures for the risk-control page --------------------------------------------------------


@dataclass
class BankRisk:
    """A bank's figures over the pool's loans (all years): loans, principal, non-performing
    principal and ratio, claims, compensation paid, returned by recoveries and transfers."""

    bank_id: int
    name: str
    loans: int = 0
    principal: Decimal = ZERO
    npl_principal: Decimal = ZERO
    claims: int = 0
    paid: Decimal = ZERO
    returned: Decimal = ZERO

    @property
    def npl_ratio(self) -> Decimal:
        return npl_ratio(min(self.npl_principal, self.principal), self.principal)

    @property
    def net(self) -> Decimal:
        return self.paid - self.returned


@dataclass
class YearRisk:
    """One bank (or guarantor) in one year against its stop line, if a rule in force has one."""

    subject: str
    subject_id: int
    guarantor: bool
    year: int
    base: Decimal  # principal filed in the year (bank) or guarantees released (guarantor)
    loss: Decimal  # yearly principal loss (bank) or payouts (guarantor)
    claims: int
    verdict: StopLineVerdict | None


def bank_figures(banks: Any) -> list[BankRisk]:
    """Per bank in ``banks`` (a queryset), over every accepted loan and every claim."""
    rows = {b.pk: BankRisk(b.pk, b.short_name or b.name) for b in banks}
    filings = Filing.objects.filter(bank__in=list(rows), status=FilingStatus.ACCEPTED)
    for r in filings.values("bank").annotate(n=Count("id"), total=Sum("loan_amount"),
                                             npl=Sum("outstanding_principal",
                                                     filter=Q(loan_status=LoanStatus.NON_PERFORMING))):
        row = rows[r["bank"]]
        row.loans, row.principal, row.npl_principal = r["n"], _quantize(r["total"]), _quantize(r["npl"])
    for r in Claim.objects.filter(bank__in=list(rows), status=ClaimStatus.PAID).values("bank").annotate(
            n=Count("id"), total=Sum("public_amount")):
        rows[r["bank"]].claims, rows[r["bank"]].paid = r["n"], _quantize(r["total"])
    for r in RecoveryShare.objects.filter(recovery__claim__bank__in=list(rows), recovery__status=RecoveryStatus.CONFIRMED,
                                          account__kind__in=["city_pool", "district_pool"]).values(
            "recovery__claim__bank").annotate(total=Sum("amount")):
        rows[r["recovery__claim__bank"]].returned = _quantize(r["total"])
    return sorted(rows.values(), key=lambda r: (-r.principal, r.name))


def year_figures(banks: Any, third_parties: Any, years: list[int]) -> list[YearRisk]:
    """Per bank and year (and per guarantor and year): the stop-line figures and verdict."""
    result: list[YearRisk] = []
    book = current_policy_set().book
    bank_ids = {b.pk: b.short_name or b.name for b in banks}
    filed: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for r in Filing.objects.filter(bank__in=list(bank_ids), status=FilingStatus.ACCEPTED, filed_on__year__in=years) \
            .annotate(y=ExtractYear("filed_on")).values("bank", "y").annotate(t=Sum("loan_amount")):
        filed[(r["bank"], r["y"])] = _quantize(r["t"])
    # Where a stop line is in force, only the claims under a rule set that has it count (as at
    # approval); in other years every claim is shown, for information.
    lined = _rule_sets_with(StopMetric.BANK_PRINCIPAL_LOSS_RATIO, CompensationMode.BANK)
    lost: dict[tuple[bool, int, int], tuple[int, Decimal]] = {}
    for r in Claim.objects.filter(bank__in=list(bank_ids), mode=CompensationMode.BANK, status__in=COUNTED,
                                  default_on__year__in=years).annotate(y=ExtractYear("default_on")) \
            .values("bank", "y", "rule_set").annotate(n=Count("id"), t=Sum("principal_loss")):
        for only_lined in (False, True):
            if only_lined and r["rule_set"] not in lined:
                continue
            n, t = lost.get((only_lined, r["bank"], r["y"]), (0, ZERO))
            lost[(only_lined, r["bank"], r["y"])] = (n + r["n"], t + _quantize(r["t"]))
    for year in years:
        policy = book.find(dt.date(year, 12, 31))
        bank_rule = policy.mode_rule(CompensationMode.BANK) if policy else None
        line = bank_rule.stop_line if bank_rule else None
        for bank_id, name in bank_ids.items():
            base, (n, loss) = filed[(bank_id, year)], lost.get((line is not None, bank_id, year), (0, ZERO))
            if not base and not n:
                continue
            verdict = check_stop_line(line, loss, base, rule_set=policy.name) if line and policy else None
            result.append(YearRisk(name, bank_id, False, year, base, loss, n, verdict))
        guarantor_rule = policy.mode_rule(CompensationMode.GUARANTOR) if policy else None
        g_line = guarantor_rule.stop_line if guarantor_rule else None
        for party in third_parties:
            released, payouts = guarantees_released(party.pk, year), guarantor_payouts(party.pk, year)
            n = Claim.objects.filter(third_party=party, claimant_kind=ClaimantKind.GUARANTOR, status__in=COUNTED,
                                     default_on__year=year).count()
            if not released and not n:
                continue
            verdict = check_stop_line(g_line, payouts, released, rule_set=policy.name) if g_line and policy else None
            result.append(YearRisk(party.name, party.pk, True, year, released, payouts, n, verdict))
    return result
