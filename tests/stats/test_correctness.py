"""Statistics never disagree with the records (issue 6, item 5).

Every figure is computed here again, independently, from the raw rows (filings, enterprises,
qualifications, status reports; claims, their split lines and recoveries; the ledger's
transfers) with plain Python, and compared with what the statistics service answers, for many
filters. Then a loan, a status, an enterprise and a claim are changed through the services and
every figure must follow at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from techfin.compensation.models import Claim, ClaimShare, RecoveryShare
from techfin.domain.lpr import LprError, load_lpr_table
from techfin.domain.policy import add_months
from techfin.enterprises.models import Enterprise, Qualification
from techfin.filings.models import Filing, StatusReport
from techfin.ledger.models import Transfer
from techfin.stats.queries import (
    BREAKDOWNS,
    StatsFilter,
    build_filter,
    stats_breakdown,
    stats_summary,
    stats_yearly,
)
from techfin.stats.rebuild import check
from tests.stats.conftest import file, loan_row, status

TODAY = dt.date(2025, 6, 15)
TAGS = {"iab": ("iab_it", "iab_ai", "iab_bio"), "nem": ("nem_energy", "nem_materials")}
SIX = Decimal("0.000001")


def q6(value: Decimal) -> Decimal:
    return value.quantize(SIX, ROUND_HALF_UP)


def yuan(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def raw_loans() -> list[dict[str, Any]]:
    """Accepted loans with what the figures need, straight from the records."""
    enterprises = {e.pk: e for e in Enterprise.objects.all()}
    certificates: dict[int, list[Qualification]] = defaultdict(list)
    for q in Qualification.objects.filter(kind__code="high_tech"):
        certificates[q.enterprise_id].append(q)
    first_npl: dict[int, Decimal] = {}
    for r in StatusReport.objects.order_by("period"):
        if r.loan_status == "non_performing":
            first_npl.setdefault(r.filing_id, r.outstanding_principal)
    loans = []
    for f in Filing.objects.filter(status="accepted"):
        e = enterprises[f.enterprise_id]
        loans.append({
            "filing": f, "enterprise": e, "bank": f.bank_id, "district": e.district_id,
            "tags": {t for t in ("iab_it", "iab_ai", "iab_bio", "nem_energy", "nem_materials") if getattr(e, t)},
            "high_tech": any(q.valid_from <= f.disbursed_on <= (q.valid_to or dt.date.max)
                             and (q.revoked_on is None or q.revoked_on > f.disbursed_on)
                             for q in certificates[e.pk]),
            "short": f.maturity_on <= add_months(f.disbursed_on, 12),
            "npl": first_npl.get(f.pk),
        })
    return loans


def raw_claims() -> list[dict[str, Any]]:
    """Paid claims with their loan, enterprise, public money paid (the split's city and district
    lines) and returned to the pools (the public lines of confirmed recoveries), from the records."""
    public = ("city", "district")
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for share in ClaimShare.objects.filter(payer_kind__in=public):
        paid[share.claim_id] += share.amount
    returned: dict[int, Decimal] = defaultdict(Decimal)
    for line in RecoveryShare.objects.select_related("recovery"):
        if line.recovery.status == "confirmed" and line.payer_kind in public:
            returned[line.recovery.claim_id] += line.amount
    claims = []
    for c in Claim.objects.select_related("filing__enterprise"):
        if c.status != "paid":
            continue
        e = c.filing.enterprise
        claims.append({"claim": c, "paid_on": c.paid_on, "bank": c.filing.bank_id, "district": e.district_id,
                       "guarantee": c.filing.guarantee_type, "enterprise": e.pk,
                       "tags": {t for t in ("iab_it", "iab_ai", "iab_bio", "nem_energy", "nem_materials")
                                if getattr(e, t)},
                       "paid": paid[c.pk], "returned": returned[c.pk]})
    return claims


def raw_funds() -> list[tuple[int, int | None, Decimal]]:
    """(budget year, district or None, amount) of every budget allocation to a pool's budget, and of
    every reversal of one (negative): what was committed, from the ledger's transfers."""
    rows = []
    for t in Transfer.objects.select_related("credit_account", "debit_account", "reversal_of"):
        if t.kind == "budget_allocation" and t.credit_account.kind in ("city_pool", "district_pool"):
            rows.append((t.credit_account.year, t.credit_account.district_id, t.amount))
        if t.kind == "reversal" and t.reversal_of.kind == "budget_allocation":
            rows.append((t.debit_account.year, t.debit_account.district_id, -t.amount))
    return rows


