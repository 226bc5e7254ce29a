"""Demo enterprise profiles: industry, qualifications, indicators and risk events.

Each enterprise's profile is drawn from its own random streams (seeded by the demo seed and its
credit code, one stream per part and one per fiscal year), so adding a field to one enterprise
never shifts another's, and the plan is the same every run for the same seed and date. The mix
"today" (the day the demo is loaded, `as_of`) follows the published figures:

* ~80% hold a valid 高新技术企业 certificate ("高新技术企业有5190家，占比近80%", 2022 report);
* ~57% carry an IAB or NEM tag ("3748家为IAB及NEM行业的企业，占比为57.22%", same report),
  spread over the plan by a golden-ratio sequence on the enterprise's position, so the small
  demo (the full plan's first 300) is as close to the share as the full one;
* districts weighted like the real city (`techfin.demo.reference.DISTRICTS`).

An enterprise is a `Story`: what kind of enterprise it is, its size in `BASE_YEAR`, how fast it
grows and its ratios (technology staff, R&D, costs, assets, high-tech income). Its indicators
follow from the story year by year — revenue at the enterprise's own growth with a few per cent
of noise, head count slower, ratios steady, IP counts only ever rising — so the years hang
together; a weakness (R&D cut, technology staff gone) starts in one year and stays. Most
certificate holders are strong (they meet the high-tech criteria of 国科发火〔2016〕32号
第十一条); a few have let R&D or high-tech income slip. Of the others, some are tech SMEs
without a certificate and the rest fail the 科技型中小企业 evaluation for a reason met in
practice: R&D under 2% of revenue, technology staff under 10%, too large for an SME (above
500 staff or 2亿元 of revenue or assets, 第六条(二)).

A 科技型中小企业 registration (入库登记编号) is granted only when the evaluation of
国科发政〔2017〕115号 — the domain engine itself — passes on the previous year's figures on the
registration day, as the platform recomputes them (the profile reads the same reports), with
the certificate and risk listings of that day: an enterprise that fails simply has no
registration that year.

The full demo's 13,281 enterprises are the pool's (2025 seed article; half of the small demo's
borrow), so each borrower also has the day it entered the pool (`ProfilePlan.pool_entry`, drawn
whatever `as_of` is, so a later run keeps it): as many enter each year as the published counts
say (6,550 by the end of 2021, 2022 report), and its qualification history reaches back to that
day — the 高新技术企业 certificates it renewed every three years since, or a lapsed one, or a
科技型中小企业 registration of the year it entered, with the previous year's indicators that
earn it and a registration each later year the figures still pass — so its loans
(`techfin.demo.loans`) are eligible when disbursed.

Demo characters (`cast_characters`): a showcase borrower (seven years of indicators from four
sources, certificates renewed, a registration every year, 专精特新, loans; the `enterprise`
login is its accountant), and a few enterprises from the plan's 151st on that each show one
"no" of the engines, so the user guide can point at them; `techfin demo` prints them.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from techfin.domain import tech_sme
from techfin.domain.high_tech import rd_threshold_percent
from techfin.domain.versioning import NoRuleSetInForce

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
GOLDEN = (math.sqrt(5) - 1) / 2
HIGH_TECH_SHARE = 0.80
REGISTERS = 0.62  # enterprises that apply for a 科技型中小企业 registration each year
SKIPS_A_YEAR = 0.15  # a registrant that does not apply in a given year

# Sizes are drawn for this year; the other years follow from the enterprise's growth.
BASE_YEAR = 2024
# The figures a weakness that starts after the pool entry may first show in: a fixed range, so
# a later run of the demo tells the same story.
WEAK_FROM = (2023, 2025)
# 国科发政〔2017〕115号 came out in May 2017 (in force 2017-05-03 [U], `tech_sme.TECH_SME_2017`):
# the first registrations under it are dated after that.
FIRST_REGISTRATION = dt.date(2017, 5, 8)

SURNAMES = "陈李张王刘黄林吴周郑何罗梁谢"
GIVEN = ["志强", "伟", "敏", "晓东", "丽华", "建国", "海燕", "俊杰", "嘉欣", "子豪", "文静", "国华"]

# What kind of enterprise a story tells (see the module docstring), by whether it holds a
# certificate today, with weights.
HOLDER_KINDS = {"strong": 93, "slipping": 7}
OTHER_KINDS = {"tech_sme": 40, "low_rd": 25, "few_tech_staff": 15, "too_large": 20}
WEAK_KINDS = frozenset({"slipping", "low_rd", "few_tech_staff"})
# Size bands: head count and revenue (yuan) in BASE_YEAR.
BANDS: dict[str, tuple[tuple[int, int], tuple[float, float], int]] = {
    "micro": ((6, 19), (1e6, 3e6), 10),
    "small": ((20, 99), (3e6, 30e6), 52),
    "medium": ((100, 299), (25e6, 160e6), 32),
    "large": ((320, 1200), (220e6, 1.5e9), 6),
}
CAPITAL_WAN = {"micro": (100, 300), "small": (300, 2000), "medium": (1000, 10000), "large": (5000, 50000)}


# --- demo characters ----------------------------------------------------------------------------

SHOWCASE = "showcase"
# Each character shows one "no" of the engines (or, for the showcase, every "yes"), with what to
# look at; `techfin demo` prints them and the user guide lists them (docs/enterprises.md).
CHARACTERS: dict[str, str] = {
    SHOWCASE: "every verdict yes: seven years of indicators from four sources, high-tech certificate renewed, "
              "a tech-SME registration every year, 专精特新, loans (log in as 'enterprise' to see it as its "
              "accountant does)",
    "too_large": "high-tech enterprise too large for a tech SME (over 500 staff, revenue and assets over "
                 "2亿元); in most industries also large by the SME size rules, so outside the 2025 pool rules",
    "low_rd": "fails the tech-SME evaluation: R&D under 2% of revenue scores 0 of 50, total under 60",
    "few_tech_staff": "fails the tech-SME evaluation: technology staff under 10% of employees score 0, "
                      "which no total can make up",
    "abnormal_listing": "recently put on the abnormal operations list: not eligible for the pool, and a "
                        "tech-SME basic condition fails",
    "dishonest_debtor": "a tech SME on the dishonest debtors list: not eligible for the pool while listed",
    "medium_no_certificate": "a medium-sized tech SME without a high-tech certificate: outside the 2025 pool "
                             "rules, which admit a medium enterprise only with a certificate or on the "
                             "key-support list",
    "slipping": "holds a valid high-tech certificate, but its R&D fell below the criteria in the last two "
                "years: the advisory check says no, the certificate stands",
}
# The story each character is given, and whether it holds a high-tech certificate today.
_CHARACTER_KINDS: dict[str, tuple[str, bool]] = {
    SHOWCASE: ("strong", True), "too_large": ("strong", True), "low_rd": ("low_rd", False),
    "few_tech_staff": ("few_tech_staff", False), "abnormal_listing": ("tech_sme", False),
    "dishonest_debtor": ("tech_sme", False), "medium_no_certificate": ("tech_sme", False),
    "slipping": ("slipping", True),
}
CHARACTERS_FROM = 150  # the small demo's first enterprise that does not borrow


def cast_characters(founded: Sequence[dt.date], *, as_of: dt.date, borrowers: int) -> dict[int, str]:
    """Which enterprises of the plan (by position; `founded` = their founding days) play the
    characters: the showcase is the first borrower founded at least eight years before `as_of`
    (a long history to show; the `enterprise` login is its accountant); the others are taken in
    order from position `CHARACTERS_FROM` on, among enterprises founded at least six years before
    (old enough for a certificate history)."""
    showcase = next((i for i in range(min(borrowers, len(founded))) if founded[i].year <= as_of.year - 8), 0)
    cast: dict[int, str] = {showcase: SHOWCASE} if founded else {}
    roles = [role for role in CHARACTERS if role != SHOWCASE]
    for index in range(CHARACTERS_FROM, len(founded)):
        if not roles:
            break
        if index not in cast and founded[index].year <= as_of.year - 6:
            cast[index] = roles.pop(0)
    return cast


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

    def active_on(self, on: dt.date) -> bool:
        return self.start_on <= on and (self.end_on is None or on < self.end_on)


@dataclass(frozen=True)
class ProfilePlan:
    details: dict[str, Any]
    qualifications: tuple[QualificationPlan, ...] = ()
    reports: tuple[ReportPlan, ...] = ()
    risks: tuple[RiskPlan, ...] = field(default_factory=tuple)
    pool_entry: dt.date | None = None  # the day it entered the credit pool (its first loan is on or after it)
    story: str = ""  # the kind of enterprise (`Story.kind`)
    character: str | None = None  # the demo character it plays (`CHARACTERS`), if any


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


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _anniversary(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year + years)  # certificates are dated in December: no 29 February


# --- the story of an enterprise ---------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """What kind of enterprise it is (`HOLDER_KINDS`, `OTHER_KINDS`), drawn once: its size in
    `BASE_YEAR`, its growth and its ratios. A weak kind's weakness (R&D, technology staff or
    high-tech income below the mark) shows from `weak_from` on (None: in every year)."""

    kind: str
    band: str
    employees: float
    revenue: float  # yuan
    growth: float  # revenue, a year
    staff_growth: float
    asset_ratio: float  # total assets / revenue
    cost_ratio: float  # total costs and expenses / revenue
    income_ratio: float  # total income / revenue
    tech_share: float  # technology staff / employees
    rd_share: float  # R&D / revenue
    high_tech_income_share: float  # of total income
    domestic_rd_share: float
    weak_from: int | None = None
    weak_tech_share: float | None = None
    weak_rd_share: float | None = None
    weak_income_share: float | None = None
    ip1: tuple[float, float] = (0.0, 0.0)  # class I IP rights held in BASE_YEAR, added a year
    ip2: tuple[float, float] = (0.0, 0.0)
    ip1_floor: int = 0
    ip2_floor: int = 0
    institution_from: int | None = None  # provincial-level R&D institution recognised that year
    standard_in: int | None = None  # led a standard that year (counts five years)
    award_in: int | None = None  # national award, among the first three (counts five years)

    def weak_in(self, year: int) -> bool:
        return self.kind in WEAK_KINDS and (self.weak_from is None or year >= self.weak_from)


def _draw_story(rng: random.Random, *, holder: bool, listed: bool, entry_year: int | None,
                character: str | None, industry_code: str) -> Story:
    """A story for the enterprise. `entry_year`: it enters the pool on a 科技型中小企业
    registration of that year, so the figures of the year before must pass the evaluation: a
    weakness starts later, and one that outgrew the SME limits was within them then."""
    kind = _CHARACTER_KINDS[character][0] if character is not None else _pick(
        rng, HOLDER_KINDS if holder else OTHER_KINDS)
    band = _pick(rng, {name: weight for name, (_e, _r, weight) in BANDS.items()})
    if listed or kind == "too_large":
        band = "large"
    elif kind in ("tech_sme", "low_rd", "few_tech_staff") and band == "large":
        band = "medium"  # a large enterprise is "too large" before anything else
    (e_low, e_high), (r_low, r_high), _weight = BANDS[band]
    employees, revenue = rng.uniform(e_low, e_high), rng.uniform(r_low, r_high)
    strong = kind in ("strong", "slipping")
    growth = rng.uniform(1.04, 1.22) if strong else rng.uniform(1.0, 1.15)
    story = Story(
        kind=kind, band=band, employees=employees, revenue=revenue, growth=growth,
        staff_growth=1 + (growth - 1) * rng.uniform(0.3, 0.7),
        asset_ratio=rng.uniform(0.5, 1.3), cost_ratio=rng.uniform(0.78, 0.95), income_ratio=rng.uniform(1.0, 1.04),
        tech_share=rng.uniform(0.16, 0.55) if strong else rng.uniform(0.15, 0.4),
        rd_share=rng.uniform(0.055, 0.11) if strong else rng.uniform(0.04, 0.09),
        high_tech_income_share=rng.uniform(0.64, 0.92) if strong else rng.uniform(0.25, 0.7),
        domestic_rd_share=rng.uniform(0.85, 1.0),
        ip1=(rng.uniform(1, 8), rng.uniform(0, 1.5)) if strong else (rng.uniform(0, 3), rng.uniform(0, 0.6)),
        ip2=(rng.uniform(4, 25), rng.uniform(0, 4)),
        # A holder has core IP (第十一条(二)); a tech SME without class I rights has class II ones.
        ip1_floor=0 if kind == "tech_sme" else 1, ip2_floor=4 if kind == "tech_sme" else 0,
        institution_from=BASE_YEAR - rng.randint(0, 6) if strong and rng.random() < 0.15 else None,
        standard_in=BASE_YEAR - rng.randint(0, 6) if strong and rng.random() < 0.06 else None,
        award_in=BASE_YEAR - rng.randint(0, 6) if strong and rng.random() < 0.02 else None,
    )
    story = _weakness(rng, story, entry_year, slip=("rd" if character == "slipping" else None))
    if kind == "too_large":
        story = _too_large(rng, story, entry_year)
    if character is not None:
        story = _cast(rng, story, character, industry_code)
    return story


def _weakness(rng: random.Random, story: Story, entry_year: int | None, slip: str | None) -> Story:
    """A weak kind's weakness and the year it starts showing (`slip`: what a slipping holder let
    slip, else drawn)."""
    if story.kind == "slipping":
        # A holder whose figures slipped in the last two years: R&D under the floor of its sales
        # band (第十一条(五), over three years), high-tech income under 60% or technology staff
        # under 10% (第十一条(六), (四)).
        what = slip or _pick(rng, {"rd": 5, "income": 3, "staff": 2})
        floor = float(rd_threshold_percent(_yuan(story.revenue * story.growth))) / 100
        if what == "rd":
            story = replace(story, rd_share=floor + rng.uniform(0.004, 0.012), weak_rd_share=floor * rng.uniform(0.5, 0.7))
        elif what == "income":
            story = replace(story, weak_income_share=rng.uniform(0.5, 0.57))
        else:
            story = replace(story, weak_tech_share=rng.uniform(0.07, 0.095))
        return replace(story, weak_from=max(WEAK_FROM[1] - 1, entry_year or 0))
    if story.kind == "low_rd":  # R&D under 2% of revenue (and of costs under 10%): 0 of 50 points
        story = replace(story, weak_rd_share=rng.uniform(0.004, 0.018))
    elif story.kind == "few_tech_staff":  # under 10%: the 科技人员 indicator scores 0 (第六条(五))
        story = replace(story, weak_tech_share=rng.uniform(0.04, 0.09))
    else:
        return story
    # Weak all along, unless it entered the pool on a registration: then from a year after.
    if entry_year is None:
        return story
    return replace(story, weak_from=rng.randint(max(entry_year, WEAK_FROM[0]), max(entry_year, WEAK_FROM[1])))


def _too_large(rng: random.Random, story: Story, entry_year: int | None) -> Story:
    """Over 2亿元 of revenue (and often assets) or over 500 staff: not a tech SME (第六条(二)).
    One that entered the pool on a registration grew out of the limits since."""
    story = replace(story, employees=rng.uniform(280, 700), revenue=rng.uniform(2.2e8, 5e8),
                    asset_ratio=rng.uniform(0.7, 1.15), tech_share=rng.uniform(0.12, 0.3),
                    rd_share=rng.uniform(0.03, 0.06))
    if entry_year is None:
        return story
    years = BASE_YEAR - (entry_year - 1)
    then = rng.uniform(0.9e8, 1.5e8)  # revenue in the year before the entry
    most = then * 1.3 ** years * 0.95 if years > 0 else 0.0
    if most < 2.2e8:  # too recent an entry to have outgrown the limits since: cut its R&D instead
        return _weakness(rng, replace(story, kind="low_rd", band="medium", employees=rng.uniform(100, 299),
                                      revenue=rng.uniform(25e6, 160e6), ip1_floor=1), entry_year, None)
    revenue = min(story.revenue, most)
    staff_growth = max(story.staff_growth, (story.employees / 450) ** (1 / years))
    return replace(story, revenue=revenue, growth=(revenue / then) ** (1 / years), staff_growth=staff_growth)


def _cast(rng: random.Random, story: Story, character: str, industry_code: str) -> Story:
    """The figures a demo character needs to show its point."""
    if character == SHOWCASE:
        # A software firm growing 16% a year to 1亿元: medium, R&D 6.8%, a third of its staff
        # in R&D, a provincial R&D centre since 2020, a standard led in 2022.
        return replace(story, band="medium", employees=150.0, revenue=9.0e7, growth=1.16, staff_growth=1.08,
                       asset_ratio=0.85, cost_ratio=0.86, income_ratio=1.02, tech_share=0.34, rd_share=0.068,
                       high_tech_income_share=0.82, domestic_rd_share=0.96, ip1=(9.0, 1.6), ip2=(24.0, 3.0),
                       institution_from=BASE_YEAR - 4, standard_in=BASE_YEAR - 2, award_in=None)
    if character == "too_large":
        # Large by 工信部联企业〔2011〕300号 in most industries too (≥1000 staff and ≥4亿元 in 工业).
        return replace(story, band="large", employees=rng.uniform(1000, 1500), revenue=rng.uniform(5e8, 9e8),
                       asset_ratio=rng.uniform(0.8, 1.2), ip1=(rng.uniform(30, 60), rng.uniform(3, 8)),
                       ip2=(rng.uniform(60, 150), rng.uniform(5, 15)))
    if character == "medium_no_certificate":
        # Medium by 工信部联企业〔2011〕300号 whatever the industry: ≥300 staff (工业) or ≥100
        # (services, under their 300-person SME ceiling), revenue under 1亿元.
        staff = (150, 280) if industry_code.startswith("7") else (320, 460)
        return replace(story, band="medium", employees=rng.uniform(*staff), revenue=rng.uniform(5e7, 9e7),
                       growth=rng.uniform(1.03, 1.08), asset_ratio=rng.uniform(0.6, 1.0))
    if character in ("abnormal_listing", "dishonest_debtor", "low_rd", "few_tech_staff"):
        # A small enterprise whose only "no" is the character's.
        return replace(story, band="small", employees=rng.uniform(30, 90), revenue=rng.uniform(8e6, 28e6),
                       tech_share=rng.uniform(0.2, 0.4), rd_share=rng.uniform(0.05, 0.08), ip1_floor=1)
    return story


def _sound_story(story: Story) -> Story:
    """A small tech SME that passes the evaluation in every year: the fallback for a pool entrant
    whose drawn story would not have earned the registration it entered on."""
    return replace(story, kind="tech_sme", band="small", employees=50.0, revenue=1.5e7, growth=1.08,
                   staff_growth=1.04, asset_ratio=0.8, tech_share=0.25, rd_share=0.06, weak_from=None,
                   weak_tech_share=None, weak_rd_share=None, weak_income_share=None, ip1=(2.0, 0.3), ip1_floor=1)


# --- indicators ------------------------------------------------------------------------------------

TAX_FIELDS = ("revenue", "total_assets", "rd_expense", "total_cost_expense", "total_income")
REGISTRATION_FIELDS = ("employees", "total_assets")
THIRD_PARTY_FIELDS = ("ip_class1", "ip_class2")


def _figures(story: Story, year: int, rng: random.Random) -> dict[str, Any]:
    """The enterprise's figures for a year (those the platform uses once every report is in)."""
    t = year - BASE_YEAR
    weak = story.weak_in(year)
    revenue = story.revenue * story.growth ** t * rng.uniform(0.96, 1.04)
    employees = max(3, round(story.employees * story.staff_growth ** t * rng.uniform(0.98, 1.02)))
    share = story.weak_tech_share if weak and story.weak_tech_share is not None else story.tech_share
    tech = round(employees * share * rng.uniform(0.96, 1.04))
    # Keep the story's side of 10% (the 科技人员 indicator's lowest band) whatever the rounding.
    tenth = math.ceil(employees / 10)
    tech = min(tech, tenth - 1, employees) if share < 0.1 else min(max(tech, tenth), employees)
    rd_share = story.weak_rd_share if weak and story.weak_rd_share is not None else story.rd_share
    rd = revenue * rd_share * rng.uniform(0.97, 1.03)
    income = revenue * story.income_ratio
    income_share = (story.weak_income_share if weak and story.weak_income_share is not None
                    else story.high_tech_income_share)
    return {
        "employees": employees, "tech_staff": tech, "revenue": _yuan(revenue),
        "total_assets": _yuan(revenue * story.asset_ratio * rng.uniform(0.97, 1.03)),
        "rd_expense": _yuan(rd), "domestic_rd_expense": _yuan(rd * story.domestic_rd_share),
        "total_cost_expense": _yuan(revenue * story.cost_ratio * rng.uniform(0.98, 1.02)),
        "high_tech_income": _yuan(income * income_share), "total_income": _yuan(income),
        "ip_class1": max(story.ip1_floor, round(story.ip1[0] + story.ip1[1] * t)),
        "ip_class2": max(story.ip2_floor, round(story.ip2[0] + story.ip2[1] * t)),
        "national_award_top3": story.award_in is not None and story.award_in <= year < story.award_in + 5,
        "provincial_rd_institution": story.institution_from is not None and year >= story.institution_from,
        "led_standard": story.standard_in is not None and story.standard_in <= year < story.standard_in + 5,
    }


