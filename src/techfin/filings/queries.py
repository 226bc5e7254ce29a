"""Scoped reads of filings and batches."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from techfin.accounts.scoping import restrict
from techfin.filings.models import Anomaly, Continuation, Filing, FilingBatch, FilingStatus, StatusReport


def filings_for_user(user: Any) -> QuerySet[Filing]:
    return restrict(Filing.objects.select_related("bank", "enterprise", "enterprise__district", "branch"), user)


def review_queue(user: Any) -> QuerySet[Filing]:
    """Filings with warnings waiting for the fund manager (待审核)."""
    return filings_for_user(user).filter(status=FilingStatus.SUBMITTED).order_by("created_at")


def batches_for_user(user: Any) -> QuerySet[FilingBatch]:
    return restrict(FilingBatch.objects.select_related("bank", "uploaded_by", "job"), user)


def status_reports_for_user(user: Any) -> QuerySet[StatusReport]:
    return restrict(StatusReport.objects.select_related("filing"), user)


def anomalies_for_user(user: Any) -> QuerySet[Anomaly]:
    return restrict(Anomaly.objects.select_related("filing", "filing__bank", "filing__enterprise"), user)


def continuations_for_user(user: Any) -> QuerySet[Continuation]:
    return restrict(Continuation.objects.select_related("filing", "filing__bank", "filing__enterprise"), user)


def with_continued_maturity(filings: QuerySet[Filing]) -> QuerySet[Filing]:
    """Annotate ``continued_to``: the new maturity of the loan's last accepted continuation (项目延续),
    None when it was never continued."""
    latest = (Continuation.objects.filter(filing=OuterRef("pk"), status=FilingStatus.ACCEPTED)
              .order_by("-sequence").values("new_maturity_on")[:1])
    return filings.annotate(continued_to=Subquery(latest))
