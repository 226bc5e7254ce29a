"""Batch filing from a bank's own file: messy input, the report with an error column, the
command, the page and the API share one path."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from techfin.filings.batches import batch_create, batch_process
from techfin.filings.models import BatchStatus, Filing, FilingBatch
from tests.filings.conftest import TODAY

pytestmark = pytest.mark.django_db


def bank_file(rows: list[list[Any]], headers: list[str] | None = None, title: str | None = "2025年6月入池报送") -> bytes:
    """An xlsx as a bank would write it: a title row, misspelt headers, an extra 序号 column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers or ["序号", "借款合同编码", "统一社会信用代码", "企业名称", "授信金额（元）", "放款金额", "放款日期",
                          "到期日", "年利率", "担保方式", "是否首贷"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_messy_bank_file_is_read_checked_and_reported(eligible: Any, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    w = eligible
    hp, ns = w.ent_huangpu, w.ent_nansha
    content = bank_file([
        [1, "HT-001", hp.uscc, hp.name, "3,000,000.00", "３００００００", "2025/6/1", "2026年5月31日", "3.45", "信用", "否"],
        [],  # a blank row in the middle
        [2, "HT-002", ns.uscc.lower(), ns.name, 2000000, 2000000, "2025-06-02", "2026-06-01", "3.5%", "知识产权质押", "是"],
        [3, "HT-003", "91440101MA59UQ4K1A", "错误代码公司", 1000000, 1000000, "2025-06-03", "2026-06-01", 3.4, "信用", "否"],
        [4, "HT-004", hp.uscc, hp.name, 1000000, 2000000, "2025-06-03", "2025-05-01", 3.4, "按揭", "否"],
    ])
    batch = batch_create(actor=w.users["bank"], bank=w.bank_a, content=content, filename="六月报送.xlsx",
                         run_in_background=False)
    report = batch_process(batch, today=TODAY)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert (batch.rows, batch.accepted, batch.rejected) == (4, 2, 2)
    assert Filing.objects.filter(bank=w.bank_a).count() == 2
    # Row numbers are those the bank sees in Excel (title row 1, header row 2, blank row 4).
    rejected = {o.row_number: {p["code"] for p in o.problems} for o in report.outcomes if o.action == "rejected"}
    assert set(rejected) == {6, 7}
    assert "uscc.check_character" in rejected[6]
    assert {"filing.loan_exceeds_credit", "filing.maturity_before_disbursement", "choice.invalid"} <= rejected[7]
    # The report is the bank's own workbook with an error column, naming column and rule.
    book = openpyxl.load_workbook(io.BytesIO(batch.report.read()))
    sheet = book.active
    header = [c.value for c in sheet[2]]
    error_col = header.index("错误 / Errors") + 1
    assert sheet.cell(row=6, column=error_col).value and "统一社会信用代码" in sheet.cell(row=6, column=error_col).value
    assert "放款金额" in sheet.cell(row=7, column=error_col).value
    assert sheet.cell(row=3, column=error_col).value in (None, "")


def test_a_rate_column_formatted_as_percentages_is_filed_as_shown(eligible: Any, settings: Any,
                                                                 tmp_path: Path) -> None:
    # Banks often keep the rate as an Excel percentage: the cell shows 3.45% and stores 0.0345.
    settings.MEDIA_ROOT = tmp_path
    w = eligible
    hp, ns = w.ent_huangpu, w.ent_nansha
    book = openpyxl.load_workbook(io.BytesIO(bank_file([
        [1, "HT-101", hp.uscc, hp.name, 3000000, 3000000, "2025-06-01", "2026-05-31", 0.0345, "信用", "否"],
        [2, "HT-102", ns.uscc, ns.name, 2000000, 2000000, "2025-06-02", "2026-06-01", 0.0345, "信用", "否"],
    ])))
    book.active["I3"].number_format = "0.00%"  # row 3: HT-101's rate; HT-102's stays a plain number
    buffer = io.BytesIO()
    book.save(buffer)
    batch = batch_create(actor=None, bank=w.bank_a, content=buffer.getvalue(), filename="rates.xlsx",
                         run_in_background=False)
    batch_process(batch, today=TODAY)
    shown = Filing.objects.get(contract_no="HT-101")
    assert shown.annual_rate == Decimal("3.45") and shown.status == "accepted" and shown.problems == []
    typed = Filing.objects.get(contract_no="HT-102")  # 0.0345 typed: a fraction? the fund manager asks
    assert typed.annual_rate == Decimal("0.0345") and typed.status == "submitted"
    assert [p["code"] for p in typed.problems] == ["filing.rate_looks_like_fraction"]


def test_each_problem_of_a_row_is_said_once(eligible: Any, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    w = eligible
    hp, ns = w.ent_huangpu, w.ent_nansha
    batch = batch_create(actor=None, bank=w.bank_a, content=bank_file([
        [1, "HT-201", hp.uscc, hp.name, "300万", 3000000, "2025-06-01", "2026-05-31", 3.45, "信用", "否"],
        [2, "HT-202", ns.uscc, ns.name, 2000000, 2000000, "2025-06-02", "2026-06-01", 3.45, "信用", "否"],
        [3, "HT-202", hp.uscc, hp.name, 1000000, 1000000, "2025-06-02", "2026-06-01", 3.45, "信用", "否"],
    ]), filename="twice.xlsx", run_in_background=False)
    report = batch_process(batch, today=TODAY)
    said = {o.row_number: [p["code"] for p in o.problems] for o in report.outcomes if o.action == "rejected"}
    # The unit in the amount, not also "credit amount required"; the duplicate, once, naming row 4.
    assert said == {3: ["money.unit"], 5: ["row.duplicate"]}
    assert "与第4行重复" in report.outcomes[2].problems[0]["message_zh"]


def test_the_same_file_twice_changes_nothing(eligible: Any, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    w = eligible
    content = bank_file([[1, "HT-001", w.ent_huangpu.uscc, w.ent_huangpu.name, 3000000, 3000000, "2025-06-01",
                          "2026-05-31", 3.45, "信用", "否"]])
    for _ in range(2):
        batch = batch_create(actor=None, bank=w.bank_a, content=content, filename="f.xlsx", run_in_background=False)
        batch_process(batch, today=TODAY)
    batch.refresh_from_db()
    assert (batch.accepted, batch.unchanged) == (0, 1)
    assert Filing.objects.filter(bank=w.bank_a).count() == 1


def test_a_batch_runs_without_the_cyclic_collector_and_turns_it_back_on(eligible: Any, settings: Any,
                                                                        tmp_path: Path, monkeypatch: Any) -> None:
    """The collector is paused while a batch is filed (its cost grows faster than the batch) and
    is on again afterwards, also when the batch fails."""
    import gc

    from techfin.filings import batches

    settings.MEDIA_ROOT = tmp_path
    w = eligible
    content = bank_file([[1, "HT-001", w.ent_huangpu.uscc, w.ent_huangpu.name, 3000000, 3000000, "2025-06-01",
                          "2026-05-31", 3.45, "信用", "否"]])
    seen: list[bool] = []
    real = batches.file_loans

    def spy(**kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(**kwargs)

    monkeypatch.setattr(batches, "file_loans", spy)
    assert gc.isenabled()
    batch_process(batch_create(actor=None, bank=w.bank_a, content=content, filename="f.xlsx",
                               run_in_background=False), today=TODAY)
    assert seen == [False] and gc.isenabled()

    def crash(**kwargs: Any) -> Any:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(batches, "file_loans", crash)
    with pytest.raises(RuntimeError):
        batch_process(batch_create(actor=None, bank=w.bank_a, content=content, filename="g.xlsx",
                                   run_in_background=False), today=TODAY)
    assert gc.isenabled()


def test_missing_columns_fail_the_file_with_names(eligible: Any, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    w = eligible
    content = bank_file([["x", "y"]], headers=["借款合同编号", "企业名称"])
    batch = batch_create(actor=None, bank=w.bank_a, content=content, filename="bad.xlsx", run_in_background=False)
    batch_process(batch, today=TODAY)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert any("统一社会信用代码" in e["header"] or "统一社会信用代码" in e["message_zh"] for e in batch.errors)


def test_import_loans_command(eligible: Any, settings: Any, tmp_path: Path, capsys: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    w = eligible
    path = tmp_path / "loans.xlsx"
    # The command files as of today: a loan disbursed ten days ago is within the deadline.
    disbursed = timezone.localdate() - dt.timedelta(days=10)
    path.write_bytes(bank_file([[1, "HT-001", w.ent_huangpu.uscc, w.ent_huangpu.name, 3000000, 3000000,
                                 disbursed, disbursed + dt.timedelta(days=300), 3.45, "信用", "否"]]))
    call_command("import-loans", str(path), "--bank", "ICBC")
    out = capsys.readouterr().out
    assert "rejected 0" in out
    assert Filing.objects.filter(contract_no="HT-001").exists()
    with pytest.raises(CommandError, match="No partner bank"):
        call_command("import-loans", str(path), "--bank", "NOPE")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bank_file([[1, "HT-009", w.ent_huangpu.uscc, w.ent_huangpu.name, 0, 3000000,
                                "2025-06-20", "2026-05-31", 3.45, "信用", "否"]]))
    with pytest.raises(CommandError, match="Nothing was filed"):
        call_command("import-loans", str(bad), "--bank", "ICBC", "--all-or-nothing", "--report", str(tmp_path / "r.xlsx"))
    assert (tmp_path / "r.xlsx").exists()
    assert FilingBatch.objects.filter(bank=w.bank_a).count() == 2


def test_upload_page_queues_a_job_and_the_page_shows_the_report(eligible: Any, client: Any, settings: Any,
                                                                 tmp_path: Path,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    w = eligible
    client.force_login(w.users["bank"])
    disbursed = timezone.localdate() - dt.timedelta(days=5)
    upload = io.BytesIO(bank_file([
        [1, "HT-001", w.ent_huangpu.uscc, w.ent_huangpu.name, 3000000, 3000000, disbursed,
         disbursed + dt.timedelta(days=300), 3.45, "信用", "否"],
        [2, "HT-002", w.ent_huangpu.uscc, w.ent_huangpu.name, 3000000, 3000000, disbursed,
         disbursed + dt.timedelta(days=3000), 3.45, "信用", "否"],
    ]))
    upload.name = "loans.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/batches/new/", {"file": upload, "error_policy": "per_row", "kind": "loans"})
    assert response.status_code == 302
    batch = FilingBatch.objects.get(bank=w.bank_a)
    assert batch.job is not None and batch.uploaded_by == w.users["bank"]
    batch.refresh_from_db()
    assert (batch.status, batch.rows, batch.rejected) == (BatchStatus.DONE, 2, 1)
    page = client.get(response["Location"]).content.decode()
    assert "filing.term_too_long" in page and f"/batches/{batch.pk}/report/" in page
    report = client.get(f"/batches/{batch.pk}/report/")
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")
