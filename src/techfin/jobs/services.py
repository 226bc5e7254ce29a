"""Starting jobs, reporting their progress, and running them in the worker.

Progress goes to the cache as well as the row: an all-or-nothing import holds its transaction
open, and a poll must see progress the row will only show after commit.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from techfin.jobs.models import Job, JobStatus
from techfin.jobs.registry import handler_for

log = logging.getLogger(__name__)
PROGRESS_TTL = 24 * 3600


def _progress_key(job_id: int) -> str:
    return f"techfin:job:{job_id}:progress"


def job_enqueue(*, kind: str, actor: Any, title: str, params: dict[str, Any] | None = None,
                bank: Any = None, total: int | None = None) -> Job:
    """Create a job row and queue its task once the caller's transaction commits."""
    from techfin.jobs.tasks import run_job

    job = Job.objects.create(kind=kind, title=title, params=params or {}, bank=bank, total=total,
                             created_by=actor if getattr(actor, "pk", None) else None)
    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


def job_progress(job: Job, *, done: int, total: int | None = None, message: str = "") -> None:
    """Report progress; visible to pollers at once, whatever transaction the job is in."""
    job.done = done
    if total is not None:
        job.total = total
    if message:
        job.message = message
    cache.set(_progress_key(job.pk), {"done": job.done, "total": job.total, "message": job.message},
              PROGRESS_TTL)


def job_live_progress(job: Job) -> dict[str, Any]:
    """The freshest progress known for a job: the cache while it runs, else the row."""
    live = cache.get(_progress_key(job.pk)) if not job.finished else None
    if live:
        return live
    return {"done": job.done, "total": job.total, "message": job.message}


def job_run(job_id: int) -> None:
    """Run a queued job once. Safe to call twice: a job already claimed is left alone."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = Job.objects.get(pk=job_id)
    try:
        result = handler_for(job.kind)(job)
    except Exception as exc:  # the job row must say what went wrong, whatever it was
        log.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}",
            result={"traceback": traceback.format_exc()[-4000:]}, done=job.done, total=job.total,
            message=job.message,
        )
        return
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now(), result=result or {}, done=job.done,
        total=job.total, message=job.message,
    )
    cache.delete(_progress_key(job.pk))
