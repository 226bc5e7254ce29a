"""Yearly compensation rounds (年度补偿核定).

穗科规字〔2021〕2号: "对上一年符合办法的贷款项目按规定可给予的风险损失补偿核定后进行补偿" — compensation is
decided once a year for the previous year's eligible loans. The fund manager opens the round for a
year, attaches the claims it covers (recommended ones), the supervisor approves them together, and
the round's totals are what the budget of ``budget_year`` pays. Approval goes claim by claim in the
order attached (each its own transaction, so a crash halfway leaves every claim either approved
or untouched, and approving the round again finishes the rest).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfin.accounts.models import Role
from techfin.audit.services import record_event, snapshot
from techfin.compensation.models import Claim, ClaimRound, ClaimRoundStatus, ClaimShare, ClaimStatus
from techfin.compensation.services import _require, _step, claim_approve

ZERO = Decimal("0.00")
ATTACHABLE = (ClaimStatus.SUBMITTED, ClaimStatus.RECOMMENDED)


def round_open(*, actor: Any, year: int, budget_year: int | None = None, note: str = "",
               on: dt.date | None = None) -> ClaimRound:
    """The fund manager opens the round for loans that defaulted in ``year`` (paid from the budget of
    ``budget_year``, by default the year after)."""
    _require(actor, Role.MANAGER)
    on = on or timezone.localdate()
    budget_year = budget_year or year + 1
    if not 2000 <= year <= 2100 or budget_year < year or budget_year > 2100:
        raise ValidationError({"year": [_("Give a year between 2000 and 2100 and a budget year not before it.")]})
    round_ = ClaimRound(year=year, budget_year=budget_year, note=note, opened_on=on,
                        opened_by=actor if getattr(actor, "pk", None) else None)
    try:
        with transaction.atomic():
            round_.save()
            record_event(actor=actor, action="create", obj=round_,
                         changes={k: [None, v] for k, v in snapshot(round_).items()})
    except IntegrityError:
        raise ValidationError({"year": [_("A round for this year is already open.")]}) from None
    return round_


def round_attach(*, actor: Any, claim_round: ClaimRound, claims: Iterable[Claim]) -> list[Claim]:
    """Attach submitted or recommended claims to an open round (a claim is in one round at most)."""
    _require(actor, Role.MANAGER)
    if claim_round.status != ClaimRoundStatus.OPEN:
        raise ValidationError(_("The round is decided; open a new one."))
    attached = []
    for claim in sorted(claims, key=lambda c: c.pk):
        with transaction.atomic():
            locked = Claim.objects.select_for_update(of=("self",)).select_related("filing").get(pk=claim.pk)
            if locked.round_id == claim_round.pk:
                continue
            if locked.round_id is not None or locked.status not in ATTACHABLE:
                raise ValidationError(_("%(claim)s cannot join the round: it is %(status)s or already in a round.")
                                      % {"claim": locked.number, "status": locked.get_status_display()})
            attached.append(_step(locked, actor=actor, action="attach", round=claim_round))
    return attached


def round_detach(*, actor: Any, claim_round: ClaimRound, claim: Claim) -> Claim:
    _require(actor, Role.MANAGER)
    with transaction.atomic():
        locked = Claim.objects.select_for_update(of=("self",)).select_related("filing").get(pk=claim.pk)
        if locked.round_id != claim_round.pk:
            return locked
        if locked.status not in ATTACHABLE:
            raise ValidationError(_("An approved or decided claim stays in its round."))
        return _step(locked, actor=actor, action="detach", round=None)


def round_approve(*, actor: Any, claim_round: ClaimRound, on: dt.date | None = None) -> ClaimRound:
    """The supervisor approves the round's recommended claims together, in the order they were
    attached (claim number); each reserves on the round's budget year or, when the budget is short, queues.
    Claims of the round not yet recommended are left as they are. Approving again finishes a round
    a crash interrupted."""
    _require(actor, Role.SUPERVISOR)
    on = on or timezone.localdate()
    if not claim_round.claims.filter(status=ClaimStatus.RECOMMENDED).exists() and claim_round.status == "decided":
        return claim_round
    for claim in claim_round.claims.filter(status=ClaimStatus.RECOMMENDED).order_by("pk"):
        claim_approve(actor=actor, claim=claim, budget_year=claim_round.budget_year, on=on)
    with transaction.atomic():
        locked = ClaimRound.objects.select_for_update().get(pk=claim_round.pk)
        if locked.status != ClaimRoundStatus.DECIDED:
            before = snapshot(locked)
            locked.status = ClaimRoundStatus.DECIDED
            locked.decided_on = on
            locked.decided_by = actor if getattr(actor, "pk", None) else None
            locked.save()
            after = snapshot(locked)
            record_event(actor=actor, action="approve", obj=locked,
                         changes={k: [before[k], after[k]] for k in after if before[k] != after[k]})
        return locked


@dataclass
class RoundTotals:
    """A round's figures: claims and amounts by status, and the public money by payer (按出资方)."""

    claims: int = 0
    loss: Decimal = ZERO
    public: Decimal = ZERO
    by_status: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    by_payer: dict[str, Decimal] = field(default_factory=dict)
    payer_labels: dict[str, str] = field(default_factory=dict)


def round_totals(claim_round: ClaimRound) -> RoundTotals:
    totals = RoundTotals()
    counts: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO])
    for claim in claim_round.claims.all():
        totals.claims += 1
        totals.loss += claim.principal_loss
        totals.public += claim.public_amount
        counts[claim.status][0] += 1
        counts[claim.status][1] += claim.public_amount
    totals.by_status = {k: (v[0], v[1]) for k, v in counts.items()}
    payers: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for share in ClaimShare.objects.filter(claim__round=claim_round).select_related("district"):
        if share.is_public:
            payers[share.payer] += share.amount
            totals.payer_labels[share.payer] = share.district.name_zh if share.district else _("City pool")
    totals.by_payer = dict(payers)
    return totals