@dataclass(frozen=True)
class YearPlan:
    """One fiscal year: the figures used, the enterprise's own declaration (which a tax filing,
    an annual report or a patent database may correct), and which of those reports exist."""

    year: int
    used: dict[str, Any]
    declared: dict[str, Any]
    tax: bool
    registration: bool
    third_party: bool

    def views(self, on: dt.date) -> list[dict[str, Any]]:
        """What the platform reads for the year on `on` and later, as its reports arrive: the
        declaration (before any registration that reads it), then with the tax filing (31 May),
        the annual report (30 June), the patent data (15 August) of the next year."""
        states = [(dt.date.min, self.declared)]
        for present, month, day, fields in ((self.tax, 5, 31, TAX_FIELDS), (self.registration, 6, 30, REGISTRATION_FIELDS),
                                            (self.third_party, 8, 15, THIRD_PARTY_FIELDS)):
            if present:
                states.append((dt.date(self.year + 1, month, day),
                               {**states[-1][1], **{name: self.used[name] for name in fields}}))
        # The state on `on` (the last report in by then) and every later one.
        first = max(index for index, (arrived, _values) in enumerate(states) if arrived <= on)
        return [values for _arrived, values in states[first:]]


def _year(story: Story, year: int, rng: random.Random, *, every_source: bool = False) -> YearPlan:
    used = _figures(story, year, rng)
    tax = every_source or rng.random() < 0.75
    registration = every_source or rng.random() < 0.25
    third_party = every_source and used["ip_class1"] > 0  # patent data: the showcase's
    declared = dict(used)
    # A declaration made before the books were closed, overstating sales and R&D: the tax
    # filing corrects it.
    if tax and rng.random() < 0.3:
        declared["revenue"] = _yuan(float(used["revenue"]) * rng.uniform(1.02, 1.12))
        declared["rd_expense"] = _yuan(float(used["rd_expense"]) * rng.uniform(1.0, 1.06))
    if registration:  # the annual report's head count differs by a person or two
        declared["employees"] = max(used["tech_staff"], used["employees"] + rng.choice([0, 0, 1, 2, -1]))
    if third_party:  # an application counted as a granted patent
        declared["ip_class1"] = used["ip_class1"] + rng.choice([1, 1, 2])
    return YearPlan(year, used, declared, tax, registration, third_party)


