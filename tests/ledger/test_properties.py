"""Property: any sequence of bookings — valid, refused or retried — leaves the ledger clean.

Hypothesis draws random allocations, transfers, reservations, full and partial posts, voids,
reversals, multi-line transactions and retries of earlier calls. A small model, written apart
from the services, predicts each outcome (booked, or refused for want of funds, or refused as
already resolved or reversed). After every sequence ``techfin ledger check`` finds nothing and
each account's stored totals equal the model's and the sums of its entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techfin.ledger import services
from techfin.ledger.checks import run_checks
from techfin.ledger.errors import AlreadyResolved, InsufficientFunds, NotReversible
from techfin.ledger.models import Account, Entry, TransferKind
from tests.ledger.conftest import Books

pytestmark = pytest.mark.django_db
FEN = Decimal("0.01")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("600000.00"), places=2)
Totals = list[Decimal]  # posted debits, posted credits, pending debits, pending credits


@dataclass
class Model:
    """What the ledger should hold, kept by plain arithmetic."""

    totals: dict[int, Totals]
    budgets: set[int]
    pending: dict[str, tuple[int, int, Decimal]] = field(default_factory=dict)  # open reservations
    resolved: set[str] = field(default_factory=set)
    reversible: dict[str, tuple[int, int, Decimal]] = field(default_factory=dict)  # posted, not reversed
    reversed: set[str] = field(default_factory=set)

    def fits(self, changes: dict[int, Totals]) -> bool:
        for pk, (pd, pc, npd, _npc) in changes.items():
            t = self.totals[pk]
            if pk in self.budgets and (t[0] + pd) + (t[2] + npd) > t[1] + pc:
                return False
        return True

    def apply(self, changes: dict[int, Totals]) -> None:
        for pk, change in changes.items():
            self.totals[pk] = [a + b for a, b in zip(self.totals[pk], change, strict=True)]


def _zero() -> Totals:
    return [Decimal("0.00")] * 4


def _add(changes: dict[int, Totals], debit: int, credit: int, posted: Decimal, pending: Decimal) -> None:
    changes.setdefault(debit, _zero())
    changes.setdefault(credit, _zero())
    changes[debit][0] += posted
    changes[debit][2] += pending
    changes[credit][1] += posted
    changes[credit][3] += pending


def _stored(account: Account) -> Totals:
    account.refresh_from_db()
    return [account.posted_debits, account.posted_credits, account.pending_debits, account.pending_credits]


def _from_entries(account: Account) -> Totals:
    result = _zero()
    for side, posted, pending in Entry.objects.filter(account=account).values_list("side", "posted", "pending"):
        offset = 0 if side == "debit" else 1
        result[offset] += posted
        result[2 + offset] += pending
    return result


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_random_bookings_keep_the_ledger_clean(books: Books, data: Any) -> None:
    accounts = [books.city, books.huangpu, books.nansha, books.treasury, books.bank_a, books.bank_b,
                books.third_party]
    with transaction.atomic():
        model = Model(totals={a.pk: _stored(a) for a in accounts}, budgets={a.pk for a in accounts if a.is_budget})
        calls: list[tuple[Any, dict[str, Any]]] = []  # earlier calls, to retry
        for step in range(data.draw(st.integers(1, 20), label="steps")):
            _step(data, step, accounts, model, calls)
        problems = [p.message for r in run_checks() for p in r.problems]
        assert problems == []
        for account in accounts:
            assert _stored(account) == model.totals[account.pk] == _from_entries(account), account.code
        transaction.set_rollback(True)


def _pair(data: Any, accounts: list[Account]) -> tuple[Account, Account]:
    debit = data.draw(st.sampled_from(accounts), label="debit")
    credit = data.draw(st.sampled_from([a for a in accounts if a != debit]), label="credit")
    return debit, credit


def _step(data: Any, step: int, accounts: list[Account], model: Model, calls: list[tuple[Any, dict[str, Any]]]) -> None:
    ops = ["transfer", "reserve", "transaction", "allocate"]
    if model.pending or model.resolved:
        ops += ["post", "void"]
    if model.reversible or model.reversed:
        ops.append("reverse")
    if calls:
        ops.append("retry")
    op = data.draw(st.sampled_from(ops), label="op")
    key = f"k{step}"
    changes: dict[int, Totals] = {}

    if op == "retry":
        # The same call again: the first booking comes back, nothing changes.
        function, kwargs = data.draw(st.sampled_from(calls), label="retried")
        before = {pk: list(t) for pk, t in model.totals.items()}
        function(**kwargs)
        assert {a.pk: _stored(a) for a in accounts} == before
        return
    if op in ("transfer", "reserve", "allocate"):
        if op == "allocate":  # treasury → one of the three budgets
            debit, credit = accounts[3], data.draw(st.sampled_from(accounts[:3]), label="budget")
        else:
            debit, credit = _pair(data, accounts)
        amount = data.draw(amounts, label="amount")
        pending = op == "reserve"
        _add(changes, debit.pk, credit.pk, Decimal(0) if pending else amount, amount if pending else Decimal(0))
        function: Any = services.reserve if pending else services.transfer
        kwargs: dict[str, Any] = {"key": key, "debit": debit, "credit": credit, "amount": amount}
        if not pending:
            kwargs["kind"] = TransferKind.BUDGET_ALLOCATION if op == "allocate" else TransferKind.PAYMENT
        if not _expect(model, changes, function, kwargs, calls):
            return
        (model.pending if pending else model.reversible)[key] = (debit.pk, credit.pk, amount)
    elif op == "transaction":
        lines, booked = [], []
        count = data.draw(st.integers(1, 3), label="lines")
        for n in range(count):
            debit, credit = _pair(data, accounts)
            amount = data.draw(amounts, label="amount")
            pending = data.draw(st.booleans(), label="pending")
            _add(changes, debit.pk, credit.pk, Decimal(0) if pending else amount, amount if pending else Decimal(0))
            lines.append(services.TransferLine(debit=debit, credit=credit, amount=amount, pending=pending,
                                               kind=TransferKind.PAYMENT))
            # A transaction of one line books it under the transaction's own key.
            booked.append((key if count == 1 else f"{key}/{n + 1}", pending, debit.pk, credit.pk, amount))
        if not _expect(model, changes, services.transaction_book, {"key": key, "lines": lines}, calls):
            return
        for line_key, pending, debit_pk, credit_pk, amount in booked:
            (model.pending if pending else model.reversible)[line_key] = (debit_pk, credit_pk, amount)
    elif op in ("post", "void"):
        target = data.draw(st.sampled_from(sorted(set(model.pending) | model.resolved)), label="pending")
        if target in model.resolved:
            with pytest.raises(AlreadyResolved):
                (services.post_pending if op == "post" else services.void_pending)(key=key, pending_key=target)
            return
        debit_pk, credit_pk, reserved = model.pending[target]
        kwargs = {"key": key, "pending_key": target}
        posted = Decimal(0)
        if op == "post":
            percent = data.draw(st.sampled_from([None, 1, 33, 50, 99, 100]), label="percent")
            posted = reserved if percent is None else max(FEN, (reserved * percent / 100).quantize(FEN, ROUND_DOWN))
            if percent is not None:
                kwargs["amount"] = posted
        _add(changes, debit_pk, credit_pk, posted, -reserved)
        assert _expect(model, changes, services.post_pending if op == "post" else services.void_pending, kwargs,
                       calls)
        del model.pending[target]
        model.resolved.add(target)
        if op == "post":
            model.reversible[key] = (debit_pk, credit_pk, posted)
    else:  # reverse
        target = data.draw(st.sampled_from(sorted(set(model.reversible) | model.reversed)), label="reversed")
        if target in model.reversed:
            with pytest.raises(NotReversible):
                services.reverse(key=key, transfer_key=target, memo="again")
            return
        debit_pk, credit_pk, amount = model.reversible[target]
        _add(changes, credit_pk, debit_pk, amount, Decimal(0))
        if not _expect(model, changes, services.reverse, {"key": key, "transfer_key": target, "memo": "fix"}, calls):
            return
        del model.reversible[target]
        model.reversed.add(target)


def _expect(model: Model, changes: dict[int, Totals], function: Any, kwargs: dict[str, Any],
            calls: list[tuple[Any, dict[str, Any]]]) -> bool:
    """Call, expecting success exactly when the model says every budget can cover it."""
    if model.fits(changes):
        function(**kwargs)
        model.apply(changes)
        calls.append((function, kwargs))
        return True
    with pytest.raises(InsufficientFunds):
        function(**kwargs)
    return False