def lpr_on(day: dt.date) -> Decimal | None:
    try:
        return load_lpr_table().rate_on(day, "1y")
    except LprError:
        return None


def expected(loans: list[dict[str, Any]], *, start: dt.date | None = None, end: dt.date | None = None,
             bank: int | None = None, district: int | None = None, tag: str | None = None,
             guarantee: str | None = None, claims: list[dict[str, Any]] | None = None,
             funds: list[tuple[int, int | None, Decimal]] | None = None) -> dict[str, Any]:
    def keep(x: dict[str, Any]) -> bool:
        f = x["filing"]
        return ((start is None or f.disbursed_on >= start) and (end is None or f.disbursed_on <= end)
                and (bank is None or x["bank"] == bank) and (district is None or x["district"] == district)
                and (tag is None or bool(x["tags"] & set(TAGS.get(tag, (tag,)))))
                and (guarantee is None or f.guarantee_type == guarantee))

    rows = [x for x in loans if keep(x)]
    n = len(rows)
    amount = sum((x["filing"].loan_amount for x in rows), Decimal(0))
    credit = sum((x["filing"].credit_amount for x in rows), Decimal(0))
    firms = {x["enterprise"].pk: x["enterprise"] for x in rows}
    short = [x for x in rows if x["short"]]
    spreads = [x["filing"].annual_rate - lpr_on(x["filing"].disbursed_on) for x in short
               if lpr_on(x["filing"].disbursed_on) is not None]
    npl = sum((x["npl"] for x in rows if x["npl"] is not None), Decimal(0))
    outstanding = sum((x["filing"].outstanding_principal for x in rows), Decimal(0))
    npl_outstanding = sum((x["filing"].outstanding_principal for x in rows
                           if x["filing"].loan_status == "non_performing"), Decimal(0))

    def share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
        return q6(Decimal(part) / Decimal(whole)) if whole else None

    # Compensations: claims paid in the period, narrowed through their loan and its enterprise.
    paid = [c for c in (raw_claims() if claims is None else claims)
            if (start is None or c["paid_on"] >= start) and (end is None or c["paid_on"] <= end)
            and (bank is None or c["bank"] == bank) and (district is None or c["district"] == district)
            and (tag is None or bool(c["tags"] & set(TAGS.get(tag, (tag,)))))
            and (guarantee is None or c["guarantee"] == guarantee)]
    gross = sum((c["paid"] for c in paid), Decimal(0))
    back = sum((c["returned"] for c in paid), Decimal(0))
    # Public money: allocations to the budgets of the years the period touches (a district's own).
    committed = None
    if bank is None and tag is None and guarantee is None:
        committed = sum((amount for year, where, amount in (raw_funds() if funds is None else funds)
                         if (start is None or year >= start.year) and (end is None or year <= end.year)
                         and (district is None or where == district)), Decimal(0))
    return {
        "enterprises": len(firms), "loans": n, "credit_amount": yuan(credit), "loan_amount": yuan(amount),
        "average_loan_amount": yuan(amount / n) if n else None,
        "average_loan_amount_per_enterprise": yuan(amount / len(firms)) if firms else None,
        "share_loans_le_10m": share(sum(1 for x in rows if x["filing"].loan_amount <= Decimal("10000000")), n),
        "loans_le_1y": len(short),
        "avg_rate_le_1y": q6(sum((x["filing"].annual_rate for x in short), Decimal(0)) / len(short) / 100)
        if short else None,
        "avg_lpr_spread_le_1y": q6(sum(spreads, Decimal(0)) / len(spreads) / 100) if spreads else None,
        "npl_loans": sum(1 for x in rows if x["npl"] is not None), "npl_principal": yuan(npl),
        "npl_ratio": share(npl, amount), "outstanding_amount": yuan(outstanding),
        "npl_outstanding": yuan(npl_outstanding), "npl_balance_ratio": share(npl_outstanding, outstanding),
        "high_tech_share": share(len({x["enterprise"].pk for x in rows if x["high_tech"]}), len(firms)),
        "pure_credit_enterprise_share": share(
            len({x["enterprise"].pk for x in rows if x["filing"].guarantee_type == "credit"}), len(firms)),
        "iab_nem_share": share(sum(1 for e in firms.values() if any(
            getattr(e, t) for t in ("iab_it", "iab_ai", "iab_bio", "nem_energy", "nem_materials"))), len(firms)),
        "strategic_emerging_share": share(sum(1 for e in firms.values() if e.sei_category), len(firms)),
        "compensations": len(paid), "compensated_enterprises": len({c["enterprise"] for c in paid}),
        "compensation_amount": yuan(gross), "compensation_returned": yuan(back),
        "compensation_amount_net": yuan(gross - back),
        "public_funds": None if committed is None else yuan(committed),
        "leverage": share(amount, committed) if committed is not None else None,
    }