def _reports(years: dict[int, YearPlan], declared_by: dict[int, dt.date], stream: Any,
             as_of: dt.date) -> list[ReportPlan]:
    """Each year's reports: the declaration early in the next year (before a registration that
    reads it), the tax filing by 31 May, the annual report by 30 June, patent data in August."""
    plans: list[ReportPlan] = []
    for year, plan in sorted(years.items()):
        declared_on = dt.date(year + 1, 3, stream(f"reports:{year}").randint(1, 28))
        if year in declared_by:
            declared_on = max(dt.date(year + 1, 1, 2), min(declared_on, declared_by[year]))
        plans.append(ReportPlan(year, "self_reported", declared_on, tuple(plan.declared.items())))
        for present, source, day, fields in (
                (plan.tax, "tax", dt.date(year + 1, 5, 31), TAX_FIELDS),
                (plan.registration, "registration", dt.date(year + 1, 6, 30), REGISTRATION_FIELDS),
                (plan.third_party, "third_party", dt.date(year + 1, 8, 15), THIRD_PARTY_FIELDS)):
            if present:
                plans.append(ReportPlan(year, source, day, tuple((name, plan.used[name]) for name in fields)))
    return [plan for plan in plans if plan.obtained_on <= as_of]


# --- 科技型中小企业 registrations ------------------------------------------------------------------


