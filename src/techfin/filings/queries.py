"""Scoped reads of filings and batches."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from techfin.accounts.scoping import restrict
from techfin.filings.models import Anomaly, Filing, FilingBatch, FilingStatus


def filings_for_user(user: Any) -> QuerySet[Filing]:
    return restrict(Filing.objects.select_related("bank", "enterprise", "enterprise__district", "branch"), user)


def review_queue(user: Any) -> QuerySet[Filing]:
    """Filings with warnings waiting for the fund manager (待审核)."""
    return filings_for_user(user).filter(status=FilingStatus.SUBMITTED).order_by("created_at")


def batches_for_user(user: Any) -> QuerySet[FilingBatch]:
    return restrict(FilingBatch.objects.select_related("bank", "uploaded_by", "job"), user)


def anomalies_for_user(user: Any) -> QuerySet[Anomaly]:
    return restrict(Anomaly.objects.select_related("filing", "filing__bank", "filing__enterprise"), user)
