"""Project anomalies (项目异常, T/IPIF 0028-2024 科技信贷风险补偿金规范): a bank reports trouble on
a filed loan; the fund manager follows it up. An anomaly precedes any claim on the loan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from techfin.accounts.models import Role
from techfin.accounts.scoping import ensure_in_scope
from techfin.audit.services import create_audited, update_audited
from techfin.filings.models import Anomaly, AnomalyStatus, Filing, FilingStatus
from techfin.notifications.models import Level
from techfin.notifications.services import notify


@transaction.atomic
def anomaly_report(*, actor: Any, filing: Filing, kind: str, occurred_on: dt.date, description: str) -> Anomaly:
    """A bank (or the fund manager) reports an anomaly on an accepted loan."""
    ensure_in_scope(filing, actor, "change")
    if filing.status != FilingStatus.ACCEPTED:
        raise ValidationError(_("Anomalies are reported on accepted loans only."))
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": [_("The date cannot be in the future.")]})
    anomaly = create_audited(Anomaly, actor=actor, parent=filing, filing=filing, kind=kind, occurred_on=occurred_on,
                             description=description, reported_by=actor if getattr(actor, "pk", None) else None)
    notify(role=Role.MANAGER, kind="anomaly.reported", level=Level.WARNING, exclude=actor,
           link=reverse("anomaly-detail", args=[anomaly.pk]), key=f"anomaly:{anomaly.pk}:reported",
           title=lambda: _("Project anomaly on loan %(contract)s: %(kind)s")
           % {"contract": filing.contract_no, "kind": anomaly.get_kind_display()},
           body=lambda: f"{filing.bank} · {filing.enterprise.name} · {occurred_on:%Y-%m-%d}\n{description}")
    return anomaly


@transaction.atomic
def anomaly_follow_up(*, actor: Any, anomaly: Anomaly, status: str, follow_up: str) -> Anomaly:
    """The fund manager records the follow-up (跟进) and moves the anomaly on or closes it."""
    if actor is not None and not actor.is_superuser and actor.role != Role.MANAGER:
        raise PermissionDenied
    if status not in AnomalyStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    updated, changes = update_audited(anomaly, actor=actor, parent=anomaly.filing, action="follow_up",
                                      status=status, follow_up=follow_up)
    if changes:
        filing = updated.filing
        notify(role=Role.BANK, bank=filing.bank_id, kind="anomaly.followed_up", exclude=actor,
               link=reverse("anomaly-detail", args=[updated.pk]),
               title=lambda: _("Anomaly on loan %(contract)s: %(status)s")
               % {"contract": filing.contract_no, "status": updated.get_status_display()},
               body=follow_up)
    return updated
