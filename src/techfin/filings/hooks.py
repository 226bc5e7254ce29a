"""Listeners told, inside the writing transaction, which filed loans have just changed.

`filings` writes loans, their review steps and their monthly status reports; apps above it
(the statistics, later the claims) keep derived tables exact by listening here. The registry
keeps the layers' import direction: `filings` never imports them; they register in their
AppConfig.ready(). A listener gets the ids of the loans whose filed values, status or status
reports changed, once per service call (set-based, so a 100,000-row batch is one call).

Loans a call has just created can be handed over as the objects written, so that a listener
able to take them (registered with `new_loans`) need not read them back from the database: a
batch's new loans are most of what it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

LoanListener = Callable[[list[int]], None]
NewLoansListener = Callable[[list[Any]], None]

_LISTENERS: dict[str, LoanListener] = {}
_NEW_LOANS_LISTENERS: dict[str, NewLoansListener] = {}


def register_loan_listener(name: str, listener: LoanListener, *, new_loans: NewLoansListener | None = None) -> None:
    """Add (or replace, by name) a listener; called from an AppConfig.ready().

    `new_loans`, when given, is called instead of `listener` for the loans a call created (see
    `loans_changed`), with the `Filing` objects as written."""
    _LISTENERS[name] = listener
    if new_loans is not None:
        _NEW_LOANS_LISTENERS[name] = new_loans
    else:
        _NEW_LOANS_LISTENERS.pop(name, None)


def loans_changed(filing_ids: Iterable[int], *, created: Sequence[Any] = ()) -> None:
    """Tell every listener that these loans changed; call it inside the writing transaction,
    after the write, so a listener's failure rolls the write back too.

    `created`: `Filing` objects this same call has just inserted (new ids, so nothing derived
    from them is stored yet, and no status report), as written — each with its enterprise in
    the related-object cache when the caller holds it. Their ids need not be in `filing_ids`.
    A listener without a `new_loans` function gets their ids with the others."""
    new = [f for f in created if f.pk is not None]
    ids = sorted({int(i) for i in filing_ids if i is not None})
    if not ids and not new:
        return
    new_ids = {f.pk for f in new}
    others = [i for i in ids if i not in new_ids]
    everything = sorted(new_ids.union(ids))
    for name, listener in _LISTENERS.items():
        take_new = _NEW_LOANS_LISTENERS.get(name)
        if take_new is None:
            listener(everything)
            continue
        if new:
            take_new(new)
        if others:
            listener(others)
