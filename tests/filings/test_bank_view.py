"""The bank view (issue 4, item 8): filings, loans, batches and rejected rows, each with filters
and xlsx/CSV export, scoped per role (a district official sees loans to its enterprises)."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from techfin.filings.models import Filing, FilingBatch
from techfin.filings.services import file_loans
from techfin.filings.status import report_period
from tests.filings.conftest import TODAY, loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def lent(eligible: Any) -> Any:
    """Bank A: C-1 to the Huangpu enterprise, C-2 to the Nansha one; one row rejected from a batch."""
    w = eligible
    file_loans(actor=None, bank=w.bank_a, today=TODAY,
               rows=[loan("C-1", w.ent_huangpu.uscc), loan("C-2", w.ent_nansha.uscc, row=3)])
    w.batch_a = FilingBatch.objects.create(
        bank=w.bank_a, original_name="七月报送.xlsx", file="filing-batches/a.xlsx", status="done", rows=2, rejected=1,
        uploaded_by=w.users["bank"],
        errors=[{"row": 3, "column": "loan_amount", "header": "放款金额", "code": "filing.loan_exceeds_credit",
                 "message_zh": "放款金额超过授信金额", "message_en": "loan amount exceeds the credit amount"}])
    FilingBatch.objects.filter(pk=w.batch_b.pk).update(
        status="done", rows=1, rejected=1,
        errors=[{"row": 2, "column": "uscc", "header": "统一社会信用代码", "code": "filing.enterprise_unknown",
                 "message_zh": "建设银行的错误", "message_en": "bank B's problem"}])
    return w


def contracts(html: str) -> set[str]:
    return {c for c in ("C-1", "C-2", "B-0001") if f">{c}</a>" in html}


def test_each_role_sees_its_own_loans(lent: Any, client: Any) -> None:
    w = lent
    expected = {"bank": {"C-1", "C-2"}, "district": {"C-1"}, "enterprise": {"C-1"},
                "manager": {"C-1", "C-2", "B-0001"}, "supervisor": {"C-1", "C-2", "B-0001"}}
    for role, seen in expected.items():
        client.force_login(w.users[role])
        assert contracts(client.get(reverse("filing-list")).content.decode()) == seen, role
    # The district official's export holds the same loans as its page.
    client.force_login(w.users["district"])
    rows = list(csv.reader(io.StringIO(client.get(reverse("filing-list") + "?export=csv").content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["C-1"]


def test_filters_tabs_and_the_missing_report_flag(lent: Any, client: Any) -> None:
    w = lent
    client.force_login(w.users["manager"])
    month = f"{report_period(timezone.localdate()):%Y-%m}"
    page = client.get(reverse("filing-list")).content.decode()
    # Every accepted open loan lacks last month's report here: each row is flagged.
    assert page.count('data-testid="missing-report"') == 3
    assert f"?missing={month}" in page
    assert contracts(client.get(reverse("filing-list") + f"?district={w.d_nansha.pk}").content.decode()) == {
        "C-2", "B-0001"}
    assert contracts(client.get(reverse("filing-list") + f"?bank={w.bank_b.pk}").content.decode()) == {"B-0001"}
    tab = client.get(reverse("filing-list") + "?status=accepted").content.decode()
    assert 'class="current" aria-current="page">在池贷款' in tab or 'aria-current="page">Loans in the pool' in tab
    Filing.objects.filter(contract_no="C-1").update(loan_status="settled", outstanding_principal=0)
    missing = client.get(reverse("filing-list") + f"?missing={month}").content.decode()
    assert contracts(missing) == {"C-2", "B-0001"}


def test_the_loan_list_exports_as_xlsx(lent: Any, client: Any) -> None:
    client.force_login(lent.users["bank"])
    answer = client.get(reverse("filing-list") + "?export=xlsx&status=accepted")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-2:] == ("延续后到期日期", "上月月度报送")
    assert sorted(r[0] for r in rows[1:]) == ["C-1", "C-2"]
    assert all(str(r[-1]).endswith("未报送") for r in rows[1:])


def test_the_list_page_costs_a_fixed_number_of_queries(lent: Any, client: Any,
                                                       django_assert_max_num_queries: Any) -> None:
    client.force_login(lent.users["manager"])
    with django_assert_max_num_queries(14):
        client.get(reverse("filing-list"))
    file_loans(actor=None, bank=lent.bank_a, today=TODAY,
               rows=[loan(f"X-{i}", lent.ent_huangpu.uscc, amount="10000", row=i) for i in range(20)])
    with django_assert_max_num_queries(14):
        client.get(reverse("filing-list"))


def test_batches_filter_and_export(lent: Any, client: Any) -> None:
    w = lent
    FilingBatch.objects.create(bank=w.bank_a, kind="statuses", original_name="七月月度报送.csv", file="x.csv",
                               status="done", rows=5, accepted=5)
    client.force_login(w.users["bank"])
    page = client.get(reverse("batch-list")).content.decode()
    assert "七月报送.xlsx" in page and "七月月度报送.csv" in page and "b.xlsx" not in page
    statuses = client.get(reverse("batch-list") + "?kind=statuses").content.decode()
    assert "七月月度报送.csv" in statuses and "七月报送.xlsx" not in statuses
    rows = list(csv.reader(io.StringIO(client.get(reverse("batch-list") + "?export=csv").content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["批次号", "银行", "类型", "文件名"] and len(rows) == 3
    client.force_login(w.users["district"])
    assert "七月报送.xlsx" not in client.get(reverse("batch-list")).content.decode()


def test_rejected_rows_across_batches(lent: Any, client: Any) -> None:
    w = lent
    client.force_login(w.users["bank"])
    page = client.get(reverse("batch-errors")).content.decode()
    assert "filing.loan_exceeds_credit" in page and "放款金额超过授信金额" in page
    assert "建设银行的错误" not in page  # bank B's rows stay bank B's
    assert "filing.loan_exceeds_credit" not in client.get(reverse("batch-errors") + "?code=uscc").content.decode()
    exported = client.get(reverse("batch-errors") + "?export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[1][5:8] == (3, "放款金额", "filing.loan_exceeds_credit")
    client.force_login(w.users["manager"])
    both = client.get(reverse("batch-errors")).content.decode()
    assert "放款金额超过授信金额" in both and "建设银行的错误" in both
    only_b = client.get(reverse("batch-errors") + f"?bank={w.bank_b.pk}").content.decode()
    assert "放款金额超过授信金额" not in only_b


def test_the_bank_officers_home_shows_its_own_loans_in_the_pool(lent: Any, client: Any) -> None:
    # Two loans of 300万元 each by bank A (bank B's loan is not its own): its figures, not the
    # platform's bank or district counts.
    w = lent
    client.force_login(w.users["bank"])
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    cards = html.split('data-testid="bank-pool-figures"', 1)[1].split("</div>", 1)[0]
    values = [v.strip() for v in cards.split('class="stat-value">')[1:]]
    assert [v.split("<", 1)[0] for v in values] == ["2", "600.00", "600.00", "2", "0.00%", "0"]
    assert "入池贷款（笔）" in cards and "放款金额（万元）" in cards and "不良率" in cards
    client.force_login(w.users["manager"])
    assert 'data-testid="bank-pool-figures"' not in client.get(reverse("home")).content.decode()
