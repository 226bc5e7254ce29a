"""techfin.domain.policy: the shipped pool policies, their loader, and filing validation."""

from __future__ import annotations

import json
import random
from dataclasses import FrozenInstanceError, replace
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techfin.domain import uscc
from techfin.domain.eligibility import (
    DISHONEST_DEBTOR,
    ELIGIBILITY_RULE_SETS,
    HIGH_TECH,
    EnterpriseSnapshot,
    Qualification,
    RiskEvent,
    pool_eligibility,
    rules_in_force,
)
from techfin.domain.lpr import load_lpr_table
from techfin.domain.policy import (
    CapBasis,
    CompensationMode,
    FilingContext,
    FilingInput,
    FilingReason,
    FilingVerdict,
    GuaranteeType,
    PolicyBook,
    PolicyDataError,
    Severity,
    TierMethod,
    add_months,
    cap_period,
    compensation_mode_from_label,
    guarantee_type_from_label,
    load_shipped_overlays,
    load_shipped_policies,
    overlay_in_force,
    parse_policy_data,
    policy_in_force,
    shipped_book,
    validate_filing,
)
from techfin.domain.size_class import SizeClass
from techfin.domain.versioning import NoRuleSetInForce, select_by_name

WAN = Decimal(10000)
POLICIES = load_shipped_policies()
OVERLAYS = load_shipped_overlays()
BOOK = shipped_book()
P2015, P2019, P2021, P2025 = (select_by_name(POLICIES, name) for name in (
    "gz-techpool-2015", "gz-techpool-2019", "gz-techpool-2021", "gz-credit-risk-comp-2025"))
RAW_DATA = resources.files("techfin.domain.data").joinpath("pool_policies.json").read_text(encoding="utf-8")


# --- the shipped history -----------------------------------------------------------------------


def test_the_guangzhou_history_is_shipped_in_order() -> None:
    assert [p.name for p in POLICIES] == [
        "gz-techpool-2015", "gz-techpool-2019", "gz-techpool-2021", "gz-credit-risk-comp-2025"]
    assert [(p.enterprise_cap, p.max_term_months) for p in (P2015, P2019, P2021)] == [
        (2000 * WAN, 24), (3000 * WAN, 36), (3000 * WAN, 36)]
    assert all(p.cap_basis is CapBasis.YEARLY_FILED_TOTAL for p in POLICIES)
    assert P2019.annual_budget == P2021.annual_budget == Decimal("200000000.00")


def test_documents_are_cited() -> None:
    assert P2021.document.number == "穗科规字〔2021〕2号"
    assert P2021.document.issuer == "广州市科学技术局"
    assert P2021.effective_from == date(2021, 7, 1)
    assert P2025.document.number == "穗金管规字〔2025〕1号"
    assert P2025.document.issuer == "广州市地方金融管理局"
    assert P2025.document.issued_on == date(2025, 9, 18)
    assert (P2025.effective_from, P2025.effective_to) == (date(2025, 10, 1), date(2028, 9, 30))
    assert P2025.cite("第三条") == "《广州市信贷风险补偿机制管理办法》(穗金管规字〔2025〕1号) 第三条"
    assert P2015.cite() == "《广州市科技型中小企业信贷风险补偿资金池管理办法》(文号未确认)"
    assert all(p.document.source for p in POLICIES)


def test_policies_line_up_with_the_eligibility_rule_sets() -> None:
    assert [(p.name, p.effective_from) for p in POLICIES] == [
        (r.name, r.effective_from) for r in ELIGIBILITY_RULE_SETS]


def test_versions_follow_each_other_without_gap_or_overlap() -> None:
    for earlier, later in zip(POLICIES, POLICIES[1:], strict=False):
        assert earlier.effective_to == later.effective_from - timedelta(days=1)