EVALUATED = ("employees", "tech_staff", "revenue", "total_assets", "rd_expense", "total_cost_expense", "ip_class1",
             "ip_class2", "national_award_top3", "provincial_rd_institution", "led_standard")


def _evaluation_passes(views: Sequence[dict[str, Any]], on: dt.date, certificates: Sequence[QualificationPlan],
                       risks: Sequence[RiskPlan]) -> bool:
    """Whether 国科发政〔2017〕115号 (or its 2022 revision, whichever is in force on `on`) admits the
    enterprise on every view of its figures, with the certificate and listings of that day."""
    try:
        rules = tech_sme.tech_sme_rules_in_force(on)
    except NoRuleSetInForce:
        return False
    holds = any(q.kind == "high_tech" and q.valid_from <= on < _anniversary(q.valid_from, 3) for q in certificates)
    abnormal = any(r.kind == "abnormal_operations" and r.active_on(on) for r in risks)
    serious = any(r.kind == "serious_violation" and r.active_on(on) for r in risks)
    seen: set[tuple[Any, ...]] = set()
    for values in views:
        key = tuple(values[name] for name in EVALUATED)
        if key in seen:  # a report that corrects nothing the evaluation reads
            continue
        seen.add(key)
        data = tech_sme.TechSmeInput(
            employees=values["employees"], tech_staff=values["tech_staff"], revenue=values["revenue"],
            total_assets=values["total_assets"], rd_expense=values["rd_expense"],
            total_cost_expense=values["total_cost_expense"], ip_class1=values["ip_class1"],
            ip_class2=values["ip_class2"], mainland_resident=True, on_abnormal_list=abnormal,
            serious_violation=serious, has_valid_high_tech=holds,
            national_award_top3_in_5y=values["national_award_top3"],
            provincial_rd_institution=values["provincial_rd_institution"],
            led_standard_in_5y=values["led_standard"])
        if not tech_sme.evaluate_tech_sme(data, on, rules).passed:
            return False
    return True


