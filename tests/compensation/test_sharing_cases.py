"""Loss sharing worked by hand, through the claim service: what is frozen on the claim when it is
submitted. Each case states its arithmetic; amounts are chosen so the fen do not divide evenly."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.compensation.conftest import bad_loan, split_of, submitted
from tests.conftest import World

pytestmark = pytest.mark.django_db
NEW_RULES = dt.date(2025, 11, 3)  # disbursed under 穗金管规字〔2025〕1号


def test_city_only_tie_goes_to_the_city(world: World, tianhe: Any) -> None:
    # 2021 tech pool, 天河 (no overlay): 1,000,000.01 × 50% = 500,000.005 each side; one fen left,
    # equal remainders, the earlier line (the city) takes it. Balance 2,000,000: cap 1,000,000 not binding.
    claim = submitted(world, bad_loan(world, tianhe), "1000000.01")
    assert split_of(claim) == [("city_pool", "500000.01"), ("bank", "500000.00")]
    assert claim.rule_set == "gz-techpool-2021" and claim.overlay == ""
    assert str(claim.public_amount) == "500000.01"
    city = claim.shares.get(position=1)
    assert "穗科规字〔2021〕2号" in city.document and str(city.rate) == "50.000000"


def test_city_only_balance_cap_sends_the_fen_to_the_bank(world: World, tianhe: Any) -> None:
    # Same loss, but the balance at default is the loss itself: the city may bear at most 50% of
    # 1,000,000.01 = 500,000.005, so it cannot round up; the odd fen stays with the bank.
    claim = submitted(world, bad_loan(world, tianhe, balance="1000000.01"), "1000000.01")
    assert split_of(claim) == [("city_pool", "500000.00"), ("bank", "500000.01")]


def test_huangpu_overlay_capped_at_ninety(world: World) -> None:
    # 50 + 40, public total ≤ 90%: 500,000.005 / 400,000.004 / 100,000.001. Largest remainder gives
    # the city the fen (500,000.01), but city + district would then be 900,000.01 > 90% of the loss
    # (900,000.009), so the fen goes to the bank.
    claim = submitted(world, bad_loan(world, world.ent_huangpu), "1000000.01")
    assert split_of(claim) == [("city_pool", "500000.00"), ("district_pool:440112", "400000.00"),
                               ("bank", "100000.01")]
    assert claim.overlay == "gz-huangpu-overlay-2020"
    assert claim.shares.get(position=2).district.code == "440112"


def test_nansha_overlay_capped_at_seventy_five(world: World) -> None:
    # 100.01: 50.005 / 25.0025 / 24.9975 (in fen 5000.5 / 2500.25 / 2499.75; floors 9999, 2 fen left
    # → bank (.75) and city (.5)): 50.01 / 25.00 / 25.00. City + district 75.01 > 75% × 100.01 = 75.0075,
    # so the city's extra fen goes to the bank: 50.00 / 25.00 / 25.01.
    claim = submitted(world, bad_loan(world, world.ent_nansha, amount="1000.00"), "100.01")
    assert split_of(claim) == [("city_pool", "50.00"), ("district_pool:440115", "25.00"), ("bank", "25.01")]


def test_five_plus_x(world: World, tianhe: Any) -> None:
    # 5+X with the guarantor bearing 30% of the loss: 300,000.03 → 150,000.015 / 90,000.009 / 60,000.006.
    # Fen: floors 15000001 / 9000000 / 6000000, 2 left → third party (.9) and bank (.6); the third
    # party may not exceed its agreed 90,000.009 → 90,000.00, its fen to the bank.
    loan = bad_loan(world, tianhe, amount="400000.00", third_party=world.third_party, share="30")
    claim = submitted(world, loan, "300000.03")
    assert split_of(claim) == [("city_pool", "150000.01"), ("third_party:GZGC", "90000.00"), ("bank", "60000.02")]
    assert str(claim.public_amount) == "150000.01"  # only the city's line is public money
    assert claim.shares.get(position=2).payer_kind == "third_party"


@pytest.mark.parametrize(("amount", "rate", "city"), [
    ("5000000.00", "40", "400000.00"),   # exactly 500万: "500万元及以下" → 40%
    ("5000000.01", "30", "300000.00"),   # a fen above → 30%
    ("15000000.00", "30", "300000.00"),  # exactly 1500万 → 30%
    ("15000000.01", "20", "200000.00"),  # above → 20%
    ("30000000.00", "20", "200000.00"),  # the top band
])
def test_2025_bank_mode_bands_and_their_bounds(world: World, tianhe: Any, amount: str, rate: str, city: str) -> None:
    loan = bad_loan(world, tianhe, amount=amount, disbursed=NEW_RULES, rule_set="gz-credit-risk-comp-2025")
    claim = submitted(world, loan, "1000000.00")
    assert claim.rule_set == "gz-credit-risk-comp-2025"
    line = claim.shares.get(position=1)
    assert (line.payer, str(line.amount), line.rate.normalize()) == ("city_pool", city, __import__("decimal").Decimal(rate))
    assert "穗金管规字〔2025〕1号" in line.document


def test_2025_add_ons_capped_at_fifty(world: World, tianhe: Any) -> None:
    # IP pledge: 40 + 15 = 55 → capped at 50%. Loss 333,333.33 → 166,666.665 each: tie, city first
    # (its cap 50% × loss = 166,666.665 floors to 166,666.66, so the fen goes to the bank).
    loan = bad_loan(world, tianhe, amount="5000000.00", disbursed=NEW_RULES, rule_set="gz-credit-risk-comp-2025",
                    guarantee="ip_pledge")
    claim = submitted(world, loan, "333333.33")
    assert split_of(claim) == [("city_pool", "166666.66"), ("bank", "166666.67")]
    assert "累计不超过50%" in claim.shares.get(position=1).explanation_zh


def test_2025_policy_tool_add_on(world: World, tianhe: Any) -> None:
    # 2000万 loan: 20% + 5 (monetary-policy tool) = 25%. 100.03 × 25% = 25.0075 → 25.01 (remainder .75
    # beats the bank's .25); the bank 75.02.
    loan = bad_loan(world, tianhe, amount="20000000.00", disbursed=NEW_RULES, rule_set="gz-credit-risk-comp-2025",
                    policy_tool=True)
    claim = submitted(world, loan, "100.03")
    assert split_of(claim) == [("city_pool", "25.01"), ("bank", "75.02")]


def test_2025_huangpu_overlay_stacks_on_the_band(world: World) -> None:
    # 500万 → 40%, Huangpu +40% = 80% ≤ 90%: 1,000,000.00 → 400,000 / 400,000 / 200,000.
    loan = bad_loan(world, world.ent_huangpu, amount="5000000.00", disbursed=NEW_RULES,
                    rule_set="gz-credit-risk-comp-2025")
    claim = submitted(world, loan, "1000000.00")
    assert split_of(claim) == [("city_pool", "400000.00"), ("district_pool:440112", "400000.00"),
                               ("bank", "200000.00")]


def test_guarantor_mode_twenty_percent_no_overlay(world: World) -> None:
    # 政担: the guarantor claims what it paid out; the city bears 20%: 100,000.07 × 20% = 20,000.014
    # → 20,000.01; the guarantor 80,000.06. The Nansha overlay covers bank mode only.
    loan = bad_loan(world, world.ent_nansha, amount="500000.00", disbursed=NEW_RULES,
                    rule_set="gz-credit-risk-comp-2025", mode="guarantor", guarantee="guarantee",
                    third_party=world.third_party)
    claim = submitted(world, loan, "100000.07")
    assert split_of(claim) == [("city_pool", "20000.01"), ("third_party:GZGC", "80000.06")]
    assert claim.claimant_kind == "guarantor" and claim.third_party == world.third_party
    assert claim.shares.get(position=2).payer_kind == "claimant"


def test_every_split_sums_to_the_loss(world: World, tianhe: Any) -> None:
    for loss in ("0.02", "0.03", "7.77", "99999.99", "1234567.89"):
        claim = submitted(world, bad_loan(world, world.ent_nansha), loss)
        assert sum(s.amount for s in claim.shares.all()) == __import__("decimal").Decimal(loss)


def test_a_loss_too_small_to_share_is_refused(world: World) -> None:
    # 0.01 in Nansha: the city's 0.005 and the district's 0.0025 round to nothing within their caps.
    from techfin.compensation.services import ClaimNotReady

    with pytest.raises(ClaimNotReady) as caught:
        submitted(world, bad_loan(world, world.ent_nansha), "0.01")
    assert [p.code for p in caught.value.problems] == ["claim.nothing_to_compensate"]
