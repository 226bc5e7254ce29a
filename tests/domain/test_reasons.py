"""techfin.domain.reasons and versioning: the shared result shape and rule-set lookup."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from datetime import date

import pytest

from techfin.domain.reasons import InvalidInput, Outcome, Reason, Verdict
from techfin.domain.versioning import NoRuleSetInForce, select_by_name, select_in_force

OK = Reason(code="x.ok", ok=True, message_zh="好", message_en="fine")
BAD = Reason(code="x.bad", ok=False, message_zh="坏", message_en="broken", detail={"value": 3})
UNKNOWN = Reason(code="x.unknown", ok=False, unknown=True, message_zh="未知", message_en="unknown")


def test_detail_is_a_read_only_copy() -> None:
    source = {"value": 1}
    reason = Reason(code="x", ok=True, message_zh="", message_en="", detail=source)
    source["value"] = 2
    assert reason.detail["value"] == 1
    with pytest.raises(TypeError):
        reason.detail["value"] = 3  # type: ignore[index]
    with pytest.raises(FrozenInstanceError):
        reason.ok = False  # type: ignore[misc]


def test_reasons_are_hashable_and_compare_by_detail() -> None:
    other_detail = Reason(code="x.bad", ok=False, message_zh="坏", message_en="broken", detail={"value": 4})
    same = Reason(code="x.bad", ok=False, message_zh="坏", message_en="broken", detail={"value": 3})
    assert hash(BAD) == hash(other_detail)
    assert other_detail != BAD
    assert same == BAD
    assert {BAD, same} == {BAD}


def test_reason_invariants() -> None:
    with pytest.raises(ValueError):
        Reason(code="", ok=True, message_zh="", message_en="")
    with pytest.raises(ValueError):
        Reason(code="x", ok=True, unknown=True, message_zh="", message_en="")


def test_verdict_passed_must_agree_with_its_reasons() -> None:
    with pytest.raises(ValueError):
        Verdict(passed=True, rule_set="r", reasons=(OK, BAD))
    with pytest.raises(ValueError):
        Verdict(passed=False, rule_set="r", reasons=(OK,))
    with pytest.raises(ValueError):
        Verdict(passed=False, rule_set="r", reasons=())
    assert Verdict(passed=True, rule_set="r", reasons=()).outcome is Outcome.PASS


def test_outcome_and_problems() -> None:
    assert Verdict(passed=True, rule_set="r", reasons=(OK,)).outcome is Outcome.PASS
    unknown = Verdict(passed=False, rule_set="r", reasons=(OK, UNKNOWN))
    assert unknown.outcome is Outcome.UNKNOWN
    failed = Verdict(passed=False, rule_set="r", reasons=(UNKNOWN, OK, BAD))
    assert failed.outcome is Outcome.FAIL
    assert failed.problems == (UNKNOWN, BAD)
    assert failed.codes == ("x.unknown", "x.ok", "x.bad")
    assert failed.reason("x.bad") is BAD
    with pytest.raises(KeyError):
        failed.reason("x.none")


def test_invalid_input_carries_every_reason() -> None:
    error = InvalidInput([BAD, UNKNOWN])
    assert error.reasons == (BAD, UNKNOWN)
    assert "x.bad" in str(error) and "x.unknown" in str(error)


@dataclass(frozen=True)
class _Set:
    name: str
    effective_from: date
    effective_to: date | None = None


SETS = (_Set("b", date(2020, 1, 1)), _Set("a", date(2010, 1, 1)), _Set("c", date(2030, 1, 1), date(2030, 12, 31)))


@pytest.mark.parametrize(
    ("on", "name"),
    [(date(2010, 1, 1), "a"), (date(2019, 12, 31), "a"), (date(2020, 1, 1), "b"), (date(2029, 12, 31), "b"),
     (date(2030, 12, 31), "c")],
)
def test_select_in_force(on: date, name: str) -> None:
    assert select_in_force(SETS, on, "demo").name == name


@pytest.mark.parametrize("on", [date(2009, 12, 31), date(2031, 1, 1)])
def test_select_in_force_outside(on: date) -> None:
    with pytest.raises(NoRuleSetInForce) as caught:
        select_in_force(SETS, on, "demo")
    assert caught.value.family == "demo" and caught.value.on == on


def test_select_by_name() -> None:
    assert select_by_name(SETS, "b").effective_from == date(2020, 1, 1)
    with pytest.raises(KeyError):
        select_by_name(SETS, "z")
