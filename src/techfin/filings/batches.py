"""Batch filing (批量报送): a bank's xlsx or CSV file, checked and filed through `file_loans`.

The page and the API store the file and queue a job; `techfin import-loans` runs the very same
`batch_process` in the foreground. Either way the batch ends with a report: counts, every
rejected row with its row number, column and rule in Chinese and English, and the bank's own
file with an error column added.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from techfin.accounts.scoping import ensure_in_scope
from techfin.audit.services import record_event
from techfin.banks.models import Bank
from techfin.filings.models import BatchKind, BatchStatus, ErrorPolicyChoice, FilingBatch
from techfin.filings.services import FilingReport, FilingRow, file_loans
from techfin.filings.status import STATUS_TEMPLATE, report_statuses
from techfin.filings.template import LOAN_TEMPLATE
from techfin.jobs.models import Job
from techfin.jobs.registry import register_job
from techfin.jobs.services import job_enqueue, job_progress
from techfin.tabular.importer import RowError, parse_file
from techfin.tabular.report import annotated_copy, error_list_xlsx

JOB_KIND = "filing_batch"


@transaction.atomic
def batch_create(*, actor: Any, bank: Bank, content: bytes, filename: str,
                 error_policy: str = ErrorPolicyChoice.PER_ROW, kind: str = BatchKind.LOANS,
                 run_in_background: bool = True) -> FilingBatch:
    """Store an uploaded file as a batch of the bank's and queue its processing."""
    batch = FilingBatch(bank=bank, uploaded_by=actor if getattr(actor, "pk", None) else None,
                        original_name=filename[:200], error_policy=error_policy, kind=kind)
    batch.file.save(filename, ContentFile(content), save=False)
    batch.save()
    ensure_in_scope(batch, actor)
    record_event(actor=actor, action="submit", obj=batch, parent=bank,
                 changes={"file": [None, filename], "error_policy": [None, error_policy]})
    if run_in_background:
        title = "月度报送" if kind == BatchKind.STATUSES else "批量报送"
        batch.job = job_enqueue(kind=JOB_KIND, actor=actor, bank=bank, title=f"{title} {filename}",
                                params={"batch_id": batch.pk})
        batch.save(update_fields=["job"])
    return batch


@register_job(JOB_KIND)
def _run(job: Job) -> dict[str, Any]:
    batch = FilingBatch.objects.select_related("bank", "uploaded_by").get(pk=job.params["batch_id"])
    report = batch_process(batch, progress=lambda done, total, message="": job_progress(
        job, done=done, total=total, message=message))
    return {"summary": _summary_text(batch), "batch_id": batch.pk, **report.summary()}


def _summary_text(batch: FilingBatch) -> str:
    return (f"共 {batch.rows} 行：入池 {batch.accepted}，待审核 {batch.submitted}，退回 {batch.rejected}，"
            f"未变化 {batch.unchanged}（其中变更 {batch.amended}）")


def _row_errors(report: FilingReport, result: Any) -> tuple[list[RowError], list[RowError]]:
    """The filing problems as the tabular report's errors, placed on the user's own columns."""
    columns = result.layout.columns if result.layout is not None else {}
    spec = result.spec
    errors: list[RowError] = list(result.file_errors)
    warnings: list[RowError] = []
    for outcome in report.outcomes:
        for problem in outcome.problems:
            key = problem.get("column") or None
            matched = columns.get(key) if key else None
            spec_column = spec.column(key) if key and key in {c.key for c in spec.columns} else None
            item = RowError(
                outcome.row_number, key, matched.header if matched else (spec_column.header_zh if spec_column else ""),
                problem["code"], problem["message_zh"], problem["message_en"], None,
                matched.index if matched else None,
            )
            (warnings if problem.get("severity") == "warning" and outcome.action != "rejected" else errors).append(item)
    return errors, warnings


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the duration (back on afterwards, even on error).

    A batch of 100,000 rows builds and keeps a million objects (parsed rows, filings, outcomes)
    until it commits, and almost none of them is part of a cycle. With the collector on, each
    full collection walks all of them again, and the number of collections grows with the batch:
    the cost grows faster than the batch (bench/RESULTS.md, "Loan filing end to end"). Memory
    is not at risk: objects are still freed by reference counting as soon as they are unused;
    only cycles wait for the collector, which runs again when the batch is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def batch_process(batch: FilingBatch, *, today: Any = None,
                  progress: Callable[..., None] | None = None) -> FilingReport:
    """Parse, check and file a stored batch; save its counts and report on the batch."""
    with _gc_paused():
        return _process(batch, today=today, progress=progress)


def _process(batch: FilingBatch, *, today: Any, progress: Callable[..., None] | None) -> FilingReport:
    say = progress or (lambda *_a, **_k: None)
    FilingBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    with batch.file.open("rb") as handle:
        content = handle.read()
    statuses = batch.kind == BatchKind.STATUSES
    result = parse_file(content, STATUS_TEMPLATE if statuses else LOAN_TEMPLATE, filename=batch.original_name)
    rows: list[FilingRow] = []
    for parsed in result:
        rows.append(FilingRow(parsed.row_number, parsed.values, [
            {"code": e.code, "column": e.column_key or "", "severity": "error", "message_zh": e.message_zh,
             "message_en": e.message_en} for e in parsed.errors
        ]))
        if len(rows) % 5000 == 0:
            say(len(rows), 0, "读取文件 reading")
    all_or_nothing = batch.error_policy == ErrorPolicyChoice.ALL_OR_NOTHING
    report = FilingReport()
    if result.file_errors:
        report.aborted = True
    elif statuses:
        report = report_statuses(actor=batch.uploaded_by, bank=batch.bank, rows=rows, today=today,
                                 all_or_nothing=all_or_nothing)
    else:
        say(0, len(rows), "校验与入池 checking and filing")
        report = file_loans(
            actor=batch.uploaded_by, bank=batch.bank, rows=rows, batch=batch, today=today,
            all_or_nothing=all_or_nothing,
            progress=lambda done, total: say(done, total, "校验与入池 checking and filing"),
        )
    errors, warnings = _row_errors(report, result)
    _save_outcome(batch, report, result, errors, warnings)
    return report


def _save_outcome(batch: FilingBatch, report: FilingReport, result: Any, errors: list[RowError],
                  warnings: list[RowError]) -> None:
    summary = report.summary()
    batch.rows = summary["rows"]
    batch.accepted, batch.submitted = (0, 0) if report.aborted else (summary["accepted"], summary["submitted"])
    if batch.kind == BatchKind.STATUSES and not report.aborted:
        # A status report is recorded as it comes (no review): "accepted" counts those recorded.
        batch.accepted = sum(1 for o in report.outcomes if o.action in ("created", "amended"))
    batch.rejected, batch.unchanged = summary["rejected"], summary["unchanged"]
    batch.amended, batch.warnings = summary["amended"], summary["warnings"]
    batch.errors = [e.as_dict() for e in errors[:5000]]
    batch.status = BatchStatus.FAILED if result.file_errors else BatchStatus.DONE
    batch.finished_at = timezone.now()
    if errors or warnings:
        try:
            report_file = annotated_copy(result, errors, warnings)
        except ValueError:  # no header row to anchor an error column to
            report_file = error_list_xlsx(errors, warnings)
        batch.report.save(report_file.filename, ContentFile(report_file.data), save=False)
    batch.save()
    record_event(actor=batch.uploaded_by, action="process", obj=batch, parent=batch.bank,
                 changes={k: [None, v] for k, v in summary.items()},
                 note="all-or-nothing: nothing filed" if report.aborted and not result.file_errors else "")
