"""Job handlers by kind. Apps register theirs in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from techfin.jobs.models import Job

Handler = Callable[["Job"], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def register_job(kind: str) -> Callable[[Handler], Handler]:
    """Decorator: `@register_job("filing_batch") def run(job) -> result dict`."""

    def wrap(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return wrap


def handler_for(kind: str) -> Handler:
    return _HANDLERS[kind]
