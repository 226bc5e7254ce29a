"""The optional ``status_reminder_days`` of a policy (no document sets it; the data may)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from techfin.domain.policy import PolicyDataError, parse_policy_data

RAW = resources.files("techfin.domain.data").joinpath("pool_policies.json").read_text(encoding="utf-8")


def test_absent_by_default_and_read_when_given() -> None:
    policies, _ = parse_policy_data(RAW)
    assert all(p.status_reminder_days is None for p in policies)
    data = json.loads(RAW)
    data["policies"][-1]["status_reminder_days"] = {"value": 5, "status": "U", "note": "fund manager's practice"}
    policies, _ = parse_policy_data(json.dumps(data))
    assert policies[-1].status_reminder_days == 5
    assert any(p.path == "status_reminder_days" for p in policies[-1].provenance)
    data["policies"][-1]["status_reminder_days"] = -1
    with pytest.raises(PolicyDataError, match="status_reminder_days"):
        parse_policy_data(json.dumps(data))