def month_bounds(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    first = dt.date.fromisoformat(f"{start}-01") if start else None
    last = add_months(dt.date.fromisoformat(f"{end}-01"), 1) - dt.timedelta(days=1) if end else None
    return first, last


def filters(pool: Any) -> list[dict[str, Any]]:
    a, b = (bank.pk for bank in pool.banks)
    hp, ns = pool.world.d_huangpu.pk, pool.world.d_nansha.pk
    return [
        {}, {"start": "2024-01", "end": "2024-12"}, {"bank": a}, {"bank": b, "start": "2019-01"},
        {"district": hp}, {"district": ns, "end": "2023-12"}, {"tag": "iab"}, {"tag": "nem"}, {"tag": "iab_ai"},
        {"tag": "nem_materials", "bank": a}, {"guarantee": "credit"}, {"guarantee": "guarantee", "district": hp},
        {"bank": b, "district": hp, "start": "2020-01", "end": "2025-06"}, {"start": "2018-03", "end": "2018-03"},
        {"start": "2030-01", "end": "2030-12"}, {"start": "2023-07", "end": "2024-06"},
        {"start": "2020-03", "end": "2020-03"}, {"district": ns, "start": "2020-01"}, {"district": hp, "end": "2022-12"},
        {"bank": b, "start": "2023-01", "end": "2023-12"}, {"guarantee": "guarantee", "start": "2020-01"},
    ]


def compare_all(pool: Any) -> None:
    loans = raw_loans()
    claims, funds = raw_claims(), raw_funds()
    this_month_end = month_bounds(None, f"{TODAY:%Y-%m}")[1]  # an open 'to' is the current month
    for spec in filters(pool):
        start, end = month_bounds(spec.get("start"), spec.get("end"))
        f = build_filter(month_from=spec.get("start"), month_to=spec.get("end"), bank=spec.get("bank"),
                         district=spec.get("district"), industry_tag=spec.get("tag"),
                         guarantee_type=spec.get("guarantee"))
        got = stats_summary(f, today=TODAY)
        want = expected(loans, start=start, end=end or this_month_end, bank=spec.get("bank"),
                        district=spec.get("district"), tag=spec.get("tag"), guarantee=spec.get("guarantee"),
                        claims=claims, funds=funds)
        assert {k: got[k] for k in want} == want, spec
    # The yearly series: each year equals the figures of that year alone.
    for spec in ({}, {"bank": pool.banks[1].pk}, {"district": pool.world.d_huangpu.pk, "tag": "iab"}):
        f = build_filter(bank=spec.get("bank"), district=spec.get("district"), industry_tag=spec.get("tag"))
        series = stats_yearly(f, today=TODAY)["years"]
        # The years with a loan disbursed or a compensation paid under the filter.
        years = sorted({x["filing"].disbursed_on.year for x in loans if (
            spec.get("bank") is None or x["bank"] == spec["bank"]) and (
            spec.get("district") is None or x["district"] == spec["district"]) and (
            spec.get("tag") is None or x["tags"] & set(TAGS[spec["tag"]]))} | {c["paid_on"].year for c in claims if (
            spec.get("bank") is None or c["bank"] == spec["bank"]) and (
            spec.get("district") is None or c["district"] == spec["district"]) and (
            spec.get("tag") is None or c["tags"] & set(TAGS[spec["tag"]]))})
        assert [row["year"] for row in series] == years
        for row in series:
            want = expected(loans, start=dt.date(row["year"], 1, 1), end=dt.date(row["year"], 12, 31),
                            bank=spec.get("bank"), district=spec.get("district"), tag=spec.get("tag"),
                            claims=claims, funds=funds)
            assert {k: row[k] for k in want} == want, (spec, row["year"])
    # Breakdowns (rankings of banks, districts, industry tags, guarantee types): each row equals
    # the figures of its own filter.
    for spec in ({}, {"start": "2020-01", "end": "2024-12"}, {"district": pool.world.d_nansha.pk},
                 {"bank": pool.banks[0].pk, "tag": "iab"}):
        start, end = month_bounds(spec.get("start"), spec.get("end"))
        f = build_filter(month_from=spec.get("start"), month_to=spec.get("end"), bank=spec.get("bank"),
                         district=spec.get("district"), industry_tag=spec.get("tag"))
        for by in BREAKDOWNS:
            rows = stats_breakdown(f, by)
            assert [r["loan_amount"] for r in rows] == sorted((r["loan_amount"] for r in rows), reverse=True)
            for row in rows:
                narrowed = {**spec, {"bank": "bank", "district": "district", "industry_tag": "tag",
                                     "guarantee_type": "guarantee"}[by]: row["key"]}
                if by == "industry_tag" and spec.get("tag"):
                    continue  # two tag filters at once are not a question the API takes
                want = expected(loans, start=start, end=end or this_month_end, bank=narrowed.get("bank"),
                                district=narrowed.get("district"), tag=narrowed.get("tag"),
                                guarantee=narrowed.get("guarantee"), claims=claims, funds=funds)
                assert {k: row[k] for k in want} == want, (spec, by, row["key"])
            keys = {x["bank"] if by == "bank" else x["district"] if by == "district" else
                    x["filing"].guarantee_type for x in loans if by != "industry_tag"}
            if by != "industry_tag" and not spec:
                assert {r["key"] for r in rows} == keys
    result = check()
    assert result.ok, result.differences


@pytest.mark.django_db
def test_every_figure_equals_the_raw_rows(compensated: Any) -> None:
    compare_all(compensated)
    whole = stats_summary(StatsFilter(), today=TODAY)
    # The dataset was built to exercise each rule: a withdrawn loan, a settled one, two that
    # turned non-performing, loans before the first LPR, exactly 10,000,000 and 12 months;
    # both non-performing loans compensated (one with a district overlay, one partly recovered),
    # budgets with an allocation reversed and a carry-forward.
    assert whole["loans"] == 12 and whole["npl_loans"] == 2
    assert whole["npl_principal"] == Decimal("21000000.00")
    assert Decimal(0) < whole["share_loans_le_10m"] < Decimal(1)
    assert whole["compensations"] == 2 and whole["compensated_enterprises"] == 2
    assert whole["compensation_amount"] == Decimal("13500000.00")  # 4,500,000 city + 6,000,000 city, 3,000,000 南沙
    assert Decimal(0) < whole["compensation_returned"] < Decimal("1000000.01")  # the bank kept its part
    # 2020 and 2023: 30m city, 10m 黄埔, 10m 南沙 each; 2024: 20m (a 5m allocation reversed, and
    # the 1m carried forward from 2023 not counted again).
    assert whole["public_funds"] == Decimal("120000000.00")
    assert whole["leverage"] == q6(whole["loan_amount"] / Decimal("120000000.00"))
    # A bank's or an industry's share of the budgets is not defined: no leverage there.
    assert stats_summary(StatsFilter(bank_id=compensated.banks[0].pk), today=TODAY)["leverage"] is None


@pytest.mark.django_db
def test_loans_without_claims_or_budgets(loaded: Any) -> None:
    compare_all(loaded)
    whole = stats_summary(StatsFilter(), today=TODAY)
    assert whole["compensations"] == 0 and whole["compensation_amount"] == Decimal("0.00")
    assert whole["public_funds"] == Decimal("0.00") and whole["leverage"] is None


@pytest.mark.django_db
def test_growth_figures(loaded: Any) -> None:
    f = build_filter(month_from="2024-01", month_to="2024-12")
    summary = stats_summary(f, today=TODAY)
    loans = raw_loans()
    now = expected(loans, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    then = expected(loans, start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    assert then["loans"] == 0 and now["loans"] == 4
    assert summary["yoy_growth"] == {"enterprises": None, "loans": None, "credit_amount": None, "loan_amount": None}
    f = build_filter(month_from="2019-01", month_to="2024-12")
    cagr = stats_summary(f, today=TODAY)["cagr"]
    first = expected(loans, start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31))["loan_amount"]
    last = expected(loans, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))["loan_amount"]
    assert cagr["from_year"] == 2019 and cagr["to_year"] == 2024
    assert abs(float(cagr["loan_amount"]) - ((float(last) / float(first)) ** (1 / 5) - 1)) < 1e-6
    f = build_filter(month_from="2024-01", month_to="2025-05")
    yoy = stats_summary(f, today=TODAY)["yoy_growth"]
    before = expected(loans, start=dt.date(2023, 1, 1), end=dt.date(2024, 5, 31))
    after = expected(loans, start=dt.date(2024, 1, 1), end=dt.date(2025, 5, 31))
    assert yoy["loan_amount"] == q6((after["loan_amount"] - before["loan_amount"]) / before["loan_amount"])
    assert yoy["enterprises"] == q6(Decimal(after["enterprises"] - before["enterprises"]) / before["enterprises"])


def _figures(pool: Any) -> dict[str, Any]:
    return {
        "all": stats_summary(StatsFilter(), today=TODAY),
        "a": stats_summary(StatsFilter(bank_id=pool.banks[0].pk), today=TODAY),
        "b": stats_summary(StatsFilter(bank_id=pool.banks[1].pk), today=TODAY),
        "hp": stats_summary(StatsFilter(district_id=pool.world.d_huangpu.pk), today=TODAY),
        "ns": stats_summary(StatsFilter(district_id=pool.world.d_nansha.pk), today=TODAY),
        "iab": stats_summary(StatsFilter(industry_tag="iab"), today=TODAY),
    }


def _moved(before: dict[str, Any], after: dict[str, Any], view: str) -> set[str]:
    return {k for k in after[view] if after[view][k] != before[view][k]}


@pytest.mark.django_db
def test_a_changed_loan_moves_every_affected_figure_at_once(loaded: Any) -> None:
    from techfin.filings.review import filing_reject

    before = _figures(loaded)
    # Bank B amends B-3: larger, longer and a guarantee instead of credit.
    file(loaded.banks[1], [loan_row("B-3", loaded.enterprises[2].uscc, "2500000.00", dt.date(2024, 2, 29), 18,
                                    rate="3.90", guarantee="guarantee")], dt.date(2024, 3, 5))
    after = _figures(loaded)
    assert {"loan_amount", "credit_amount", "loans_le_1y", "avg_rate_le_1y", "pure_credit_enterprise_share"} \
        <= _moved(before, after, "b")
    assert _moved(before, after, "a") == set()
    assert after["all"]["loan_amount"] - before["all"]["loan_amount"] == Decimal("1000000.00")
    compare_all(loaded)
    # A status report turns a loan non-performing: both NPL ratios move, nothing else.
    before = after
    status(loaded.banks[0], "A-5", dt.date(2025, 4, 1), "non_performing", "6000000", dt.date(2025, 5, 6), days=120)
    after = _figures(loaded)
    assert _moved(before, after, "a") == {"npl_loans", "npl_principal", "npl_ratio", "outstanding_amount",
                                          "npl_outstanding", "npl_balance_ratio"}
    compare_all(loaded)
    # The fund manager rejects an accepted loan: it leaves every figure.
    before = after
    filing_reject(actor=None, filing=Filing.objects.get(contract_no="A-4"), reason="资料不实")
    after = _figures(loaded)
    assert after["all"]["loans"] == before["all"]["loans"] - 1
    assert after["ns"]["enterprises"] == before["ns"]["enterprises"]  # enterprise 2 still has B-3
    assert "loan_amount" in _moved(before, after, "ns")
    compare_all(loaded)


@pytest.mark.django_db
def test_a_changed_enterprise_moves_its_loans_between_districts_and_tags(loaded: Any) -> None:
    from techfin.enterprises import services
    from techfin.enterprises.models import QualificationKind

    before = _figures(loaded)
    moving = loaded.enterprises[0]  # 黄埔, IAB, three loans
    services.enterprise_update(actor=None, enterprise=moving, district=loaded.world.d_nansha, iab_it=False,
                               nem_energy=True)
    after = _figures(loaded)
    assert after["hp"]["enterprises"] == before["hp"]["enterprises"] - 1
    assert after["ns"]["enterprises"] == before["ns"]["enterprises"] + 1
    assert after["iab"]["enterprises"] == before["iab"]["enterprises"] - 1
    assert after["all"]["loan_amount"] == before["all"]["loan_amount"]
    assert after["all"]["iab_nem_share"] == before["all"]["iab_nem_share"]
    compare_all(loaded)
    # A high-tech certificate recorded late: the enterprise's loans of those years now count.
    before = after
    late = loaded.enterprises[2]
    services.qualification_create(actor=None, enterprise=late, kind=QualificationKind.objects.get(code="high_tech"),
                                  number="GR2021LATE", issued_on=dt.date(2021, 10, 1), valid_from=dt.date(2021, 10, 1),
                                  valid_to=dt.date(2024, 9, 30))
    after = _figures(loaded)
    assert after["all"]["high_tech_share"] > before["all"]["high_tech_share"]
    compare_all(loaded)


COMPENSATION_KEYS = {"compensations", "compensated_enterprises", "compensation_amount", "compensation_returned",
                     "compensation_amount_net"}


@pytest.mark.django_db
def test_a_changed_claim_moves_the_compensation_figures_at_once(compensated: Any) -> None:
    from techfin.compensation import recoveries, services
    from tests.stats.conftest import fund, pay_claim, recover

    world, manager = compensated.world, compensated.world.users["manager"]
    # A-5 (bank A, enterprise 3 in 南沙, already compensated once on B-2) turns non-performing, and
    # the 2025 budgets are funded: that moves the NPL figures and the public money, not the claims.
    status(compensated.banks[0], "A-5", dt.date(2025, 4, 1), "non_performing", "6000000", dt.date(2025, 5, 6),
           days=120)
    fund(world, 2025, "20000000.00")
    fund(world, 2025, "5000000.00", world.d_nansha)
    before = _figures(compensated)
    year_before = stats_yearly(StatsFilter(), today=TODAY)["years"]
    # Paid: bank A and 南沙 gain a compensation; the pool's enterprises compensated stay 2.
    claim = pay_claim(world, "A-5", "6000000.00", submitted=dt.date(2025, 5, 10), approved=dt.date(2025, 5, 20),
                      paid=dt.date(2025, 6, 2))
    after = _figures(compensated)
    assert _moved(before, after, "all") == {"compensations", "compensation_amount", "compensation_amount_net"}
    assert _moved(before, after, "a") == COMPENSATION_KEYS - {"compensation_returned"}
    assert _moved(before, after, "ns") == {"compensations", "compensation_amount", "compensation_amount_net"}
    assert _moved(before, after, "b") == _moved(before, after, "hp") == _moved(before, after, "iab") == set()
    assert after["all"]["compensations"] == 3 and after["all"]["compensated_enterprises"] == 2
    assert after["all"]["compensation_amount"] - before["all"]["compensation_amount"] == claim.public_amount
    compare_all(compensated)
    # The payment reversed (冲正): every figure is as before it was paid.
    services.claim_payment_reverse(actor=manager, claim=claim, reason="付款信息录入错误", on=dt.date(2025, 6, 5))
    assert _figures(compensated) == before
    compare_all(compensated)
    # Paid again: it counts again, at the new payment date.
    claim = services.claim_pay(actor=manager, claim=claim, paid_on=dt.date(2025, 6, 9), reference="ZF-A-5-2")
    assert _figures(compensated) == after
    # A recovery reported moves nothing until the fund manager confirms the money arrived; then
    # the net and the amount returned move, the gross does not.
    recovery = recover(world, claim, "600000.00", dt.date(2025, 6, 10), confirm=False)
    assert _figures(compensated) == after
    recoveries.recovery_confirm(actor=manager, recovery=recovery, on=dt.date(2025, 6, 12))
    confirmed = _figures(compensated)
    assert _moved(after, confirmed, "all") == _moved(after, confirmed, "a") == _moved(after, confirmed, "ns") == {
        "compensation_returned", "compensation_amount_net"}
    assert _moved(after, confirmed, "b") == set()
    assert confirmed["all"]["compensation_amount_net"] < after["all"]["compensation_amount_net"]
    compare_all(compensated)
    # Reversed (冲正): it no longer counts.
    recoveries.recovery_reverse(actor=manager, recovery=recovery, reason="凭证有误", on=dt.date(2025, 6, 13))
    assert _figures(compensated) == after
    # A recovery counts on its claim: one on B-2 (paid 2023) confirmed in 2025 moves 2023's net.
    b2 = Claim.objects.get(filing__contract_no="B-2")
    recover(world, b2, "100000.00", dt.date(2025, 6, 1))
    years = {row["year"]: row for row in stats_yearly(StatsFilter(), today=TODAY)["years"]}
    old = {row["year"]: row for row in year_before}
    assert years[2023]["compensation_amount_net"] < old[2023]["compensation_amount_net"]
    assert years[2023]["compensation_amount"] == old[2023]["compensation_amount"]
    assert years[2025]["compensation_returned"] == Decimal("0.00")
    compare_all(compensated)


@pytest.mark.django_db
def test_a_moved_enterprise_or_amended_loan_moves_its_compensations(compensated: Any) -> None:
    from techfin.enterprises import services

    before = _figures(compensated)
    # Enterprise 3 (B-2's, compensated) moves from 南沙 to 黄埔: its compensation moves with it.
    services.enterprise_update(actor=None, enterprise=compensated.enterprises[3], district=compensated.world.d_huangpu)
    after = _figures(compensated)
    assert after["ns"]["compensations"] == before["ns"]["compensations"] - 1
    assert after["hp"]["compensations"] == before["hp"]["compensations"] + 1
    assert after["hp"]["compensation_amount"] - before["hp"]["compensation_amount"] == Decimal("9000000.00")
    assert {k: after["all"][k] for k in COMPENSATION_KEYS} == {k: before["all"][k] for k in COMPENSATION_KEYS}
    compare_all(compensated)
    # Bank B amends B-2 from a guaranteed loan to a credit loan: its compensation follows the type.
    credit = StatsFilter(guarantee_type="credit")
    was = stats_summary(credit, today=TODAY)["compensations"]
    file(compensated.banks[1], [loan_row("B-2", compensated.enterprises[3].uscc, "20000000.00", dt.date(2022, 2, 28),
                                         12, rate="4.20", guarantee="credit", credit="25000000.00")],
         dt.date(2022, 3, 10))
    assert Filing.objects.get(contract_no="B-2").guarantee_type == "credit"
    assert stats_summary(credit, today=TODAY)["compensations"] == was + 1
    compare_all(compensated)