def _registration_day(rng: random.Random, year: int, by: dt.date | None) -> dt.date:
    """A registration is announced between April and September; one the pool entry needs is
    dated by that day (from January, when the national platform opens); never before the
    evaluation measures were in force."""
    day = _day(rng, year, (4, 9))
    if by is not None and by.year == year:
        day = min(day, by)
    return max(day, FIRST_REGISTRATION, dt.date(year, 1, 6))


# --- the profile -------------------------------------------------------------------------------------


def plan_profile(*, uscc: str, name: str, district_code: str, founded_on: dt.date, seed: int,
                 as_of: dt.date, in_pool: bool = True, index: int | None = None,
                 character: str | None = None) -> ProfilePlan:
    """The profile of one demo enterprise; `in_pool`: it borrows from the credit pool, so it has
    a pool entry day and the qualification history that goes with it; `index`: its position in
    the plan (spreads the IAB/NEM tags evenly); `character`: the demo character it plays."""
    # One stream per part, so changing how one part is drawn (a share, a range) leaves the
    # others as they were and a re-run with the new code only adds what changed.
    def stream(part: str) -> random.Random:
        return random.Random(f"{seed}:{uscc}:{part}")

    rng = stream("details")
    trade = next((t for t in TRADES if t in name), "信息科技")
    codes, sei, possible_tags = TRADES[trade]
    tag_draw, second_tag_draw = rng.random(), rng.random()
    if index is not None:
        tag_draw = (index * GOLDEN + random.Random(f"{seed}:tags").random()) % 1
    tags = [possible_tags[0]] if possible_tags and (tag_draw < TAG_SHARE or character == SHOWCASE) else []
    if len(possible_tags) > 1 and tags and second_tag_draw < 0.4:
        tags.append(possible_tags[1])
    old_enough = founded_on.year < as_of.year - 1
    high_tech = stream("high_tech").random() < HIGH_TECH_SHARE and old_enough
    listed = rng.random() < 0.01
    if character is not None:
        high_tech, listed = _CHARACTER_KINDS[character][1] and old_enough, False
    industry_code = rng.choice(codes)
    pool_entry = _pool_entry(stream("pool"), founded_on) if in_pool else None
    certificates = _certificates(stream("qualifications"), uscc, district_code, founded_on, high_tech, as_of,
                                 pool_entry, every=character == SHOWCASE)
    risks = _risks(stream("risks"), as_of) if character is None else _character_risks(character, as_of)
    # Not holding a certificate on the day it entered the pool: it entered on a 科技型中小企业
    # registration of that year (the national evaluation began in 2017), or of the first year
    # it could have one.
    entry_year = None
    if pool_entry is not None and not _covered(certificates, pool_entry):
        entry_year = max(pool_entry.year, FIRST_REGISTRATION.year, founded_on.year + 1)
    story_rng = stream("story")
    story = _draw_story(story_rng, holder=high_tech, listed=listed, entry_year=entry_year, character=character,
                        industry_code=industry_code)
    entry_day, entry_passes = None, False  # the entry registration's day, and whether the story earns it
    if entry_year is not None:
        entry_day = _registration_day(stream("entry registration"), entry_year, pool_entry)
        for _attempt in range(5):
            entry_figures = _year(story, entry_year - 1, stream(f"figures:{entry_year - 1}"),
                                  every_source=character == SHOWCASE)
            if _evaluation_passes(entry_figures.views(entry_day), entry_day, certificates, risks):
                entry_passes = True
                break
            story = _draw_story(story_rng, holder=high_tech, listed=listed, entry_year=entry_year,
                                character=character, industry_code=industry_code)
        else:
            story = _sound_story(story)

    # Three years of figures, or back to the year before the registration it entered the pool on.
    first = as_of.year - (7 if character == SHOWCASE else 3)
    if entry_year is not None:
        first = min(first, entry_year - 1)
    years = {year: _year(story, year, stream(f"figures:{year}"), every_source=character == SHOWCASE)
             for year in range(max(first, founded_on.year), as_of.year)}

    # 科技型中小企业: a registrant applies each year (from the year it entered the pool on one,
    # or the last three); a registration is granted when the evaluation passes that day on the
    # previous year's figures.
    reg_rng = stream("registrations")
    registers = reg_rng.random() < REGISTERS or entry_year is not None or character == SHOWCASE
    start_year = entry_year or as_of.year - (6 if character == SHOWCASE else 2)
    registrations: list[QualificationPlan] = []
    declared_by: dict[int, dt.date] = {}
    serial = uscc[10:16]
    for year in range(start_year, as_of.year + 1):
        skipped = reg_rng.random() < SKIPS_A_YEAR and year != entry_year and character != SHOWCASE
        start = _registration_day(reg_rng, year, None)
        if year == entry_year and entry_day is not None:
            start = entry_day
        figures = years.get(year - 1)
        if not registers or skipped or start > as_of or start.year != year or figures is None:
            continue
        if (year == entry_year and entry_passes) or _evaluation_passes(figures.views(start), start, certificates,
                                                                       risks):
            registrations.append(QualificationPlan("tech_sme", f"{year}{district_code}{serial}", start, year=year,
                                                   issuer="广东省科学技术厅"))
            declared_by[year - 1] = start - dt.timedelta(days=3)

    capital = CAPITAL_WAN[story.band]
    details = {
        "industry_code": industry_code, "sei_category": sei, "industry_tags": tags,
        "registered_capital": _yuan(round(story_rng.uniform(*capital) / 100) * 100 * 10_000),
        "contact_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "contact_phone": f"020-{rng.randint(3000_0000, 8999_9999)}",
        "listed": listed,
    }
    others = _other_qualifications(stream("other qualifications"), uscc, story, high_tech, as_of, character)
    qualifications = [q for q in (*certificates, *registrations, *others) if q.valid_from <= as_of]
    return ProfilePlan(
        details=details,
        qualifications=tuple(qualifications),
        reports=tuple(_reports(years, declared_by, stream, as_of)),
        risks=tuple(risks),
        pool_entry=pool_entry,
        story=story.kind,
        character=character,
    )


