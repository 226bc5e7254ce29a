"""Request id carried to audit events without threading a request through services."""

from __future__ import annotations

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("techfin_request_id", default="")
