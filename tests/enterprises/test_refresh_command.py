"""`techfin refresh_verdicts` recomputes the summaries (eligibility moves with the date)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from techfin.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def test_refresh_on_another_date(software: Enterprise) -> None:
    out = io.StringIO()
    call_command("refresh_verdicts", "--on", "2024-06-30", stdout=out)
    software.refresh_from_db()
    assert software.summary_on.isoformat() == "2024-06-30" and software.summary_year == 2023
    assert "2 enterprises checked" in out.getvalue()
    again = io.StringIO()
    call_command("refresh_verdicts", "--on", "2024-06-30", stdout=again)
    assert "0 summaries changed" in again.getvalue()


def test_a_bad_date_is_refused(db: Any) -> None:
    with pytest.raises(CommandError):
        call_command("refresh_verdicts", "--on", "someday")
