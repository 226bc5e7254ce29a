"""Budgets, the queue and rounds: approval reserves, payment consumes, rejection or cancellation
releases; a claim the year's budget cannot cover waits in approval order for the next budget."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from techfin.compensation import rounds, services
from techfin.compensation.models import ClaimStatus
from techfin.ledger.checks import run_checks
from techfin.ledger.models import Account
from tests.compensation.conftest import D, bad_loan, fund, recommended
from tests.conftest import World

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


def _ok() -> None:
    assert [p.message for r in run_checks() for p in r.problems] == []


def test_short_budget_queues_in_approval_order_and_next_budget_serves(world: World, tianhe: object) -> None:
    fund(world, 2026, "1000.00")
    supervisor = world.users["supervisor"]
    first = recommended(world, bad_loan(world, tianhe), "1600.00")  # city 800.00
    second = recommended(world, bad_loan(world, tianhe), "1000.00")  # city 500.00
    third = recommended(world, bad_loan(world, tianhe), "200.00")  # city 100.00
    first = services.claim_approve(actor=supervisor, claim=first, on=MARCH)
    second = services.claim_approve(actor=supervisor, claim=second, on=MARCH)
    third = services.claim_approve(actor=supervisor, claim=third, on=MARCH)
    assert first.status == ClaimStatus.APPROVED
    assert second.status == ClaimStatus.QUEUED and second.queue_reason["code"] == "insufficient_funds"
    assert second.queue_reason["shortfall"] == "300.00" and "CITY-2026" in second.queue_reason["message_en"]
    # The third would fit (100 ≤ 200 left) but may not jump the queue.
    assert third.status == ClaimStatus.QUEUED and third.queue_reason["code"] == "behind_queue"
    assert (second.queue_position, third.queue_position) == (second.approval_no, third.approval_no)
    assert services.queued_ahead(third) == 1
    assert Account.objects.get(code="CITY-2026").available == D("200.00")
    # The 2027 budget arrives: the queue is served in order from it.
    fund(world, 2027, "550.00")
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, second.budget_year, second.queue_position) == (ClaimStatus.APPROVED, 2027, None)
    assert third.status == ClaimStatus.QUEUED and third.queue_reason["code"] == "insufficient_funds"
    # Releasing 2026 money (a cancellation) serves the rest of the queue from 2026.
    services.claim_cancel(actor=world.users["manager"], claim=first, reason="银行已追回", on=MARCH)
    third.refresh_from_db()
    assert (third.status, third.budget_year) == (ClaimStatus.APPROVED, 2026)
    assert Account.objects.get(code="CITY-2026").available == D("900.00")
    _ok()


def test_a_claim_waits_only_for_the_budget_it_lacks(world: World, tianhe: object) -> None:
    fund(world, 2026, "10000.00")
    supervisor = world.users["supervisor"]
    huangpu = recommended(world, bad_loan(world, world.ent_huangpu), "1000.00")  # district 400 → unfunded
    city_only = recommended(world, bad_loan(world, tianhe), "1000.00")
    second_huangpu = recommended(world, bad_loan(world, world.ent_huangpu), "10.00")
    huangpu = services.claim_approve(actor=supervisor, claim=huangpu, on=MARCH)
    assert huangpu.status == ClaimStatus.QUEUED and huangpu.queue_reason["payers"] == ["district_pool:440112"]
    # The city's budget is not what the first claim lacks: a city-only claim goes ahead …
    assert services.claim_approve(actor=supervisor, claim=city_only, on=MARCH).status == ClaimStatus.APPROVED
    # … but a later Huangpu claim waits behind it for Huangpu's budget.
    second_huangpu = services.claim_approve(actor=supervisor, claim=second_huangpu, on=MARCH)
    assert second_huangpu.status == ClaimStatus.QUEUED and second_huangpu.queue_reason["code"] == "behind_queue"
    fund(world, 2026, "100.00", world.d_huangpu)  # still short for the first; the second (4.00) must wait
    huangpu.refresh_from_db()
    second_huangpu.refresh_from_db()
    assert huangpu.status == second_huangpu.status == ClaimStatus.QUEUED
    assert "DIST-440112-2026" in huangpu.queue_reason["message_en"]
    fund(world, 2026, "304.00", world.d_huangpu)
    huangpu.refresh_from_db()
    second_huangpu.refresh_from_db()
    assert (huangpu.status, second_huangpu.status) == (ClaimStatus.APPROVED, ClaimStatus.APPROVED)
    assert Account.objects.get(code="DIST-440112-2026").available == D("0.00")
    _ok()


def test_rejecting_a_queued_claim_leaves_the_ledger_untouched(world: World, tianhe: object) -> None:
    claim = recommended(world, bad_loan(world, tianhe), "1000.00")
    claim = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH)
    assert claim.status == ClaimStatus.QUEUED
    claim = services.claim_reject(actor=world.users["supervisor"], claim=claim, reason="超过申请时限")
    assert claim.status == ClaimStatus.REJECTED and claim.queue_position is None and claim.reservation_key == ""
    _ok()


def test_city_budget_cannot_exceed_the_policy_yearly_budget(world: World) -> None:
    fund(world, 2024, "200000000.00")  # the tech pool's 2亿元
    with pytest.raises(ValidationError):
        fund(world, 2024, "0.01")
    fund(world, 2026, "1500000000.00")  # 穗金管规字〔2025〕1号: 15亿元
    with pytest.raises(ValidationError):
        fund(world, 2026, "1.00")
    assert services.annual_budget_cap(2025) == D("1500000000.00")


def test_guarantor_mode_yearly_cap_from_the_policy_data(world: World) -> None:
    from techfin.filings.policies import policy_revise, shipped_policy_text

    data = json.loads(shipped_policy_text())
    modes = next(p for p in data["policies"] if p["name"] == "gz-credit-risk-comp-2025")["modes"]
    next(m for m in modes if m["mode"] == "guarantor")["annual_budget_cap_wan"] = "3"  # 30,000 yuan
    # The cap alone: no stop line (this guarantor released no guarantee, so any payout crosses it).
    next(m for m in modes if m["mode"] == "guarantor")["stop_line"] = None
    policy_revise(actor=None, data=json.dumps(data, ensure_ascii=False), note="测试：政担年度上限3万元")
    fund(world, 2026, "1000000.00")

    def guarantor_claim(loss: str) -> object:
        loan = bad_loan(world, world.ent_nansha, amount="500000.00", disbursed=dt.date(2025, 11, 3),
                        rule_set="gz-credit-risk-comp-2025", mode="guarantor", guarantee="guarantee",
                        third_party=world.third_party)
        return recommended(world, loan, loss)

    first = services.claim_approve(actor=world.users["supervisor"], claim=guarantor_claim("100000.00"), on=MARCH)
    second = services.claim_approve(actor=world.users["supervisor"], claim=guarantor_claim("60000.00"), on=MARCH)
    assert first.status == ClaimStatus.APPROVED  # city 20,000
    assert second.status == ClaimStatus.QUEUED and second.queue_reason["code"] == "guarantor_cap"  # +12,000 > 30,000
    assert "政担模式年度上限30,000.00元" in second.queue_reason["message_zh"]
    first = services.claim_pay(actor=world.users["manager"], claim=first, paid_on=MARCH, reference="P1")
    assert Account.objects.get(code="TP-GZGC").posted_credits == D("20000.00")  # paid to the guarantor
    # Next year's budget has its own cap: the queue is served from 2027.
    fund(world, 2027, "1000000.00")
    second.refresh_from_db()
    assert (second.status, second.budget_year) == (ClaimStatus.APPROVED, 2027)
    _ok()


def test_round_approves_its_claims_together(world: World, tianhe: object) -> None:
    manager, supervisor = world.users["manager"], world.users["supervisor"]
    claim_round = rounds.round_open(actor=manager, year=2025, on=dt.date(2026, 1, 10))
    assert claim_round.budget_year == 2026
    with pytest.raises(ValidationError):
        rounds.round_open(actor=manager, year=2025)
    fund(world, 2026, "900.00")
    fund(world, 2026, "10000.00", world.d_huangpu)
    a = recommended(world, bad_loan(world, tianhe), "1000.00")  # city 500
    b = recommended(world, bad_loan(world, world.ent_huangpu), "1000.00")  # city 500, Huangpu 400
    rounds.round_attach(actor=manager, claim_round=claim_round, claims=[a, b])
    totals = rounds.round_totals(claim_round)
    assert (totals.claims, totals.loss, totals.public) == (2, D("2000.00"), D("1400.00"))
    assert totals.by_payer == {"city_pool": D("1000.00"), "district_pool:440112": D("400.00")}
    claim_round = rounds.round_approve(actor=supervisor, claim_round=claim_round, on=dt.date(2026, 2, 1))
    a.refresh_from_db()
    b.refresh_from_db()
    assert claim_round.status == "decided"
    assert (a.status, a.budget_year) == (ClaimStatus.APPROVED, 2026)
    assert b.status == ClaimStatus.QUEUED  # the city's 400 left cannot cover its 500
    assert rounds.round_approve(actor=supervisor, claim_round=claim_round).status == "decided"  # again: no change
    _ok()


def test_serve_queue_command(world: World, tianhe: object) -> None:
    from io import StringIO

    from django.core.management import call_command

    claim = recommended(world, bad_loan(world, tianhe), "1000.00")
    claim = services.claim_approve(actor=world.users["supervisor"], claim=claim, on=MARCH)
    assert claim.status == ClaimStatus.QUEUED
    from techfin.ledger import services as ledger

    account = ledger.budget_account(actor=None, year=2026)
    ledger.budget_allocate(actor=None, account=account, amount=D("500.00"), year=2026, key="direct-2026")
    out = StringIO()
    call_command("compensation", "serve-queue", "--year", "2026", stdout=out)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and "1 claim(s) served from the 2026 budgets." in out.getvalue()
