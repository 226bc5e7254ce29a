"""The annual report: the published-style sentences carry the statistics service's figures, the
workbook holds the same tables with charts, and the PDF is written (Chinese, with charts)."""

from __future__ import annotations

import io
from io import StringIO
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from techfin.stats.queries import StatsFilter, stats_summary
from techfin.stats.report import annual_report, report_pdf, report_xlsx, yi


@pytest.mark.django_db
def test_annual_report_says_the_service_figures(loaded: Any, tmp_path: Any, client: Any) -> None:
    report = annual_report(2024)
    year = stats_summary(StatsFilter(202401, 202412))
    to_date = stats_summary(StatsFilter(None, 202412))
    assert report.paragraphs[1].startswith(
        f"2024年合计{year['enterprises']}家企业入池，入池授信金额合计{yi(year['credit_amount'])}亿元，"
        f"放款金额{yi(year['loan_amount'])}亿元")
    assert f"累计发放贷款金额{yi(to_date['loan_amount'])}亿元" in report.paragraphs[0]
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    assert book.sheetnames == ["概要", "历年", "合作银行", "各区", "产业"]
    assert book["概要"]["A3"].value == report.paragraphs[0]
    yearly = [row for row in book["历年"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert [row[0] for row in yearly] == [2018, 2019, 2020, 2021, 2022, 2024]
    assert book["历年"]._charts  # a native chart beside the table
    pdf = report_pdf(report)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    out = StringIO()
    call_command("report", "--year", "2024", "--out", str(tmp_path), stdout=out)
    assert (tmp_path / "techfin-annual-report-2024.pdf").exists() and report.paragraphs[1] in out.getvalue()
    client.force_login(loaded.world.users["supervisor"])
    response = client.get("/stats/report/2024.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('2024.xlsx"')
    assert client.get("/stats/report/2024.doc").status_code == 404
