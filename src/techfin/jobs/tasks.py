"""The one task the worker runs: a job by id (arguments stay JSON, the handler finds the rest)."""

from __future__ import annotations

from django_tasks import task

from techfin.jobs.services import job_run


@task()
def run_job(job_id: int) -> None:
    job_run(job_id)
