"""Listeners told, inside the writing transaction, which filed loans have just changed.

`filings` writes loans, their review steps and their monthly status reports; apps above it
(the statistics, later the claims) keep derived tables exact by listening here. The registry
keeps the layers' import direction: `filings` never imports them; they register in their
AppConfig.ready(). A listener gets the ids of the loans whose filed values, status or status
reports changed, once per service call (set-based, so a 100,000-row batch is one call).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

LoanListener = Callable[[list[int]], None]

_LISTENERS: dict[str, LoanListener] = {}


def register_loan_listener(name: str, listener: LoanListener) -> None:
    """Add (or replace, by name) a listener; called from an AppConfig.ready()."""
    _LISTENERS[name] = listener


def loans_changed(filing_ids: Iterable[int]) -> None:
    """Tell every listener that these loans changed; call it inside the writing transaction,
    after the write, so a listener's failure rolls the write back too."""
    ids = sorted({int(i) for i in filing_ids if i is not None})
    if not ids:
        return
    for listener in _LISTENERS.values():
        listener(ids)