def test_2025_modes_tiers_add_ons_budget_and_stop_lines() -> None:
    bank, guarantor = P2025.mode_rule("bank"), P2025.mode_rule("guarantor")
    assert bank is not None and guarantor is not None
    assert bank.guarantee_types == {GuaranteeType.CREDIT, GuaranteeType.IP_PLEDGE, GuaranteeType.RECEIVABLES_PLEDGE,
                                    GuaranteeType.ENVIRONMENTAL_RIGHTS, GuaranteeType.GUARANTEE_INSURANCE}
    assert bank.tiers is not None and bank.tiers.method is TierMethod.WHOLE_LOAN and bank.tiers.upper_inclusive
    assert [(b.up_to, b.rate) for b in bank.tiers.bands] == [
        (500 * WAN, 40), (1500 * WAN, 30), (3000 * WAN, 20)]
    assert [(a.points, a.when) for a in bank.add_ons] == [
        (15, {"key_support", "ip_pledge"}), (5, {"policy_tool"})]
    assert bank.rate_cap == 50 and bank.supports_policy_tool
    assert guarantor.base_rate == 20 and not guarantor.supports_policy_tool
    assert P2025.annual_budget == 150000 * WAN and guarantor.annual_budget_cap == 5000 * WAN
    assert bank.stop_line is not None and bank.stop_line.threshold_percent == 3
    assert guarantor.stop_line is not None and guarantor.stop_line.metric.value == "guarantor_payout_rate"
    assert P2025.overlay_article == "第三条" and bank.article == "第二条"


def test_tech_pool_modes() -> None:
    for policy in (P2015, P2019, P2021):
        assert policy.mode_names == ("bank",)
        rule = policy.mode_rule("bank")
        assert rule is not None and rule.base_rate == 50 and rule.balance_cap_rate == 50
        assert rule.guarantee_types == set(GuaranteeType)
        assert not rule.supports_policy_tool
    assert [p.mode_rule("bank").third_party_max_share for p in (P2015, P2019, P2021)] == [  # type: ignore[union-attr]
        None, None, 50]


@pytest.mark.parametrize("path", [
    "filing_deadline_days", "rate_ceiling_spread", "status_report_day",
    "modes.bank.claim.min_overdue_days", "modes.bank.claim.claim_window_days",
    "modes.bank.claim.required_documents",
])
def test_unconfirmed_values_are_marked_in_every_policy(path: str) -> None:
    for policy in POLICIES:
        note = policy.note(path)
        assert note is not None and note.status == "U" and note.note, (policy.name, path)


def test_unconfirmed_defaults() -> None:
    assert {p.filing_deadline_days for p in POLICIES} == {90}
    assert {p.rate_ceiling_spread for p in POLICIES} == {None}
    assert {p.status_report_day for p in POLICIES} == {10}
    claims = [rule.claim for p in POLICIES for rule in p.modes]
    assert {(c.min_overdue_days, c.claim_window_days) for c in claims} == {(90, 365)}
    for path in ("modes.bank.tiers.method", "modes.bank.tiers.upper_inclusive", "enterprise_cap", "cap_basis",
                 "max_term_months", "modes.guarantor.guarantee_types", "modes.bank.third_party_max_share"):
        assert P2025.note(path) is not None, path
    assert P2025.note("effective_from") is None  # confirmed
    assert P2021.note("enterprise_cap") is None
    assert P2021.note("effective_from") is not None


def test_the_data_file_marks_every_unconfirmed_value_with_a_note() -> None:
    def walk(node: Any) -> int:
        marked = 0
        if isinstance(node, dict):
            if "status" in node and "value" in node:
                assert node["status"] in {"U", "S-weak"} and node["note"].strip()
                marked += 1
            marked += sum(walk(v) for v in node.values())
        elif isinstance(node, list):
            marked += sum(walk(v) for v in node)
        return marked
    total = walk(json.loads(RAW_DATA))
    assert total == sum(len(p.provenance) for p in POLICIES) + sum(len(o.provenance) for o in OVERLAYS)


def test_overlays() -> None:
    huangpu, nansha = OVERLAYS
    assert (huangpu.district_code, huangpu.add_rate, huangpu.public_total_cap) == ("440112", 40, 90)
    assert (nansha.district_code, nansha.add_rate, nansha.public_total_cap) == ("440115", 25, 75)
    assert (huangpu.fund_size, nansha.fund_size) == (2000 * WAN, 6000 * WAN)
    assert huangpu.payer == "district_pool:440112"
    assert overlay_in_force(OVERLAYS, "440112", date(2022, 1, 1)) is huangpu
    assert overlay_in_force(OVERLAYS, "440112", date(2019, 12, 31)) is None
    assert overlay_in_force(OVERLAYS, "440115", date(2026, 1, 1)) is nansha
    assert overlay_in_force(OVERLAYS, "440106", date(2026, 1, 1)) is None
    assert overlay_in_force(OVERLAYS, None, date(2026, 1, 1)) is None


