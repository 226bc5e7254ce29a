"""A job's page and the fragment it polls until the job ends."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from techfin.accounts.scoping import get_or_404
from techfin.jobs.models import Job, JobStatus
from techfin.jobs.queries import jobs_for_user
from techfin.jobs.services import job_live_progress

# A queued job nobody picked up within this time most likely has no worker to run it.
NO_WORKER_AFTER = dt.timedelta(seconds=10)


def job_status_context(job: Job) -> dict[str, Any]:
    """What a page polling a job shows: its progress, a percentage, and whether it seems to
    wait for a worker that is not running (used by every page that starts a job)."""
    progress = job_live_progress(job)
    total = progress.get("total") or 0
    return {
        "job": job,
        "progress": progress,
        "percent": int(100 * progress["done"] / total) if total else (100 if job.finished else 0),
        "waiting_for_worker": job.status == JobStatus.QUEUED and timezone.now() - job.created_at > NO_WORKER_AFTER,
    }


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_or_404(jobs_for_user(request.user), request.user, pk=pk)
    context = job_status_context(job)
    template = "jobs/_job_status.html" if getattr(request, "htmx", False) else "jobs/job_detail.html"
    return render(request, template, context)
