"""Who sees which account and transfer, on the pages, in the API and in exports; what a
statement shows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from techfin.ledger import services
from techfin.ledger.models import Transfer, TransferKind
from techfin.ledger.queries import accounts_for_user, statement, transfers_for_user
from tests.conftest import World
from tests.ledger.conftest import Books, D

pytestmark = pytest.mark.django_db
PAY = TransferKind.PAYMENT
DAY = dt.date(2025, 3, 1)


@pytest.fixture
def booked(books: Books) -> Books:
    services.transaction_book(key="claim-1-pay", reference=("compensation.claim", 1), booked_on=DAY, lines=[
        services.TransferLine(debit=books.city, credit=books.bank_a, amount=D("5000.00"), kind=PAY),
        services.TransferLine(debit=books.huangpu, credit=books.bank_a, amount=D("4000.00"), kind=PAY),
    ])
    services.reserve(key="claim-2-approve", debit=books.huangpu, credit=books.bank_b, amount=D("700.00"),
                     booked_on=DAY + dt.timedelta(days=1))
    services.transfer(key="claim-3-pay", debit=books.city, credit=books.bank_b, amount=D("300.00"), kind=PAY,
                      booked_on=DAY + dt.timedelta(days=2))
    services.transfer(key="recovery-1", debit=books.bank_a, credit=books.city, amount=D("1000.00"),
                      kind=TransferKind.RECOVERY_RETURN, booked_on=DAY + dt.timedelta(days=3))
    return books


VISIBLE_ACCOUNTS = {
    "manager": {"CITY-2025", "DIST-440112-2025", "DIST-440115-2025", "TREASURY-CITY", "TREASURY-440112",
                "BANK-ICBC", "BANK-CCB", "TP-GZGC"},
    "bank": {"BANK-ICBC"},
    "district": {"DIST-440112-2025", "TREASURY-440112"},
    "enterprise": set(),
    "commissioner": set(),
}
VISIBLE_ACCOUNTS["supervisor"] = VISIBLE_ACCOUNTS["manager"]
VISIBLE_TRANSFERS = {
    "manager": {"alloc-city-2025", "alloc-hp-2025", "claim-1-pay/1", "claim-1-pay/2", "claim-2-approve",
                "claim-3-pay", "recovery-1"},
    "bank": {"claim-1-pay/1", "claim-1-pay/2", "recovery-1"},
    "district": {"alloc-hp-2025", "claim-1-pay/2", "claim-2-approve"},
    "enterprise": set(),
    "commissioner": set(),
}
VISIBLE_TRANSFERS["supervisor"] = VISIBLE_TRANSFERS["manager"]


@pytest.mark.parametrize("role", sorted(VISIBLE_ACCOUNTS))
def test_every_read_is_scoped(world: World, booked: Books, role: str, client: Any) -> None:
    user = world.users[role]
    assert set(accounts_for_user(user).values_list("code", flat=True)) == VISIBLE_ACCOUNTS[role]
    assert set(transfers_for_user(user).values_list("key", flat=True)) == VISIBLE_TRANSFERS[role]
    client.force_login(user)
    api_accounts = client.get("/api/ledger/accounts/", {"page_size": 100}).json()
    assert {a["code"] for a in api_accounts["results"]} == VISIBLE_ACCOUNTS[role]
    api_transfers = client.get("/api/ledger/transfers/", {"page_size": 100}).json()
    assert {t["key"] for t in api_transfers["results"]} == VISIBLE_TRANSFERS[role]
    assert api_transfers["count"] == len(VISIBLE_TRANSFERS[role])  # no row twice through the join
    page = client.get(reverse("ledger-account-list"))
    if not VISIBLE_ACCOUNTS[role]:
        assert page.status_code == 403
        return
    text = page.content.decode()
    for code in VISIBLE_ACCOUNTS["manager"]:
        assert (code in text) == (code in VISIBLE_ACCOUNTS[role]), code
    exported = client.get(reverse("ledger-account-list"), {"export": "csv"}).content.decode("utf-8-sig")
    assert {row[0] for row in list(csv.reader(io.StringIO(exported)))[1:]} == VISIBLE_ACCOUNTS[role]


def test_others_accounts_and_transfers_are_not_found(world: World, booked: Books, client: Any) -> None:
    client.force_login(world.users["bank"])
    other = booked.bank_b
    assert client.get(reverse("ledger-account-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("ledger-account-detail", args=[other.pk]), {"export": "xlsx"}).status_code == 404
    assert client.get(f"/api/ledger/accounts/{other.pk}/").status_code == 404
    assert client.get(f"/api/ledger/accounts/{other.pk}/statement/").status_code == 404
    not_mine = Transfer.objects.get(key="claim-3-pay")
    assert client.get(reverse("ledger-transfer-detail", args=[not_mine.pk])).status_code == 404
    assert client.get(f"/api/ledger/transfers/{not_mine.pk}/").status_code == 404
    # Through a filter, too: asking for the other bank's account lists nothing.
    assert client.get("/api/ledger/transfers/", {"account": other.pk}).json()["count"] == 0
    assert client.get(reverse("object-history", args=["ledger.account", other.pk])).status_code == 404
    mine = Transfer.objects.get(key="claim-1-pay/1")
    assert client.get(reverse("object-history", args=["ledger.transfer", mine.pk])).status_code == 200


@pytest.mark.parametrize("role", ["manager", "superuser"])
def test_the_api_has_no_write_endpoint(world: World, booked: Books, client: Any, role: str) -> None:
    # Nobody is an editor of the ledger (403); even a superuser, who passes that, finds no
    # write method (405).
    from techfin.accounts.models import User

    user = world.users["manager"] if role == "manager" else User.objects.create_superuser("root", password="pw")
    client.force_login(user)
    refused = {403} if role == "manager" else {405}
    body = {"key": "x", "debit_account": booked.city.pk, "credit_account": booked.bank_a.pk, "amount": "1.00"}
    assert client.post("/api/ledger/transfers/", body, content_type="application/json").status_code in refused
    transfer = Transfer.objects.get(key="claim-3-pay")
    assert client.delete(f"/api/ledger/transfers/{transfer.pk}/").status_code == 405
    assert client.patch(f"/api/ledger/accounts/{booked.city.pk}/", {"name": "x"},
                        content_type="application/json").status_code == 405
    assert not Transfer.objects.filter(key="x").exists()


def test_the_statement_runs_the_balances(booked: Books) -> None:
    result = statement(booked.city)
    assert [(line.transfer.key, line.debit, line.credit, line.balance) for line in result.lines] == [
        ("alloc-city-2025", D("0"), D("1000000.00"), D("1000000.00")),
        ("claim-1-pay/1", D("5000.00"), D("0"), D("995000.00")),
        ("claim-3-pay", D("300.00"), D("0"), D("994700.00")),
        ("recovery-1", D("0"), D("1000.00"), D("995700.00")),
    ]
    assert result.lines[1].counterparty == booked.bank_a
    hp = statement(booked.huangpu, date_from=DAY + dt.timedelta(days=1))
    assert (hp.opening_balance, hp.opening_available) == (D("396000.00"), D("396000.00"))
    assert [(line.transfer.key, line.pending, line.available) for line in hp.lines] == [
        ("claim-2-approve", D("700.00"), D("395300.00"))]
    assert (hp.closing_balance, hp.closing_available) == (D("396000.00"), D("395300.00"))
    assert statement(booked.city, date_to=DAY).closing_balance == D("995000.00")


def test_the_statement_page_and_its_exports(world: World, booked: Books, client: Any) -> None:
    client.force_login(world.users["bank"])
    url = reverse("ledger-account-detail", args=[booked.bank_a.pk])
    page = client.get(url).content.decode()
    assert "claim-1-pay/1" in page and "recovery-1" in page and "8,000.00" in page
    # The counterparties are named; the bank may not open the pools' accounts, so no link.
    assert "市级资金池2025年度预算" in page
    assert reverse("ledger-account-detail", args=[booked.city.pk]) not in page
    exported = client.get(url, {"export": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0][:3] == ["记账日期 Booked on", "键 Key", "类型 Kind"]
    assert [(r[1], r[6], r[7], r[9]) for r in rows[1:]] == [
        ("claim-1-pay/1", "0.00", "5000.00", "5000.00"), ("claim-1-pay/2", "0.00", "4000.00", "9000.00"),
        ("recovery-1", "1000.00", "0.00", "8000.00")]
    response = client.get(url, {"export": "xlsx", "from": "2025-03-02"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]][:2] == ["2025-03-04", "recovery-1"]
    assert sheet.max_row == 2
    fragment = client.get(url, {"from": "2025-03-02"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "recovery-1" in fragment and "9,000.00" in fragment  # brought forward


def test_the_transfer_page_shows_only_the_lines_in_scope(world: World, booked: Books, client: Any) -> None:
    transfer = Transfer.objects.get(key="claim-1-pay/1")
    client.force_login(world.users["manager"])
    page = client.get(reverse("ledger-transfer-detail", args=[transfer.pk])).content.decode()
    assert "claim-1-pay/2" in page and "compensation.claim #1" in page
    reserved = Transfer.objects.get(key="claim-2-approve")
    page = client.get(reverse("ledger-transfer-detail", args=[reserved.pk])).content.decode()
    assert "Still reserved" in page or "仍在预留" in page
    client.force_login(world.users["district"])
    page = client.get(reverse("ledger-transfer-detail", args=[Transfer.objects.get(key="claim-1-pay/2").pk]))
    assert page.status_code == 200
    assert "claim-1-pay/1" not in page.content.decode()  # the city's line to the bank is not Huangpu's


def test_api_filters_and_statement(world: World, booked: Books, client: Any) -> None:
    client.force_login(world.users["supervisor"])
    keys = lambda **q: {t["key"] for t in client.get("/api/ledger/transfers/", q).json()["results"]}  # noqa: E731
    assert keys(account=booked.bank_a.pk) == {"claim-1-pay/1", "claim-1-pay/2", "recovery-1"}
    assert keys(state="pending") == {"claim-2-approve"}
    assert keys(kind="recovery_return") == {"recovery-1"}
    assert keys(transaction="claim-1-pay") == {"claim-1-pay/1", "claim-1-pay/2"}
    assert keys(reference_type="compensation.claim", reference_id="1") == {"claim-1-pay/1", "claim-1-pay/2"}
    assert keys(booked_from="2025-03-03", booked_to="2025-03-03") == {"claim-3-pay"}
    accounts = client.get("/api/ledger/accounts/", {"kind": "district_pool", "year": 2025}).json()["results"]
    assert {a["code"] for a in accounts} == {"DIST-440112-2025", "DIST-440115-2025"}
    hp = next(a for a in accounts if a["code"] == "DIST-440112-2025")
    assert (hp["available"], hp["balance"], hp["pending_debits"]) == ("395300.00", "396000.00", "700.00")
    body = client.get(f"/api/ledger/accounts/{booked.city.pk}/statement/", {"date_from": "2025-03-02"}).json()
    assert body["opening_balance"] == "995000.00" and body["closing_balance"] == "995700.00"
    assert [line["key"] for line in body["lines"]] == ["claim-3-pay", "recovery-1"]
    assert client.get(f"/api/ledger/accounts/{booked.city.pk}/statement/",
                      {"date_from": "March"}).status_code == 400


def test_the_account_list_costs_a_fixed_number_of_queries(world: World, booked: Books, client: Any,
                                                          django_assert_max_num_queries: Any) -> None:
    client.force_login(world.users["manager"])
    for year in range(2026, 2036):
        services.budget_account(actor=None, year=year)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("ledger-account-list")).status_code == 200