@pytest.mark.parametrize(("on", "name"), [
    (date(2015, 1, 1), "gz-techpool-2015"), (date(2018, 12, 31), "gz-techpool-2015"),
    (date(2019, 1, 1), "gz-techpool-2019"), (date(2021, 6, 30), "gz-techpool-2019"),
    (date(2021, 7, 1), "gz-techpool-2021"), (date(2025, 9, 30), "gz-techpool-2021"),
    (date(2025, 10, 1), "gz-credit-risk-comp-2025"), (date(2028, 9, 30), "gz-credit-risk-comp-2025"),
])
def test_policy_in_force(on: date, name: str) -> None:
    assert policy_in_force(POLICIES, on).name == name
    assert BOOK.in_force(on).name == name


@pytest.mark.parametrize("on", [date(2014, 12, 31), date(2028, 10, 1)])
def test_no_policy_outside_the_history(on: date) -> None:
    with pytest.raises(NoRuleSetInForce):
        policy_in_force(POLICIES, on)
    with pytest.raises(NoRuleSetInForce):
        BOOK.in_force(on)
    assert BOOK.find(on) is None


@given(st.dates(min_value=date(2010, 1, 1), max_value=date(2032, 12, 31)))
def test_the_book_agrees_with_select_in_force(on: date) -> None:
    try:
        expected: str | None = policy_in_force(POLICIES, on).name
    except NoRuleSetInForce:
        expected = None
    found = BOOK.find(on)
    assert (found.name if found else None) == expected


def test_the_book_rejects_two_versions_starting_the_same_day() -> None:
    with pytest.raises(ValueError):
        PolicyBook((P2021, replace(P2025, effective_from=P2021.effective_from)))


def test_policies_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        P2021.enterprise_cap = Decimal(1)  # type: ignore[misc]


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2024, 3, 1), 36, date(2027, 3, 1)), (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)), (date(2024, 11, 30), 2, date(2025, 1, 30)),
    (date(2024, 12, 31), 0, date(2024, 12, 31)),
])
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_cap_period() -> None:
    assert cap_period(P2021, date(2023, 5, 6)) == (date(2023, 1, 1), date(2023, 12, 31))
    outstanding = replace(P2021, cap_basis=CapBasis.OUTSTANDING)
    assert cap_period(outstanding, date(2023, 5, 6)) == (date(2023, 5, 6), date(2023, 5, 6))


def test_labels() -> None:
    assert guarantee_type_from_label("知识产权质押") is GuaranteeType.IP_PLEDGE
    assert guarantee_type_from_label(" 信用 ") is GuaranteeType.CREDIT
    assert guarantee_type_from_label("纯信用") is GuaranteeType.CREDIT
    assert guarantee_type_from_label("mortgage") is GuaranteeType.MORTGAGE
    assert guarantee_type_from_label("房产") is None
    assert compensation_mode_from_label("") is CompensationMode.BANK
    assert compensation_mode_from_label("政担") is CompensationMode.GUARANTOR
    assert compensation_mode_from_label("政府") is None
    assert GuaranteeType.RECEIVABLES_PLEDGE.label_zh == "应收账款质押"


# --- the loader --------------------------------------------------------------------------------


def _data() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(RAW_DATA)
    return result


