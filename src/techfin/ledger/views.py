"""Read-only pages of the ledger: accounts with balances, an account's statement, a transfer.

Thin: parse the request, call a scoped query, render. Nothing here writes: money moves only
through ``techfin.ledger.services``, called by the workflows (claims, budgets).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from techfin.accounts.scoping import get_or_404
from techfin.ledger.models import Account, AccountKind, Transfer
from techfin.ledger.queries import (
    AccountFilter,
    accounts_for_user,
    budget_years,
    statement,
    statement_rows,
    transaction_transfers,
    transfers_for_user,
)
from techfin.pages import PAGE_SIZE, list_template, paginate, require
from techfin.tabular.exports import export_response

ACCOUNT_HEADERS = ["代码 Code", "名称 Name", "类型 Kind", "年度 Year", "借方已记账 Posted debits",
                   "贷方已记账 Posted credits", "借方预留 Pending debits", "贷方预留 Pending credits",
                   "余额 Balance", "可用 Available"]
STATEMENT_HEADERS = ["记账日期 Booked on", "键 Key", "类型 Kind", "状态 State", "对方账户 Counterparty",
                     "对方名称 Counterparty name", "借方 Debit", "贷方 Credit", "预留变动 Pending change",
                     "余额 Balance", "可用 Available", "摘要 Memo", "业务对象 Reference"]


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _visible_accounts(user: Any) -> set[int]:
    """Accounts the user may open, so a counterparty outside scope is named but not linked."""
    return set(accounts_for_user(user).values_list("pk", flat=True))


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Account, "view")
    scoped = accounts_for_user(request.user)
    filters = AccountFilter.from_params(request.GET)
    accounts = filters.apply(scoped)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        rows = ([a.code, a.name, a.get_kind_display(), a.year or "", a.posted_debits, a.posted_credits,
                 a.pending_debits, a.pending_credits, a.posted_balance, a.available] for a in accounts.iterator())
        return export_response(fmt, "ledger-accounts", ACCOUNT_HEADERS, rows)
    context = {"page": paginate(request, accounts), "f": filters, "kinds": AccountKind.choices,
               "years": budget_years(scoped)}
    return render(request, list_template(request, "ledger/account_list.html", "ledger/_account_table.html"),
                  context)


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_or_404(accounts_for_user(request.user), request.user, pk=pk)
    date_from, date_to = _date(request.GET.get("from", "")), _date(request.GET.get("to", ""))
    result = statement(account, date_from=date_from, date_to=date_to)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx"}:
        return export_response(fmt, f"statement-{account.code}", STATEMENT_HEADERS, statement_rows(result))
    context = {
        "account": account, "statement": result, "page": Paginator(result.lines, PAGE_SIZE).get_page(
            request.GET.get("page")),
        "date_from": date_from, "date_to": date_to, "visible": _visible_accounts(request.user),
    }
    return render(request, list_template(request, "ledger/account_detail.html", "ledger/_statement_table.html"),
                  context)


@login_required
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = get_or_404(transfers_for_user(request.user), request.user, pk=pk)
    context = {
        "transfer": transfer,
        "entries": transfer.entries.select_related("account").order_by("id"),
        "siblings": transaction_transfers(request.user, transfer.transaction).exclude(pk=transfer.pk),
        # The resolution and the reversal are on the same accounts, hence in the same scope.
        "resolution": Transfer.objects.filter(pending=transfer).first(),
        "reversal": Transfer.objects.filter(reversal_of=transfer).first(),
        "visible": _visible_accounts(request.user),
    }
    return render(request, "ledger/transfer_detail.html", context)