def _certificates(rng: random.Random, uscc: str, district_code: str, founded_on: dt.date, high_tech: bool,
                  as_of: dt.date, pool_entry: dt.date | None, every: bool = False) -> list[QualificationPlan]:
    """高新技术企业 certificates: the valid one of a holder (with the one it renewed, half the
    time), a lapsed one, and back to the pool entry the ones renewed before; `every`: the
    certificates of the last twelve years, renewed each time."""
    year = as_of.year
    serial = uscc[10:16]
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
        if every:
            last = max(last, min(len(issued), 4) - 1)
    elif rng.random() < 0.3 and len(issued) > 1:
        first = last = 1  # lapsed, not renewed
    # Back to the pool entry: the certificates renewed before (a lapsed one was held until the lapse).
    while last >= 0 and pool_entry is not None and issued[last] > pool_entry and last + 1 < len(issued):
        last += 1
    return [QualificationPlan("high_tech", f"GR{d.year}44{serial}{district_code[4:]}", d, issued_on=d,
                              issuer="广东省科学技术厅等")
            for d in (issued[first:last + 1] if last >= 0 else [])]


def _other_qualifications(rng: random.Random, uscc: str, story: Story, high_tech: bool, as_of: dt.date,
                          character: str | None) -> list[QualificationPlan]:
    """专精特新, 创新型中小企业 and 小巨人 (only for a sound SME: they require R&D and size
    within the SME limits), the 培育库 for a tech SME aiming at a certificate, a competition
    award, the 2025 key-support list."""
    plans: list[QualificationPlan] = []
    year = as_of.year
    serial = uscc[10:16]
    sound = story.kind in ("strong", "slipping", "tech_sme") and story.band != "large"
    for kind, share, start_year in (("innovative_sme", 0.20, year - 2), ("specialised", 0.15, year - 2)):
        if sound and (rng.random() < share or character == SHOWCASE):
            start = _day(rng, start_year, (6, 9))
            plans.append(QualificationPlan(kind, f"{kind[:2].upper()}{start_year}{serial}", start,
                                           issued_on=start, issuer="广东省工业和信息化厅"))
            if kind == "specialised" and (rng.random() < 0.2 or character == SHOWCASE):
                # The national 小巨人 list takes provincial 专精特新 enterprises, a year on.
                giant = _day(rng, start_year + 1, (7, 8))
                plans.append(QualificationPlan("little_giant", f"XJR{start_year + 1}{serial}", giant,
                                               issued_on=giant, issuer="工业和信息化部"))
    if not high_tech and story.kind == "tech_sme" and rng.random() < 0.25 and character is None:
        plans.append(QualificationPlan("high_tech_reserve", "", _day(rng, year - 2), issuer="广州市科学技术局"))
    if sound and rng.random() < 0.08 and character is None:
        plans.append(QualificationPlan("competition_award", "", _day(rng, year - 1, (10, 12)),
                                       issuer="中国创新创业大赛(广州赛区)组委会"))
    list_day = dt.date(2025, 10, 1)
    if as_of >= list_day and rng.random() < 0.10 and character is None:
        plans.append(QualificationPlan("key_support", "", list_day, issuer="广州市地方金融管理局"))
    return plans


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


def _character_risks(character: str, as_of: dt.date) -> list[RiskPlan]:
    """A character's own risk events (and no drawn ones, which would blur its point)."""
    if character == "abnormal_listing":
        return [RiskPlan("abnormal_operations", "market_regulator", "", as_of - dt.timedelta(days=95), None,
                         description="通过登记的住所或者经营场所无法联系")]
    if character == "dishonest_debtor":
        start = as_of - dt.timedelta(days=150)
        return [RiskPlan("dishonest_debtor", "court", f"({start.year})粤0106执{4000 + start.month * 37}号", start, None,
                         amount=Decimal("1860000"), description="有履行能力而拒不履行生效法律文书确定义务")]
    if character == SHOWCASE:  # a dispute with a supplier, settled: lifted, and no bar to anything
        year = as_of.year - 4
        return [RiskPlan("lawsuit", "court", f"({year})粤0112民初{10_000 + year % 1000}号", dt.date(year, 3, 14),
                         dt.date(year, 11, 20), amount=Decimal("860000"), description="买卖合同纠纷（调解结案）")]
    return []