def _expect_error(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(PolicyDataError) as caught:
        parse_policy_data(json.dumps(data, ensure_ascii=False))
    assert caught.value.code == "policy.data_invalid"
    assert fragment in str(caught.value)


def test_the_loader_reads_its_own_output_shape() -> None:
    policies, overlays = parse_policy_data(RAW_DATA)
    assert policies == POLICIES and overlays == OVERLAYS


def test_loader_rejects_unknown_keys() -> None:
    data = _data()
    data["policies"][2]["filing_deadline"] = 30
    _expect_error(data, "policies[gz-techpool-2021]: unknown keys ['filing_deadline']")


def test_loader_rejects_a_marked_value_without_a_note() -> None:
    data = _data()
    data["policies"][0]["filing_deadline_days"] = {"value": 90, "status": "U"}
    _expect_error(data, "filing_deadline_days: a marked value needs")


@pytest.mark.parametrize(("key", "value", "fragment"), [
    ("enterprise_cap_wan", "abc", "not a decimal"),
    ("enterprise_cap_wan", 3000, "decimals are written as strings"),
    ("cap_basis", "monthly", "is not one of"),
    ("max_term_months", -1, "non-negative integer"),
    ("effective_from", "2021-13-01", "not an ISO date"),
    ("status_report_day", 31, "must be 1-28"),
    ("effective_to", "2020-01-01", "effective_to before effective_from"),
])
def test_loader_rejects_bad_values(key: str, value: object, fragment: str) -> None:
    data = _data()
    data["policies"][2][key] = value
    _expect_error(data, fragment)


def test_loader_rejects_bad_tiers_and_rates() -> None:
    data = _data()
    bands = data["policies"][3]["modes"][0]["tiers"]["bands"]
    bands[0], bands[1] = bands[1], bands[0]
    _expect_error(data, "strictly increasing")
    data = _data()
    data["policies"][3]["modes"][0]["rate_cap"] = "150"
    _expect_error(data, "a percentage above 100")
    data = _data()
    data["policies"][3]["modes"][0]["add_ons"][0]["when"] = ["vip"]
    _expect_error(data, "conditions must be among")
    data = _data()
    data["policies"][3]["modes"][0]["base_rate"] = "40"
    _expect_error(data, "exactly one of base_rate and tiers")


def test_loader_rejects_duplicates_and_shared_start_dates() -> None:
    data = _data()
    data["policies"][1]["name"] = "gz-techpool-2015"
    _expect_error(data, "unique")
    data = _data()
    data["policies"][1]["effective_from"] = data["policies"][0]["effective_from"]
    _expect_error(data, "distinct start dates")
    data = _data()
    data["policies"][3]["modes"][1]["mode"] = "bank"
    _expect_error(data, "one rule per mode")


def test_loader_rejects_unknown_documents_and_format() -> None:
    data = _data()
    data["policies"][0]["modes"][0]["claim"]["required_documents"] = {"value": ["selfie"], "status": "U", "note": "x"}
    _expect_error(data, "unknown kinds ['selfie']")
    data = _data()
    data["format"] = 2
    _expect_error(data, "format")
    _expect_error_text("{not json", "not JSON")


def _expect_error_text(text: str, fragment: str) -> None:
    with pytest.raises(PolicyDataError, match=fragment):
        parse_policy_data(text)


# --- filing validation ---------------------------------------------------------------------------

TIANHE = uscc.generate(random.Random(11), region="440106")
SNAPSHOT = EnterpriseSnapshot(uscc=TIANHE, size_class=SizeClass.SMALL,
                              qualifications=(Qualification(HIGH_TECH, date(2015, 1, 1), None),))
NAME = "广州天河示例科技有限公司"
D0 = date(2024, 3, 1)
TODAY = date(2024, 4, 1)

ROW = FilingInput(
    contract_no="ICBC-2024-001", uscc=TIANHE, enterprise_name=NAME, credit_amount=Decimal("5000000.00"),
    loan_amount=Decimal("4000000.00"), disbursed_on=D0, maturity_on=date(2025, 3, 1),
    annual_rate=Decimal("3.65"), guarantee_type="credit",
)


def ctx_for(row: FilingInput, snapshot: EnterpriseSnapshot = SNAPSHOT, **changes: Any) -> FilingContext:
    on = row.disbursed_on or D0
    values: dict[str, Any] = {
        "book": BOOK, "today": TODAY, "filed_on": TODAY, "bank_status": "active",
        "enterprise_total": Decimal("0.00"), "registered_name": NAME, "lpr": load_lpr_table(),
    }
    values.update(changes)
    if "eligibility" not in values:
        values["eligibility"] = pool_eligibility(snapshot, on, rules_in_force(on))
    return FilingContext(**values)


def check(row: FilingInput = ROW, snapshot: EnterpriseSnapshot = SNAPSHOT, **changes: Any) -> FilingVerdict:
    return validate_filing(row, ctx_for(row, snapshot, **changes))


def codes(verdict: FilingVerdict) -> list[str]:
    return list(verdict.codes)


def test_a_clean_filing() -> None:
    verdict = check()
    assert verdict.problems == () and verdict.accepted and not verdict.needs_review
    assert verdict.status == "clean" and verdict.rule_set == "gz-techpool-2021"


def test_clean_verdicts_are_shared_and_immutable() -> None:
    assert check() is check()
    with pytest.raises(FrozenInstanceError):
        check().problems = ()  # type: ignore[misc]


@pytest.mark.parametrize(("changes", "code", "column"), [
    ({"credit_amount": Decimal("0.00"), "loan_amount": Decimal("1.00")}, "filing.credit_amount_positive",
     "credit_amount"),
    ({"loan_amount": Decimal("-1.00")}, "filing.loan_amount_positive", "loan_amount"),
    ({"loan_amount": Decimal("5000000.01")}, "filing.loan_exceeds_credit", "loan_amount"),
    ({"disbursed_on": date(2024, 4, 2), "maturity_on": date(2025, 4, 2)}, "filing.disbursed_in_future",
     "disbursed_on"),
    ({"maturity_on": D0}, "filing.maturity_before_disbursement", "maturity_on"),
    ({"maturity_on": date(2027, 3, 2)}, "filing.term_too_long", "maturity_on"),
    ({"annual_rate": Decimal("0")}, "filing.rate_positive", "annual_rate"),
    ({"guarantee_type": "house"}, "filing.guarantee_type_unknown", "guarantee_type"),
    ({"compensation_mode": "guarantor", "third_party": "广州融资担保"}, "filing.compensation_mode_not_allowed",
     "compensation_mode"),
    ({"compensation_mode": "government"}, "filing.compensation_mode_unknown", "compensation_mode"),
    ({"policy_tool": True}, "filing.policy_tool_not_allowed", "policy_tool"),
    ({"third_party_share": Decimal("20")}, "filing.third_party_share_without_party", "third_party_share"),
    ({"third_party": "人保财险广州", "third_party_share": Decimal("50.01")}, "filing.third_party_share_range",
     "third_party_share"),
    ({"third_party": "人保财险广州", "third_party_share": Decimal("-1")}, "filing.third_party_share_range",
     "third_party_share"),
    ({"third_party": "人保财险广州"}, "filing.third_party_share_missing", "third_party_share"),
    ({"contract_no": "  "}, "filing.required", "contract_no"),
    ({"annual_rate": None}, "filing.required", "annual_rate"),
])
def test_each_rule(changes: dict[str, Any], code: str, column: str) -> None:
    verdict = check(replace(ROW, **changes))
    assert codes(verdict) == [code]
    problem = verdict.problems[0]
    assert problem.column == column and problem.severity is Severity.ERROR and not problem.ok
    assert problem.message_zh and problem.message_en
    assert verdict.status == "rejected" and not verdict.accepted


def test_the_term_limit_is_inclusive_and_versioned() -> None:
    assert check(replace(ROW, maturity_on=date(2027, 3, 1))).problems == ()  # exactly 36 months
    old = replace(ROW, disbursed_on=date(2018, 5, 31), maturity_on=date(2020, 5, 31))  # exactly 24 months
    assert check(old, filed_on=date(2018, 6, 1), today=date(2018, 6, 1)).problems == ()
    too_long = replace(old, maturity_on=date(2020, 6, 1))
    verdict = check(too_long, filed_on=date(2018, 6, 1), today=date(2018, 6, 1))
    assert codes(verdict) == ["filing.term_too_long"]
    assert verdict.problems[0].detail["max_term_months"] == 24
    assert verdict.rule_set == "gz-techpool-2015"


def test_missing_values_are_reported_and_their_rules_skipped() -> None:
    row = FilingInput(contract_no="", uscc=TIANHE, enterprise_name=None, credit_amount=None, loan_amount=None,
                      disbursed_on=None, maturity_on=None, annual_rate=None, guarantee_type=None)
    verdict = validate_filing(row, ctx_for(row))
    assert codes(verdict) == ["filing.required"] * 7
    assert [p.column for p in verdict.problems] == [
        "contract_no", "credit_amount", "loan_amount", "disbursed_on", "maturity_on", "annual_rate",
        "guarantee_type"]
    assert verdict.rule_set is None


def test_every_problem_at_once() -> None:
    row = replace(ROW, credit_amount=Decimal("3000000.00"), maturity_on=date(2028, 1, 1),
                  annual_rate=Decimal("-1"), policy_tool=True, third_party_share=Decimal("60"),
                  enterprise_name="广州天河示例科技公司")
    snapshot = replace(SNAPSHOT, risk_events=(RiskEvent(DISHONEST_DEBTOR, date(2023, 1, 1), None),))
    verdict = validate_filing(row, ctx_for(row, snapshot, bank_status="suspended", filed_on=date(2024, 6, 30),
                                           today=date(2024, 6, 30),
                                           enterprise_total=Decimal("27000000.00")))
    assert codes(verdict) == [
        "filing.loan_exceeds_credit", "filing.term_too_long", "filing.rate_positive",
        "filing.third_party_share_without_party", "filing.third_party_share_range",
        "filing.policy_tool_not_allowed", "filing.filed_late", "eligibility.risk.dishonest_debtor",
        "filing.enterprise_cap_exceeded", "filing.bank_not_active", "filing.enterprise_name_mismatch",
    ]
    assert [p.code for p in verdict.warnings] == ["filing.enterprise_name_mismatch"]
    assert len(verdict.errors) == 10


def test_filing_deadline() -> None:
    ninety = D0 + timedelta(days=90)
    assert check(filed_on=ninety, today=ninety).problems == ()
    late = check(filed_on=ninety + timedelta(days=1), today=ninety + timedelta(days=1))
    assert codes(late) == ["filing.filed_late"]
    assert late.problems[0].detail["days"] == 91
    longer = replace(P2021, filing_deadline_days=180)
    book = PolicyBook((P2015, P2019, longer, P2025))
    assert check(filed_on=ninety + timedelta(days=1), today=ninety + timedelta(days=1), book=book).problems == ()


def test_filed_before_disbursement() -> None:
    verdict = check(filed_on=D0 - timedelta(days=1))
    assert codes(verdict) == ["filing.filed_before_disbursement"]


def test_the_cap_counts_all_banks_and_is_inclusive() -> None:
    at_cap = Decimal("26000000.00")  # + 4,000,000 = exactly 3000万
    assert check(enterprise_total=at_cap).problems == ()
    verdict = check(enterprise_total=at_cap + Decimal("0.01"))
    assert codes(verdict) == ["filing.enterprise_cap_exceeded"]
    problem = verdict.problems[0]
    assert problem.detail["cap"] == Decimal("30000000.00") and problem.column == "loan_amount"
    assert "30,000,000.00" in problem.message_zh and "穗科规字〔2021〕2号" in problem.message_zh
    assert "年度贷款总额" in problem.message_zh and "the enterprise's yearly total filed across all banks" in problem.message_en
    old = replace(ROW, disbursed_on=date(2017, 3, 1), maturity_on=date(2018, 3, 1))
    over_2015 = check(old, filed_on=date(2017, 3, 2), today=date(2017, 3, 2),
                      enterprise_total=Decimal("16000000.01"))
    assert codes(over_2015) == ["filing.enterprise_cap_exceeded"]


def test_unknown_total_is_a_warning() -> None:
    verdict = check(enterprise_total=None)
    assert codes(verdict) == ["filing.enterprise_total_unknown"]
    assert verdict.accepted and verdict.needs_review and verdict.status == "review"
    assert verdict.problems[0].unknown


def test_eligibility_is_folded_in() -> None:
    outside = EnterpriseSnapshot(uscc=uscc.generate(random.Random(3), region="440300"),
                                 qualifications=SNAPSHOT.qualifications)
    verdict = check(replace(ROW, uscc=outside.uscc), outside)
    assert codes(verdict) == ["eligibility.registered_in_city"]
    assert verdict.problems[0].column == "uscc" and verdict.problems[0].severity is Severity.ERROR
    # An undecidable eligibility rule (size unknown under the 2025 rules) is a warning, for review.
    row = replace(ROW, disbursed_on=date(2025, 10, 10), maturity_on=date(2026, 10, 10))
    unknown_size = replace(SNAPSHOT, size_class=None)
    verdict = check(row, unknown_size, filed_on=date(2025, 10, 11), today=date(2025, 10, 11))
    assert codes(verdict) == ["eligibility.size_class"]
    assert verdict.problems[0].severity is Severity.WARNING and verdict.accepted


def test_eligibility_missing_or_from_the_wrong_rule_set() -> None:
    assert codes(check(eligibility=None)) == ["filing.eligibility_missing"]
    wrong = pool_eligibility(SNAPSHOT, D0, select_by_name(ELIGIBILITY_RULE_SETS, "gz-techpool-2019"))
    with pytest.raises(ValueError, match="gz-techpool-2019"):
        check(eligibility=wrong)


def test_enterprise_name_differences_of_form_are_ignored() -> None:
    registered = "广州天河示例（科技）有限公司"
    same = replace(ROW, enterprise_name=" 广州天河示例(科技)有限公司 ")
    assert check(same, registered_name=registered).problems == ()
    assert check(replace(ROW, enterprise_name="广州天河示例科技有限公司"), registered_name=None).problems == ()
    other = check(replace(ROW, enterprise_name="广州海珠示例科技有限公司"))
    assert codes(other) == ["filing.enterprise_name_mismatch"] and other.accepted


@pytest.mark.parametrize("status", ["suspended", "exited"])
def test_bank_must_be_active(status: str) -> None:
    verdict = check(bank_status=status)
    assert codes(verdict) == ["filing.bank_not_active"] and verdict.problems[0].column is None


ROW_2025 = replace(ROW, disbursed_on=date(2025, 10, 15), maturity_on=date(2026, 10, 15))
AFTER_2025 = {"filed_on": date(2025, 10, 20), "today": date(2025, 10, 20)}


def test_2025_rules() -> None:
    assert check(ROW_2025, **AFTER_2025).rule_set == "gz-credit-risk-comp-2025"
    assert check(replace(ROW_2025, policy_tool=True), **AFTER_2025).problems == ()
    mortgage = check(replace(ROW_2025, guarantee_type="mortgage"), **AFTER_2025)
    assert codes(mortgage) == ["filing.guarantee_type_not_allowed"]
    assert "抵押" in mortgage.problems[0].message_zh
    assert check(replace(ROW, guarantee_type="mortgage")).problems == ()  # the tech pool admitted it
    guarantor = replace(ROW_2025, compensation_mode="guarantor", guarantee_type="guarantee", third_party="广州融资担保")
    assert check(guarantor, **AFTER_2025).problems == ()
    assert codes(check(replace(guarantor, third_party=None), **AFTER_2025)) == ["filing.guarantor_missing"]
    assert codes(check(replace(guarantor, guarantee_type="credit"), **AFTER_2025)) == [
        "filing.guarantee_type_not_allowed"]
    assert codes(check(replace(guarantor, policy_tool=True), **AFTER_2025)) == ["filing.policy_tool_not_allowed"]
    assert codes(check(replace(guarantor, third_party_share=Decimal(10)), **AFTER_2025)) == [
        "filing.third_party_share_not_allowed"]
    five_x = replace(ROW_2025, third_party="人保财险广州", third_party_share=Decimal(30))
    assert codes(check(five_x, **AFTER_2025)) == ["filing.third_party_share_not_allowed"]
    # Naming an insurer without a 5+X share is not a problem where 5+X does not exist.
    assert check(replace(ROW_2025, third_party="人保财险广州"), **AFTER_2025).problems == ()


def test_five_plus_x_only_from_the_2021_rules() -> None:
    five_x = replace(ROW, third_party="广州再担保", third_party_share=Decimal(50))
    assert check(five_x).problems == ()
    assert check(replace(five_x, third_party_share=Decimal(0))).problems == ()
    old = replace(five_x, disbursed_on=date(2020, 3, 1), maturity_on=date(2021, 3, 1))
    verdict = check(old, filed_on=date(2020, 3, 5), today=date(2020, 3, 5))
    assert codes(verdict) == ["filing.third_party_share_not_allowed"]


def test_the_policy_is_the_one_in_force_on_the_disbursement_date() -> None:
    # Disbursed under the 2021 rules, filed after 2025-10-01: still the 2021 rules (mortgage fine).
    row = replace(ROW, disbursed_on=date(2025, 9, 30), maturity_on=date(2026, 9, 30), guarantee_type="mortgage")
    verdict = check(row, filed_on=date(2025, 10, 8), today=date(2025, 10, 8))
    assert verdict.problems == () and verdict.rule_set == "gz-techpool-2021"


@pytest.mark.parametrize("day", [date(2014, 6, 1), date(2028, 10, 1)])
def test_no_policy_in_force(day: date) -> None:
    row = replace(ROW, disbursed_on=day, maturity_on=day + timedelta(days=365))
    verdict = validate_filing(row, ctx_for(row, eligibility=None, filed_on=day, today=day))
    assert codes(verdict)[0] == "filing.no_policy" and verdict.rule_set is None


def test_rate_ceiling_when_a_policy_sets_one() -> None:
    capped = replace(P2021, rate_ceiling_spread=Decimal("1.5"))
    book = PolicyBook((P2015, P2019, capped, P2025))
    # 2024-03-01: 1-year LPR 3.45 (since 2023-08-21), ceiling 4.95.
    assert check(replace(ROW, annual_rate=Decimal("4.95")), book=book).problems == ()
    verdict = check(replace(ROW, annual_rate=Decimal("4.96")), book=book)
    assert codes(verdict) == ["filing.rate_above_ceiling"]
    assert verdict.problems[0].detail["ceiling"] == Decimal("4.95")
    assert verdict.problems[0].detail["lpr_1y"] == Decimal("3.45")
    unknown = check(replace(ROW, annual_rate=Decimal("9")), book=book, lpr=None)
    assert codes(unknown) == ["filing.rate_ceiling_unknown"] and unknown.accepted
    # Before the reformed LPR (2019-08-20) the ceiling cannot be checked.
    capped_2019 = replace(P2019, rate_ceiling_spread=Decimal("1.5"))
    early = replace(ROW, disbursed_on=date(2019, 6, 1), maturity_on=date(2020, 6, 1))
    verdict = check(early, book=PolicyBook((P2015, capped_2019, P2021, P2025)), filed_on=date(2019, 6, 2),
                    today=date(2019, 6, 2))
    assert codes(verdict) == ["filing.rate_ceiling_unknown"]


def test_without_a_ceiling_an_implausible_rate_waits_for_review() -> None:
    # No rule set confirms a ceiling; ROW is disbursed 2024-03-01, 1-year LPR 3.45, four times 13.80.
    assert check(replace(ROW, annual_rate=Decimal("13.80"))).problems == ()
    assert check(replace(ROW, annual_rate=Decimal("1"))).problems == ()
    high = check(replace(ROW, annual_rate=Decimal("13.81")))
    assert codes(high) == ["filing.rate_above_four_lpr"] and high.accepted and high.warnings
    assert high.problems[0].detail["line"] == Decimal("13.80")
    assert "法释〔2020〕17号" in high.problems[0].message_zh
    fraction = check(replace(ROW, annual_rate=Decimal("0.035")))
    assert codes(fraction) == ["filing.rate_looks_like_fraction"] and fraction.accepted
    assert "0.035" in fraction.problems[0].message_en
    # Before the reformed LPR only the fraction is caught.
    early = replace(ROW, disbursed_on=date(2016, 6, 1), maturity_on=date(2017, 6, 1), annual_rate=Decimal("30"))
    assert "filing.rate_above_four_lpr" not in codes(check(early, filed_on=date(2016, 6, 2), today=date(2016, 6, 2)))


def test_inputs_are_not_changed() -> None:
    row = replace(ROW, loan_amount=Decimal("6000000.00"))
    ctx = ctx_for(row)
    before = (repr(row), repr(ctx))
    validate_filing(row, ctx)
    assert (repr(row), repr(ctx)) == before
    with pytest.raises(FrozenInstanceError):
        row.loan_amount = Decimal(1)  # type: ignore[misc]


@given(
    credit=st.decimals(min_value=-10, max_value=40_000_000, places=2),
    loan=st.decimals(min_value=-10, max_value=40_000_000, places=2),
    days=st.integers(min_value=-400, max_value=1500),
    term=st.integers(min_value=-30, max_value=1500),
    total=st.decimals(min_value=0, max_value=40_000_000, places=2),
)
def test_validation_never_raises_and_reports_only_known_codes(credit: Decimal, loan: Decimal, days: int, term: int,
                                                              total: Decimal) -> None:
    disbursed = date(2024, 6, 1) + timedelta(days=days)
    row = replace(ROW, credit_amount=credit, loan_amount=loan, disbursed_on=disbursed,
                  maturity_on=disbursed + timedelta(days=term))
    verdict = validate_filing(row, ctx_for(row, today=date(2025, 1, 1), filed_on=date(2025, 1, 1),
                                           enterprise_total=total))
    assert all(p.code.startswith(("filing.", "eligibility.")) for p in verdict.problems)
    assert verdict.accepted == (not verdict.errors)
    cap_hit = "filing.enterprise_cap_exceeded" in verdict.codes
    assert cap_hit == (loan > 0 and total + loan > Decimal("30000000.00"))


def test_a_filing_reason_is_always_a_problem() -> None:
    with pytest.raises(ValueError):
        FilingReason(code="filing.x", ok=True, message_zh="", message_en="")
    reason = FilingReason(code="filing.x", ok=False, message_zh="", message_en="", severity=Severity.WARNING)
    assert reason.failed and reason.column is None
