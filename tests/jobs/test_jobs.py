"""Background jobs: queued after commit, run once, progress visible, failures recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from techfin.jobs.models import Job, JobStatus
from techfin.jobs.registry import register_job
from techfin.jobs.services import job_enqueue, job_live_progress, job_progress, job_run

pytestmark = pytest.mark.django_db


@register_job("test_count")
def _count(job: Job) -> dict[str, Any]:
    for i in range(1, 4):
        job_progress(job, done=i, total=3, message=f"row {i}")
    return {"summary": "3 rows"}


@register_job("test_fail")
def _fail(job: Job) -> dict[str, Any]:
    job_progress(job, done=1, total=2)
    raise ValueError("bad row 2")


def test_job_runs_after_commit_and_records_result(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="test_count", actor=world.users["bank"], bank=world.bank_a, title="t")
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.result["summary"]) == (3, 3, "3 rows")
    assert job.started_at and job.finished_at


def test_failure_is_recorded_with_progress(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="test_fail", actor=None, title="t")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "bad row 2" in job.error and job.done == 1


def test_running_twice_is_harmless(world: Any) -> None:
    job = Job.objects.create(kind="test_count", title="t")
    job_run(job.pk)
    finished = Job.objects.get(pk=job.pk).finished_at
    job_run(job.pk)
    assert Job.objects.get(pk=job.pk).finished_at == finished


def test_live_progress_comes_from_the_cache_while_running(world: Any) -> None:
    job = Job.objects.create(kind="test_count", title="t", status=JobStatus.RUNNING)
    job_progress(job, done=40, total=100, message="validating")
    fresh = Job.objects.get(pk=job.pk)  # the row has not been written yet
    assert fresh.done == 0
    assert job_live_progress(fresh) == {"done": 40, "total": 100, "message": "validating"}


def test_page_says_when_no_worker_picks_the_job_up(world: Any, client: Any) -> None:
    job = Job.objects.create(kind="test_count", title="批量报送", bank=world.bank_a,
                             created_by=world.users["bank"])
    client.force_login(world.users["bank"])
    assert "db_worker" not in client.get(f"/jobs/{job.pk}/").content.decode()
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=1))
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "db_worker" in page
    partial = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'hx-trigger="every 1s"' in partial


def test_other_banks_job_is_not_found(world: Any, client: Any) -> None:
    job = Job.objects.create(kind="test_count", title="t", bank=world.bank_b)
    client.force_login(world.users["bank"])
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    client.force_login(world.users["manager"])
    assert client.get(f"/jobs/{job.pk}/").status_code == 200
