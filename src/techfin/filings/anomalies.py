"""Project anomalies (项目异常, T/IPIF 0028-2024 科技信贷风险补偿金规范): a bank reports trouble on
a filed loan; the fund manager follows it up. An anomaly precedes any claim on the loan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfin.accounts.models import Role
from techfin.accounts.scoping import ensure_in_scope
from techfin.audit.services import create_audited, update_audited
from techfin.filings.models import Anomaly, AnomalyStatus, Filing, FilingStatus


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
    return anomaly


@transaction.atomic
def anomaly_follow_up(*, actor: Any, anomaly: Anomaly, status: str, follow_up: str) -> Anomaly:
    """The fund manager records the follow-up (跟进) and moves the anomaly on or closes it."""
    if actor is not None and not actor.is_superuser and actor.role != Role.MANAGER:
        raise PermissionDenied
    if status not in AnomalyStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    updated, _changes = update_audited(anomaly, actor=actor, parent=anomaly.filing, action="follow_up",
                                       status=status, follow_up=follow_up)
    return updated
