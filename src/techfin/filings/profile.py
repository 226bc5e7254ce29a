"""The enterprise profile's section on its pool loans (入池贷款), scoped to the viewer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from techfin.enterprises.models import Enterprise
from techfin.filings.models import FilingStatus
from techfin.filings.queries import filings_for_user, with_continued_maturity


def loans_panel_context(user: Any, enterprise: Enterprise) -> dict[str, Any]:
    filings = filings_for_user(user).filter(enterprise=enterprise)
    counted = filings.filter(status__in=(FilingStatus.SUBMITTED, FilingStatus.ACCEPTED)).aggregate(
        count=Count("pk"), total=Sum("loan_amount"), outstanding=Sum("outstanding_principal"))
    return {
        "filings": list(with_continued_maturity(filings).order_by("-disbursed_on")[:50]),
        "count": counted["count"], "total": counted["total"] or Decimal("0"),
        "outstanding": counted["outstanding"] or Decimal("0"),
    }
