"""The enterprise profile's section on compensation claims (补偿申请) on its loans, scoped to the viewer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from techfin.compensation.models import ClaimStatus
from techfin.compensation.queries import claims_for_user
from techfin.enterprises.models import Enterprise


def claims_panel_context(user: Any, enterprise: Enterprise) -> dict[str, Any]:
    claims = claims_for_user(user).filter(filing__enterprise=enterprise).select_related("filing", "bank")
    paid = claims.filter(status=ClaimStatus.PAID).aggregate(count=Count("pk"), public=Sum("public_amount"))
    return {
        "claims": list(claims.order_by("-created_at")[:50]),
        "paid_count": paid["count"], "paid_public": paid["public"] or Decimal("0"),
        "sees_everything": getattr(user, "sees_everything", False),
    }
