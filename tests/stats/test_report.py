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
from techfin.stats.report import annual_report, lever, report_pdf, report_xlsx, wan2, yi


@pytest.mark.django_db
def test_annual_report_says_the_service_figures(compensated: Any, tmp_path: Any, client: Any) -> None:
    report = annual_report(2024)
    year = stats_summary(StatsFilter(202401, 202412))
    to_date = stats_summary(StatsFilter(None, 202412))
    assert report.paragraphs[1].startswith(
        f"2024年合计{year['enterprises']}家企业入池，入池授信金额合计{yi(year['credit_amount'])}亿元，"
        f"放款金额{yi(year['loan_amount'])}亿元")
    assert f"累计发放贷款金额{yi(to_date['loan_amount'])}亿元" in report.paragraphs[0]
    # Compensations (none paid in 2024; A-2 in 2020 and B-2 in 2023 before) and the leverage of the
    # 2024 budgets (20,000,000 allocated; the reversed allocation and the carry-forward not counted).
    assert (report.paragraphs[5].startswith("2024年未支付风险补偿；")
            and f"资金池运作至今累计补偿2笔、2家企业，补偿金额{wan2(to_date['compensation_amount'])}万元" in report.paragraphs[5])
    assert year["public_funds"] == 20_000_000 and f"杠杆撬动比例为{lever(year['leverage'])}" in report.paragraphs[6]
    assert f"撬动合作银行放款{yi(year['loan_amount'])}亿元" in report.paragraphs[6]
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    assert book.sheetnames == ["概要", "历年", "补偿与杠杆", "合作银行", "各区", "产业"]
    paid = {row[0]: row for row in book["补偿与杠杆"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert paid[2020][1:3] == (1, 1) and paid[2023][3] == 9_000_000 and paid[2024][6] == 20_000_000
    assert book["补偿与杠杆"]._charts
    assert book["概要"]["A3"].value == report.paragraphs[0]
    yearly = [row for row in book["历年"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert [row[0] for row in yearly] == [2018, 2019, 2020, 2021, 2022, 2023, 2024]  # 2023: B-2's compensation
    assert book["历年"]._charts  # a native chart beside the table
    pdf = report_pdf(report)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    out = StringIO()
    call_command("report", "--year", "2024", "--out", str(tmp_path), stdout=out)
    assert (tmp_path / "techfin-annual-report-2024.pdf").exists() and report.paragraphs[1] in out.getvalue()
    client.force_login(compensated.world.users["supervisor"])
    response = client.get("/stats/report/2024.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('2024.xlsx"')
    assert client.get("/stats/report/2024.doc").status_code == 404
