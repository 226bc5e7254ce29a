"""Listeners told, inside the writing transaction, which enterprises' classifying data changed.

What the statistics break figures down by belongs to the enterprise: its district, industry
tags, strategic emerging category and 高新技术企业 certificates. The registry keeps the
layers' import direction: apps above (`stats`) register in their AppConfig.ready(); the
enterprise services call `enterprises_changed` after such a change, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

EnterpriseListener = Callable[[list[int]], None]

# Fields of Enterprise that a listener depends on: other changes do not call it.
CLASSIFYING_FIELDS = frozenset({"district", "sei_category", "iab_it", "iab_ai", "iab_bio", "nem_energy",
                                "nem_materials"})

_LISTENERS: dict[str, EnterpriseListener] = {}


def register_enterprise_listener(name: str, listener: EnterpriseListener) -> None:
    """Add (or replace, by name) a listener; called from an AppConfig.ready()."""
    _LISTENERS[name] = listener


def enterprises_changed(enterprise_ids: Iterable[int]) -> None:
    """Tell every listener that these enterprises' classifying data changed."""
    ids = sorted({int(i) for i in enterprise_ids if i is not None})
    if not ids:
        return
    for listener in _LISTENERS.values():
        listener(ids)
