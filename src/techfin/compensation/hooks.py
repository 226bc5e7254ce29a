"""Listeners told, inside the writing transaction, which claims' paid compensation changed.

The compensation services call `claims_changed` when a claim is paid, its payment reversed (冲正),
or a recovery or debt transfer on it confirmed or reversed: the steps that change what public
money a claim cost. Apps above (`stats`) keep derived tables exact by listening here; they
register in their AppConfig.ready(), so `compensation` never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

ClaimListener = Callable[[list[int]], None]

_LISTENERS: dict[str, ClaimListener] = {}


def register_claim_listener(name: str, listener: ClaimListener) -> None:
    """Add (or replace, by name) a listener; called from an AppConfig.ready()."""
    _LISTENERS[name] = listener


def claims_changed(claim_ids: Iterable[int]) -> None:
    """Tell every listener that these claims changed; call it inside the writing transaction,
    after the write, so a listener's failure rolls the write back too."""
    ids = sorted({int(i) for i in claim_ids if i is not None})
    if not ids:
        return
    for listener in _LISTENERS.values():
        listener(ids)
