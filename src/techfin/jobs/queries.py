from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from techfin.accounts.scoping import restrict
from techfin.jobs.models import Job


def jobs_for_user(user: Any) -> QuerySet[Job]:
    return restrict(Job.objects.select_related("created_by", "bank"), user)
