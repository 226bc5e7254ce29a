"""Demo enterprise profiles: industry, qualifications, indicators and risk events.

Each enterprise's profile is drawn from its own random stream (seeded by the demo seed and its
credit code), so adding a field to one enterprise never shifts another's, and the plan is the
same every run for the same seed and year. Dates are placed relative to `as_of` (the day the
demo is loaded), so the mix "today" follows the published figures:

* ~80% hold a valid 高新技术企业 certificate ("高新技术企业有5190家，占比近80%", 2022 report);
* ~57% carry an IAB or NEM tag ("3748家为IAB及NEM行业的企业，占比为57.22%", same report);
* sizes mostly small and medium, with some micro and a few large enterprises, so the size rule,
  the tech-SME evaluation and pool eligibility say yes and no for believable reasons
  (too big for a tech SME, R&D too low, tech staff under 10%, on the abnormal-operations list …).

The full demo's 13,281 enterprises are the pool's (2025 seed article; half of the small demo's
borrow), so each borrower also has the day it entered the pool (`ProfilePlan.pool_entry`, drawn
whatever `as_of` is, so a later run keeps it): as many enter each year as the published counts
say (6,550 by the end of 2021, 2022 report), and
its qualification history reaches back to that day — the 高新技术企业 certificates it renewed
every three years since, or a lapsed one, or a 科技型中小企业 registration — so its loans
(`techfin.demo.loans`) are eligible when disbursed. That history is all in the past: what holds
today, and so the published shares above, is as before.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# name trade -> (GB/T 4754-2017 codes, 战略性新兴产业 category, Guangzhou tags it may carry)
TRADES: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "信息科技": (("6513", "6531"), "1", ("iab_it",)),
    "智能科技": (("6513", "3491"), "1", ("iab_ai", "iab_it")),
    "生物医药": (("2720", "2761", "7340"), "4", ("iab_bio",)),
    "生物科技": (("2762", "7512"), "4", ("iab_bio",)),
    "新材料": (("3985", "2662", "3091", "7513"), "3", ("nem_materials",)),
    "新能源": (("3841", "3825", "4416", "7515"), "6", ("nem_energy",)),
    "电子科技": (("3976", "3973"), "1", ("iab_it",)),
    "软件": (("6511", "6513"), "1", ("iab_it",)),
    "医疗器械": (("3581",), "4", ("iab_bio",)),
    "数据科技": (("6532", "6431"), "1", ("iab_ai", "iab_it")),
    "半导体": (("3973", "6520"), "1", ("iab_it",)),
    "机器人": (("3491",), "2", ("iab_ai",)),
    "环保科技": (("7721",), "7", ()),
    "检测技术": (("7452",), "9", ()),
    "精密仪器": (("4011",), "2", ()),
}
# 12 of the 15 trades can carry a tag; tagging 71.5% of those gives 57.2% overall.
TAG_SHARE = 0.715
HIGH_TECH_SHARE = 0.80

SURNAMES = "陈李张王刘黄林吴周郑何罗梁谢"
GIVEN = ["志强", "伟", "敏", "晓东", "丽华", "建国", "海燕", "俊杰", "嘉欣", "子豪", "文静", "国华"]


@dataclass(frozen=True)
class QualificationPlan:
    kind: str
    number: str
    valid_from: dt.date
    issued_on: dt.date | None = None
    year: int | None = None
    valid_to: dt.date | None = None
    issuer: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.number or self.valid_from.isoformat())


@dataclass(frozen=True)
class ReportPlan:
    year: int
    source: str
    obtained_on: dt.date
    values: tuple[tuple[str, Any], ...]

    @property
    def key(self) -> tuple[int, str, dt.date]:
        return (self.year, self.source, self.obtained_on)


@dataclass(frozen=True)
class RiskPlan:
    kind: str
    source: str
    reference: str
    start_on: dt.date
    end_on: dt.date | None
    amount: Decimal | None = None
    description: str = ""

    @property
    def key(self) -> tuple[str, dt.date, str]:
        return (self.kind, self.start_on, self.reference)


@dataclass(frozen=True)
class ProfilePlan:
    details: dict[str, Any]
    qualifications: tuple[QualificationPlan, ...] = ()
    reports: tuple[ReportPlan, ...] = ()
    risks: tuple[RiskPlan, ...] = field(default_factory=tuple)
    pool_entry: dt.date | None = None  # the day it entered the credit pool (its first loan is on or after it)


# Enterprises entering the pool each year (first loans): 6,550 by the end of 2021 ("6550家企业",
# 2022 report) and 13,281 by 2025-05-31 (2025 seed article); the split between years follows the
# growth of loans (first loan 2016-02, 100亿 by 2018, 300亿 by 2020). 2025 counts January–May.
POOL_ENTRANTS: dict[int, int] = {2016: 300, 2017: 480, 2018: 850, 2019: 1150, 2020: 1370, 2021: 2400,
                                 2022: 2300, 2023: 2100, 2024: 1700, 2025: 631}
POOL_FIRST_MONTH = dt.date(2016, 2, 1)
POOL_LAST_ENTRY = dt.date(2025, 5, 31)
# Lending by month: a slow February (Spring Festival), busy quarter ends.
MONTH_WEIGHTS = (1.1, 0.7, 1.2, 0.9, 0.9, 1.2, 0.9, 0.9, 1.1, 0.8, 0.9, 1.3)
MIN_AGE_YEARS = 2  # an enterprise enters the pool from its second full year on


def _entry_weights() -> dict[int, float]:
    """Year weights that give `POOL_ENTRANTS` once each enterprise draws only among the years it is
    old enough for (`plan_enterprises` founds them evenly over 2000–2023): iterative fitting."""
    founded_years = range(2000, 2024)
    total = sum(POOL_ENTRANTS.values())
    target = {year: n / total for year, n in POOL_ENTRANTS.items()}
    weights = dict(target)
    for _ in range(200):
        got = dict.fromkeys(weights, 0.0)
        for founded in founded_years:
            allowed = {y: w for y, w in weights.items() if y >= founded + MIN_AGE_YEARS}
            norm = sum(allowed.values())
            for year, weight in allowed.items():
                got[year] += weight / norm / len(founded_years)
        weights = {year: weights[year] * target[year] / got[year] for year in weights}
    return weights


ENTRY_WEIGHTS = _entry_weights()


def pool_entry(*, uscc: str, founded_on: dt.date, seed: int) -> dt.date | None:
    """The day the enterprise entered the credit pool (`ProfilePlan.pool_entry`), on its own."""
    return _pool_entry(random.Random(f"{seed}:{uscc}:pool"), founded_on)


def _pool_entry(rng: random.Random, founded_on: dt.date) -> dt.date | None:
    years = [y for y in ENTRY_WEIGHTS if y >= founded_on.year + MIN_AGE_YEARS]
    if not years:
        return None
    year = rng.choices(years, weights=[ENTRY_WEIGHTS[y] for y in years])[0]
    first = POOL_FIRST_MONTH.month if year == POOL_FIRST_MONTH.year else 1
    last = POOL_LAST_ENTRY.month if year == POOL_LAST_ENTRY.year else 12
    month = rng.choices(range(first, last + 1), weights=MONTH_WEIGHTS[first - 1:last])[0]
    return dt.date(year, month, rng.randint(1, 28))


def _yuan(value: float) -> Decimal:
    # Demo figures are drawn as floats for convenience, then fixed to whole yuan as Decimal.
    return Decimal(str(round(value))).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def _day(rng: random.Random, year: int, months: tuple[int, int] = (1, 12)) -> dt.date:
    return dt.date(year, rng.randint(*months), rng.randint(1, 28))


def plan_profile(*, uscc: str, name: str, district_code: str, founded_on: dt.date, seed: int,
                 as_of: dt.date, in_pool: bool = True) -> ProfilePlan:
    """The profile of one demo enterprise; `in_pool`: it borrows from the credit pool, so it has
    a pool entry day and the qualification history that goes with it."""
    # One stream per part, so changing how one part is drawn (a share, a range) leaves the
    # others as they were and a re-run with the new code only adds what changed.
    def stream(part: str) -> random.Random:
        return random.Random(f"{seed}:{uscc}:{part}")

    rng = stream("details")
    trade = next((t for t in TRADES if t in name), "信息科技")
    codes, sei, possible_tags = TRADES[trade]
    tag_draw, second_tag_draw = rng.random(), rng.random()
    tags = [possible_tags[0]] if possible_tags and tag_draw < TAG_SHARE else []
    if len(possible_tags) > 1 and tags and second_tag_draw < 0.4:
        tags.append(possible_tags[1])
    high_tech = stream("high_tech").random() < HIGH_TECH_SHARE and founded_on.year < as_of.year - 1
    listed = rng.random() < 0.01
    pool_entry = _pool_entry(stream("pool"), founded_on) if in_pool else None
    details = {
        "industry_code": rng.choice(codes), "sei_category": sei, "industry_tags": tags,
        "registered_capital": _yuan(rng.choice([1, 2, 3, 5, 10, 20, 50, 100, 500]) * 1_000_000),
        "contact_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "contact_phone": f"020-{rng.randint(3000_0000, 8999_9999)}",
        "listed": listed,
    }
    return ProfilePlan(
        details=details,
        qualifications=tuple(_qualifications(stream("qualifications"), uscc, district_code, founded_on,
                                             high_tech, as_of, pool_entry, stream("pool history"))),
        reports=tuple(_reports(stream("indicators"), founded_on, high_tech, listed, as_of)),
        risks=tuple(_risks(stream("risks"), as_of)),
        pool_entry=pool_entry,
    )


def _qualifications(rng: random.Random, uscc: str, district_code: str, founded_on: dt.date, high_tech: bool,
                    as_of: dt.date, pool_entry: dt.date | None = None,
                    history: random.Random | None = None) -> list[QualificationPlan]:
    plans: list[QualificationPlan] = []
    year = as_of.year
    serial = uscc[10:16]

    def certificate(issued: dt.date) -> None:
        plans.append(QualificationPlan("high_tech", f"GR{issued.year}44{serial}{district_code[4:]}", issued,
                                       issued_on=issued, issuer="广东省科学技术厅等"))

    # Certificates are issued in December and renewed every three years, so a holder's cycle
    # is fixed by one year; whatever the day of the demo, the latest certificate issued by then
    # is valid (the next one is issued before it expires). The cycle's phase is drawn once
    # (year mod 3), so a run in a later year continues the same chain.
    phase, day = rng.randrange(3), rng.randint(1, 20)
    cycle = year - (year - phase) % 3
    chain = [dt.date(y, 12, day) for y in range(cycle, founded_on.year, -3)]
    issued = [d for d in chain if d <= as_of]
    keep_previous = rng.random() < 0.5
    first = last = -1  # the certificates held: issued[first:last + 1]
    if high_tech and issued:
        # With the previous, expired one, the timeline shows a renewal.
        first, last = 0, (1 if keep_previous and len(issued) > 1 else 0)
    elif rng.random() < 0.3 and len(issued) > 1:
        first = last = 1  # lapsed, not renewed
    # Back to the pool entry: the certificates renewed before (a lapsed one was held until the lapse).
    while last >= 0 and pool_entry is not None and issued[last] > pool_entry and last + 1 < len(issued):
        last += 1
    for certificate_day in issued[first:last + 1] if last >= 0 else []:
        certificate(certificate_day)
    # 科技型中小企业: a registration each year for most small enterprises.
    if rng.random() < 0.62:
        for y in (year - 2, year - 1, year):
            start = _day(rng, y, (3, 9))
            if start <= as_of and y > founded_on.year and rng.random() < 0.85:
                plans.append(QualificationPlan("tech_sme", f"{y}{district_code}{serial}", start, year=y,
                                               issuer="广东省科学技术厅"))
    for kind, share, start_year in (("innovative_sme", 0.20, year - 2), ("specialised", 0.15, year - 2)):
        if rng.random() < share:
            start = _day(rng, start_year, (6, 9))
            plans.append(QualificationPlan(kind, f"{kind[:2].upper()}{start_year}{serial}", start,
                                           issued_on=start, issuer="广东省工业和信息化厅"))
            if kind == "specialised" and rng.random() < 0.2:
                giant = _day(rng, start_year - 1, (7, 8))
                plans.append(QualificationPlan("little_giant", f"XJR{start_year - 1}{serial}", giant,
                                               issued_on=giant, issuer="工业和信息化部"))
    if not high_tech and rng.random() < 0.25:
        plans.append(QualificationPlan("high_tech_reserve", "", _day(rng, year - 2), issuer="广州市科学技术局"))
    if rng.random() < 0.08:
        plans.append(QualificationPlan("competition_award", "", _day(rng, year - 1, (10, 12)),
                                       issuer="中国创新创业大赛(广州赛区)组委会"))
    list_day = dt.date(2025, 10, 1)
    if as_of >= list_day and rng.random() < 0.10:
        plans.append(QualificationPlan("key_support", "", list_day, issuer="广州市地方金融管理局"))
    if pool_entry is not None and history is not None and not _covered(plans, pool_entry):
        # Entered the pool on a 科技型中小企业 registration of that year (the national evaluation
        # began in 2017), or of the first year it could have one.
        entry_year = max(pool_entry.year, 2017, founded_on.year + 1)
        if not any(p.kind == "tech_sme" and p.year == entry_year for p in plans):
            start = min(pool_entry, _day(history, entry_year, (3, 9))) if entry_year == pool_entry.year \
                else _day(history, entry_year, (3, 9))
            plans.append(QualificationPlan("tech_sme", f"{entry_year}{district_code}{serial}", start,
                                           year=entry_year, issuer="广东省科学技术厅"))
    return [plan for plan in plans if plan.valid_from <= as_of]


POOL_KINDS = frozenset({"high_tech", "tech_sme", "high_tech_reserve", "competition_award"})


def _covered(plans: list[QualificationPlan], on: dt.date) -> bool:
    """Whether a qualification counting for the tech pool is held on `on` (the default validity
    of each kind: a certificate three years, a registration its calendar year, a listing open)."""
    for plan in plans:
        if plan.kind not in POOL_KINDS or plan.valid_from > on:
            continue
        if plan.kind == "high_tech":
            if on < plan.valid_from.replace(year=plan.valid_from.year + 3):
                return True
        elif plan.kind == "tech_sme":
            if on.year == (plan.year or plan.valid_from.year):
                return True
        else:
            return True
    return False


def _reports(rng: random.Random, founded_on: dt.date, high_tech: bool, listed: bool,
             as_of: dt.date) -> list[ReportPlan]:
    band = rng.choices(["micro", "small", "medium", "large"], weights=[15, 50, 30, 5])[0]
    if listed:
        band = "large"
    employees, revenue = {
        "micro": (rng.randint(4, 19), rng.uniform(0.5e6, 3e6)),
        "small": (rng.randint(20, 99), rng.uniform(3e6, 30e6)),
        "medium": (rng.randint(100, 299), rng.uniform(20e6, 190e6)),
        "large": (rng.randint(320, 1500), rng.uniform(220e6, 2e9)),
    }[band]
    # A weak R&D profile for some enterprises, so the score and the high-tech check can fail.
    weak = rng.random() < (0.12 if high_tech else 0.45)
    tech_share = rng.uniform(0.04, 0.12) if weak else rng.uniform(0.15, 0.6)
    rd_share = rng.uniform(0.005, 0.025) if weak else rng.uniform(0.04, 0.12)
    ip1 = 0 if weak and rng.random() < 0.7 else rng.randint(0 if not high_tech else 1, 12)
    ip2 = rng.randint(0, 3) if weak else rng.randint(0, 30)
    award = rng.random() < 0.02
    institution = rng.random() < 0.12
    standard = rng.random() < 0.06
    plans: list[ReportPlan] = []
    growth = rng.uniform(1.03, 1.25)
    # Balance-sheet and cost ratios belong to the enterprise and drift a little year to year.
    asset_ratio, cost_ratio = rng.uniform(0.8, 2.0), rng.uniform(0.75, 0.92)
    for year in range(as_of.year - 3, as_of.year):
        if year < founded_on.year:
            continue
        scale = growth ** (year - as_of.year + 1)
        emp = max(3, round(employees * scale))
        rev = revenue * scale
        rd = rev * rd_share
        financial = {
            "revenue": _yuan(rev), "total_assets": _yuan(rev * asset_ratio * rng.uniform(0.95, 1.05)),
            "rd_expense": _yuan(rd), "total_cost_expense": _yuan(rev * cost_ratio * rng.uniform(0.97, 1.03)),
            "total_income": _yuan(rev * rng.uniform(1.0, 1.04)),
        }
        declared = {
            "employees": emp, "tech_staff": max(0, min(emp, round(emp * tech_share))),
            "revenue": _yuan(rev * (rng.uniform(1.02, 1.15) if rng.random() < 0.3 else 1.0)),
            "total_assets": financial["total_assets"], "rd_expense": _yuan(rd * rng.uniform(1.0, 1.1)),
            "domestic_rd_expense": _yuan(rd * rng.uniform(0.85, 1.0)),
            "total_cost_expense": financial["total_cost_expense"],
            "high_tech_income": _yuan(rev * (rng.uniform(0.62, 0.95) if high_tech and not weak
                                             else rng.uniform(0.2, 0.7))),
            "total_income": financial["total_income"],
            "ip_class1": ip1, "ip_class2": ip2, "national_award_top3": award,
            "provincial_rd_institution": institution, "led_standard": standard,
        }
        # The enterprise declares everything early in the year; the tax authority's figures come
        # later and supersede the declared ones; the annual report adds head counts.
        plans.append(ReportPlan(year, "self_reported", dt.date(year + 1, 3, rng.randint(1, 28)),
                                tuple(declared.items())))
        if rng.random() < 0.75:
            plans.append(ReportPlan(year, "tax", dt.date(year + 1, 5, 31), tuple(financial.items())))
        if rng.random() < 0.4:
            # The annual report's head count may differ by a person or two from the declaration.
            registered = {"employees": max(1, emp + rng.choice([0, 0, 1, 2, -1])),
                          "total_assets": financial["total_assets"]}
            plans.append(ReportPlan(year, "registration", dt.date(year + 1, 6, 30), tuple(registered.items())))
    return [plan for plan in plans if plan.obtained_on <= as_of]


def _risks(rng: random.Random, as_of: dt.date) -> list[RiskPlan]:
    plans: list[RiskPlan] = []
    year = as_of.year

    def period(active_share: float, days: tuple[int, int]) -> tuple[dt.date, dt.date | None]:
        start = as_of - dt.timedelta(days=rng.randint(30, 900))
        if rng.random() < active_share:
            return start, None
        return start, min(as_of, start + dt.timedelta(days=rng.randint(*days)))

    if rng.random() < 0.03:
        start, end = period(0.4, (30, 300))
        plans.append(RiskPlan("abnormal_operations", "market_regulator", "", start, end,
                              description="通过登记的住所或者经营场所无法联系" if rng.random() < 0.5
                              else "未按规定期限公示年度报告"))
    if rng.random() < 0.01:
        start, end = period(0.7, (60, 400))
        plans.append(RiskPlan("dishonest_debtor", "court", f"({year - 1})粤0112执{rng.randint(100, 9999)}号",
                              start, end, amount=_yuan(rng.uniform(5e4, 5e6)), description="有履行能力而拒不履行"))
    if rng.random() < 0.03:
        start, _end = period(0.0, (10, 60))
        plans.append(RiskPlan("administrative_penalty", "market_regulator",
                              f"穗市监处〔{start.year}〕{rng.randint(10, 999)}号", start,
                              start + dt.timedelta(days=30) if start + dt.timedelta(days=30) <= as_of else None,
                              amount=_yuan(rng.uniform(5e3, 2e5)), description="广告违法"))
    if rng.random() < 0.05:
        start, end = period(0.5, (60, 500))
        plans.append(RiskPlan("lawsuit", "court", f"({start.year})粤0106民初{rng.randint(1000, 99999)}号", start,
                              end, amount=_yuan(rng.uniform(1e5, 2e7)), description="买卖合同纠纷"))
    if rng.random() < 0.004:
        start, end = period(0.8, (200, 700))
        plans.append(RiskPlan("serious_violation", "market_regulator", "", start, end))
    return plans
