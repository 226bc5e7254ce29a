"""Demo loans (入池贷款): the 28 banks' loans from 2016-02 to the last complete month before the
demo's date (`last_period`), filed month by month through `file_loans` and followed by monthly
status reports through `report_statuses`.

The plan follows the published figures (the pool's 500亿 report of January 2022 and the 2025 case
article on Guangzhou's technology finance):

* volume: first loan 2016-02, 100亿 lent by 2018, 300亿 by 2020, 504亿 by the end of 2021
  ("资金池放款年均增长率65%", 2022 report), 312.69亿 in 2024 and 1506亿 in all by 2025-05-31
  (2025 seed article): `YEAR_VOLUME_YI`;
* average loan 489万元 and 86.78% of loans at 1000万元 or less (2025 article): `_amount_wan`;
* credit granted (授信) 698亿 by 2021, 518.1亿 in 2024 and 2534亿 by 2025-05: `CREDIT_RATIO`;
* enterprises: 6,550 by 2021 and 13,281 by 2025-05, 5,640 borrowing in 2024 — each demo
  enterprise enters on its profile's `pool_entry` (`techfin.demo.profiles`), so the full demo's
  13,281 enterprises are the pool's, and about 1.13 loans per borrower and year;
* 73.83% of enterprises with a pure-credit (信用) loan ("4835家享受资金池的纯信用贷款");
* rates: 6–8% in 2016, 4–5% in 2021 (2022 report), 3.49% on average for loans of a year or
  less in the 2025 article — a spread over the benchmark rate (4.35%) and, from 2019-08-20,
  over the 1-year LPR in force (`techfin.domain.lpr`): `RATE_SPREAD`;
* non-performing ratio 0.32% of principal, 176 compensations for 149 enterprises: `_outcome` and
  `_cross_defaults` (an enterprise defaulting on one loan defaults on another open one with it).

After 2025 nothing is published, so the demo carries 2025 on (`year_volume_yi`, `_of_year`):
each later year lends 2025's volume grown by 2025's growth over 2024 (333 / 312.69, +6.5% a
year: 354.6亿 in 2026), with 2025's credit ratio and rate spread, to enterprises already in the
pool (none enters after 2025-05-31, `profiles.POOL_LAST_ENTRY`: the full demo's enterprises are
the published 13,281), under the rules in force — 穗金管规字〔2025〕1号 for loans disbursed from
2025-10-01 (its guarantee types and 政策工具 flag). Whole years are planned and filed up to the
last month, so where the demo stops within a year changes no draw; the years to 2025 are drawn
alike whatever the later years (but for the end of a few loans still open in a later year, which
an enterprise's default then takes along: `_cross_defaults`).

Every loan is eligible on its disbursement date (checked with the filing service's own
`EligibilityOracle` while planning), within the enterprise's yearly cap across banks, filed
a few days after the month's end (within the deadline), so every filing is accepted.

Status reports: every month in which something happens to a loan (an instalment repaid,
settlement, each month overdue, the month it turns non-performing) and, for the last months
(`REPORT_WINDOW`: 12 at full scale, 3 in the small demo), every open loan every month, so the
newest months have no loan missing its report. The last month is `last_period` of the demo's
date: every month whose report deadline has passed is reported, a loan past its maturity is
reported settled (or overdue and non-performing, for the ones that default, which the demo then
claims: `techfin.demo.claims`). A full monthly history of every loan (~15 reports a loan) is
left out: `report_statuses` compares each row with every earlier report of the loans in its
call, which makes long histories slow to file.

Deterministic for a seed and the demo's date, and idempotent: a contract already filed with the
same values, or a month already reported the same, is not sent again, so a second run writes
nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.db import transaction

from techfin.banks.models import Bank, Branch
from techfin.demo.profiles import MONTH_WEIGHTS, POOL_FIRST_MONTH
from techfin.domain.lpr import FIRST_PUBLICATION, LprTable
from techfin.domain.policy import GuaranteeType, PolicyBook, add_months
from techfin.enterprises.models import Enterprise
from techfin.filings.eligibility import EligibilityOracle
from techfin.filings.models import Filing, FilingStatus, LoanStatus, StatusReport
from techfin.filings.policies import current_policy_set
from techfin.filings.services import FilingRow, file_loans
from techfin.filings.status import report_statuses

T = TypeVar("T")
WAN = Decimal(10_000)
FULL_ENTERPRISES = 13_281
# 放款 per year in 亿元. 2025: 133亿 in January–May, so 1506亿 by 2025-05-31 (with MONTH_WEIGHTS).
# Later years (not published): `year_volume_yi`.
YEAR_VOLUME_YI: dict[int, float] = {2016: 16, 2017: 29, 2018: 57, 2019: 88, 2020: 118, 2021: 196,
                                    2022: 260, 2023: 296, 2024: 312.69, 2025: 333}
AVERAGE_WAN = 489
AVERAGE_UNDER_2000_CAP = 440  # to 2018 the per-enterprise cap was 2000万元, so fewer large loans
LOANS_PER_BORROWER = 1.13  # 2024: 312.69亿 / 489万 ≈ 6,394 loans to 5,640 enterprises
# 授信 / 放款 by year: 698/504 to 2021; 518.1/312.69 in 2024; 2534亿 in all by 2025-05.
CREDIT_RATIO: dict[int, float] = {2016: 1.385, 2017: 1.385, 2018: 1.385, 2019: 1.385, 2020: 1.385, 2021: 1.385,
                                  2022: 1.88, 2023: 1.88, 2024: 1.657, 2025: 1.85}
# Spread over the benchmark rate (4.35%) or, from 2019-08-20, the 1-year LPR, of loans up to a year.
RATE_SPREAD: dict[int, float] = {2016: 2.55, 2017: 2.1, 2018: 1.9, 2019: 1.25, 2020: 0.95, 2021: 0.7,
                                 2022: 0.55, 2023: 0.4, 2024: 0.18, 2025: 0.42}
BENCHMARK_1Y = Decimal("4.35")  # 一年期贷款基准利率, 2015-10-24 to the LPR reform
TAIL_SHARE = 0.1322  # loans above 1000万元: 1 - 86.78%
BODY_MEDIAN_WAN, BODY_SIGMA = 240.0, 0.8
ROUND_WAN = (50, 100, 150, 200, 300, 400, 500, 600, 800, 1000)
CREDIT_BORROWERS = 0.795  # enterprises that borrow on credit; with NON_CREDIT_SHARE, 73.83% have a 信用 loan
NON_CREDIT_SHARE = 0.12  # a credit borrower's loan that is secured after all
SECURED = {"guarantee": 32, "mortgage": 22, "pledge": 8, "ip_pledge": 18, "receivables_pledge": 6,
           "guarantee_insurance": 6, "other": 8}
# The 2025 measures' bank mode (政银) admits these only (穗金管规字〔2025〕1号).
UNDER_2025 = {"guarantee": "guarantee_insurance", "mortgage": "receivables_pledge", "pledge": "receivables_pledge",
              "other": "ip_pledge"}
RULES_2025 = dt.date(2025, 10, 1)
TERMS = {6: 6, 12: 62, 24: 16, 36: 16}  # months: weight (up to a year: 68%)
PURPOSES = {"流动资金周转": 55, "研发投入": 15, "设备采购": 10, "技术改造": 8, "市场拓展": 7, "原材料采购": 5}
# Outcomes: repaid early, paid late, non-performing (the rest are repaid at maturity).
PREPAID, LATE = 0.12, 0.02
DEFAULT_BY_SIZE = ((300, 0.0118), (600, 0.0046), (1000, 0.0012), (math.inf, 0.0003))  # by loan amount in 万元
CROSS_DEFAULT = 0.55  # a defaulting enterprise's other open loan defaults with it (176 claims / 149 enterprises)
NPL_AFTER_DAYS = 90
REPORT_WINDOW = 12
REPORT_CHUNK = 150  # loans per report_statuses call
BANK_WEIGHTS = {"ICBC": 8, "ABC": 6, "BOC": 6, "CCB": 8, "BOCOM": 4, "PSBC": 3, "CMB": 5, "SPDB": 3, "CITIC": 3,
                "CEB": 2, "HXB": 2, "CMBC": 2, "CGB": 3, "PAB": 3, "CIB": 3, "CZB": 2, "CBHB": 1, "EGB": 1,
                "GZCB": 7, "GRCB": 7, "DGB": 1, "GHB": 1, "NYB": 1, "BOB": 1, "BOS": 1, "CRB": 1, "CDB": 1,
                "WEBANK": 1}
MAIN_BANK_SHARE = 0.75


def year_volume_yi(year: int) -> float:
    """放款 of a year in 亿元: `YEAR_VOLUME_YI` to 2025; after it (not published), 2025's volume
    grown each year by 2025's growth over 2024 (+6.5%)."""
    last = max(YEAR_VOLUME_YI)
    if year <= last:
        return YEAR_VOLUME_YI[year]
    return YEAR_VOLUME_YI[last] * (YEAR_VOLUME_YI[last] / YEAR_VOLUME_YI[last - 1]) ** (year - last)


def _of_year(table: Mapping[int, float], year: int) -> float:
    """A yearly parameter; a year after the table's last (not published) keeps the last year's."""
    return table[min(year, max(table))]


# --- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Borrower:
    enterprise_id: int
    uscc: str
    name: str
    pool_entry: dt.date | None


@dataclass(frozen=True)
class MonthState:
    """A loan at the end of a month, as its status report says it."""

    period: dt.date
    status: str
    overdue_days: int
    outstanding: Decimal
    repaid: Decimal


@dataclass(frozen=True)
class LoanPlan:
    contract_no: str
    bank: str
    borrower: Borrower
    branch: str
    credit: Decimal
    amount: Decimal
    disbursed_on: dt.date
    maturity_on: dt.date
    rate: Decimal
    guarantee: str
    purpose: str
    first_loan: bool
    policy_tool: bool
    outcome: str  # maturity | prepaid | late | default
    settle_period: dt.date | None  # prepaid: the month repaid; late: the month finally repaid
    default_on: dt.date | None  # default: the instalment date missed

    def values(self) -> dict[str, Any]:
        """The loan as a row of the filing template, parsed."""
        return {
            "contract_no": self.contract_no, "uscc": self.borrower.uscc, "enterprise_name": self.borrower.name,
            "branch": self.branch or None, "credit_amount": self.credit, "loan_amount": self.amount,
            "disbursed_on": self.disbursed_on, "maturity_on": self.maturity_on, "annual_rate": self.rate,
            "guarantee_type": self.guarantee, "purpose": self.purpose, "first_loan": self.first_loan,
            "third_party": None, "third_party_share": None, "compensation_mode": None,
            "policy_tool": self.policy_tool if self.disbursed_on >= RULES_2025 else None,
        }

    def instalments(self) -> list[tuple[dt.date, Decimal]]:
        """Principal due: a share at each anniversary of a loan over a year, the rest at maturity."""
        months = (self.maturity_on.year - self.disbursed_on.year) * 12 + self.maturity_on.month - self.disbursed_on.month
        shares = {24: (Decimal("0.3"),), 36: (Decimal("0.2"), Decimal("0.3"))}.get(months, ())
        due: list[tuple[dt.date, Decimal]] = []
        for n, share in enumerate(shares, start=1):
            due.append((add_months(self.disbursed_on, 12 * n), (self.amount * share).quantize(Decimal("0.01"))))
        due.append((self.maturity_on, self.amount - sum((amount for _d, amount in due), Decimal(0))))
        return due

    def states(self, last: dt.date) -> list[MonthState]:
        """Month by month from disbursement to settlement (or to `last`)."""
        result: list[MonthState] = []
        outstanding = self.amount
        due = self.instalments()
        period = self.disbursed_on.replace(day=1)
        while period <= last:
            end = _month_end(period)
            before = outstanding
            status, days = LoanStatus.NORMAL.value, 0
            if self.outcome == "prepaid" and self.settle_period is not None and period >= self.settle_period:
                outstanding = Decimal(0)
            elif self.outcome == "default" and self.default_on is not None and end >= self.default_on:
                # What fell due before the missed instalment was paid; nothing after.
                outstanding = self.amount - sum((a for d, a in due if d < self.default_on), Decimal(0))
                days = max(1, (end - self.default_on).days)
                status = LoanStatus.OVERDUE.value if days <= NPL_AFTER_DAYS else LoanStatus.NON_PERFORMING.value
            elif self.outcome == "late" and end >= self.maturity_on and (
                    self.settle_period is None or period < self.settle_period):
                outstanding = due[-1][1]
                status, days = LoanStatus.OVERDUE.value, max(1, (end - self.maturity_on).days)
            else:
                outstanding = self.amount - sum((a for d, a in due if d <= end), Decimal(0))
            if outstanding <= 0:
                result.append(MonthState(period, LoanStatus.SETTLED.value, 0, Decimal("0.00"), before))
                break
            result.append(MonthState(period, status, days, outstanding, before - outstanding))
            period = _next_month(period)
        return result

    def reports(self, last: dt.date, window_from: dt.date) -> list[MonthState]:
        """The months reported: every month from `window_from`, and before it each month in which
        principal was repaid or the status is not normal."""
        chosen = []
        previous: MonthState | None = None
        for state in self.states(last):
            changed = (state.repaid > 0 or state.status != LoanStatus.NORMAL.value
                       or (previous is not None and previous.status != state.status))
            if state.period >= window_from or changed:
                chosen.append(state)
            previous = state
        return chosen


def _month_end(period: dt.date) -> dt.date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def _next_month(period: dt.date) -> dt.date:
    return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _amount_wan(rng: random.Random, cap_wan: int) -> int:
    """A loan amount in 万元: a log-normal body up to 1000万 (round amounts common), 13.22% above."""
    if rng.random() < TAIL_SHARE:
        wan = math.exp(rng.uniform(math.log(1000), math.log(cap_wan)))
        return max(1050, min(cap_wan, int(round(wan / 50) * 50)))
    while True:
        wan = rng.lognormvariate(math.log(BODY_MEDIAN_WAN), BODY_SIGMA)
        if 30 <= wan <= 1000:
            break
    if rng.random() < 0.4:
        return min(ROUND_WAN, key=lambda r: abs(r - wan))
    return max(30, int(round(wan / 10) * 10))


def _yuan(wan: float) -> Decimal:
    return (Decimal(str(wan)) * WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _rate(rng: random.Random, on: dt.date, months: int, lpr: LprTable) -> Decimal:
    base = BENCHMARK_1Y if on < FIRST_PUBLICATION else lpr.rate_on(on, "1y")
    spread = _of_year(RATE_SPREAD, on.year) + (0.25 if months > 12 else 0.0)
    noise = rng.uniform(-0.9, 0.9) if on.year <= 2017 else rng.uniform(-0.4, 0.4)
    rate = max(2.5, float(base) + spread + noise)
    return Decimal(str(round(rate, 2))).quantize(Decimal("0.01"))


class _Planner:
    """Draws the loans of one demo: who borrows when, from which bank, how much and how it ends."""

    def __init__(self, *, seed: int, borrowers: Sequence[Borrower], banks: dict[str, dt.date],
                 branches: dict[str, list[str]], eligible: Callable[[Borrower, dt.date], bool],
                 book: PolicyBook, lpr: LprTable, last: dt.date) -> None:
        self.seed = seed
        self.last_year = last.year
        self.borrowers = borrowers
        self.scale = len(borrowers) / FULL_ENTERPRISES
        self.banks = banks
        self.branches = branches
        self.eligible = eligible
        self.book = book
        self.lpr = lpr
        self.main_bank: dict[int, str] = {}
        self.credit_borrower: dict[int, bool] = {}
        self.count: Counter[int] = Counter()  # loans per enterprise so far
        self.year_total: dict[tuple[int, int], int] = defaultdict(int)  # 万元 per enterprise and year
        self.loans: list[LoanPlan] = []

    def rng(self, *parts: Any) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, "loans", *parts)))

    def first_eligible(self, borrower: Borrower, start: dt.date, until: dt.date) -> dt.date | None:
        day = start
        while day <= until:
            if self.eligible(borrower, day):
                return day
            day += dt.timedelta(days=7)
        return None

    def date_in(self, rng: random.Random, borrower: Borrower, year: int, after: dt.date | None = None,
                tries: int = 6) -> dt.date | None:
        first_month = POOL_FIRST_MONTH.month if year == POOL_FIRST_MONTH.year else 1
        months = {m: MONTH_WEIGHTS[m - 1] for m in range(first_month, 13)}
        for _ in range(tries):
            day = dt.date(year, _pick(rng, months), rng.randint(1, 28))
            if after is not None and day <= after:
                continue
            if self.eligible(borrower, day):
                return day
        return None

    def plan(self) -> list[LoanPlan]:
        entries: dict[int, list[tuple[dt.date, Borrower]]] = defaultdict(list)
        for borrower in self.borrowers:
            if borrower.pool_entry is None:
                continue
            first = self.first_eligible(borrower, borrower.pool_entry, borrower.pool_entry + dt.timedelta(days=540))
            if first is not None and first.year <= self.last_year:
                entries[first.year].append((first, borrower))
        entered: list[Borrower] = []
        last_year: set[int] = set()
        for year in range(POOL_FIRST_MONTH.year, self.last_year + 1):
            rng = self.rng(year)
            policy = self.book.find(dt.date(year, 6, 30))
            average = AVERAGE_WAN if policy is None or policy.enterprise_cap >= 3000 * WAN else AVERAGE_UNDER_2000_CAP
            target = max(1, round(year_volume_yi(year) * 1e8 / (average * 1e4) * self.scale))
            new = sorted(entries.get(year, []), key=lambda item: (item[0], item[1].enterprise_id))
            this_year: dict[int, list[dt.date]] = defaultdict(list)
            for day, borrower in new:
                this_year[borrower.enterprise_id].append(day)
            # Returning borrowers, renewals first (weighted sampling without replacement).
            wanted = max(0, round(target / LOANS_PER_BORROWER) - len(new))
            keyed = sorted(entered, key=lambda b: -rng.random() ** (1 / (3 if b.enterprise_id in last_year else 1)))
            for borrower in keyed:
                if wanted <= 0:
                    break
                chosen = self.date_in(rng, borrower, year)
                if chosen is not None:
                    this_year[borrower.enterprise_id].append(chosen)
                    wanted -= 1
            # Second loans in the year, to reach the year's count.
            by_id = {b.enterprise_id: b for b in [*entered, *(b for _d, b in new)]}
            extra = target - sum(len(days) for days in this_year.values())
            holders = sorted(this_year)
            rng.shuffle(holders)
            for enterprise_id in holders:
                if extra <= 0:
                    break
                second = self.date_in(rng, by_id[enterprise_id], year, after=this_year[enterprise_id][0], tries=3)
                if second is not None:
                    this_year[enterprise_id].append(second)
                    extra -= 1
            for enterprise_id in sorted(this_year):
                for day in sorted(this_year[enterprise_id]):
                    self.add_loan(by_id[enterprise_id], day)
            entered.extend(b for _d, b in new)
            last_year = set(this_year)
        self.loans.sort(key=lambda loan: (loan.disbursed_on, loan.bank, loan.contract_no))
        self._cross_defaults()
        return self.loans

    def _cross_defaults(self) -> None:
        """An enterprise that misses a payment on one loan often misses its other loans too
        (交叉违约): with `CROSS_DEFAULT`, another loan of the enterprise still open on the missed
        date defaults on that date. This is why 176 compensations went to 149 enterprises."""
        by_enterprise: dict[int, list[int]] = defaultdict(list)
        for index, loan in enumerate(self.loans):
            by_enterprise[loan.borrower.enterprise_id].append(index)
        for index, loan in enumerate(list(self.loans)):
            if loan.outcome != "default" or loan.default_on is None:
                continue
            missed = loan.default_on
            if self.rng(loan.contract_no, "cross").random() >= CROSS_DEFAULT:
                continue
            # The smallest such loan: a large second facility is usually secured and restructured.
            for other in sorted(by_enterprise[loan.borrower.enterprise_id], key=lambda i: self.loans[i].amount):
                peer = self.loans[other]
                if other == index or peer.outcome == "default" or not peer.disbursed_on < missed < peer.maturity_on:
                    continue
                if peer.outcome == "prepaid" and peer.settle_period is not None and peer.settle_period <= missed:
                    continue
                self.loans[other] = replace(peer, outcome="default", settle_period=None, default_on=missed)
                break

    def bank_for(self, rng: random.Random, borrower: Borrower, on: dt.date) -> str:
        open_banks = {code: w for code, w in BANK_WEIGHTS.items() if code in self.banks and self.banks[code] <= on}
        main = self.main_bank.get(borrower.enterprise_id)
        if main is None:
            main = self.main_bank[borrower.enterprise_id] = _pick(rng, open_banks)
            return main
        return main if rng.random() < MAIN_BANK_SHARE else _pick(rng, open_banks)

    def add_loan(self, borrower: Borrower, day: dt.date) -> None:
        eid = borrower.enterprise_id
        ordinal = self.count[eid] + 1
        rng = self.rng(borrower.uscc, ordinal)
        policy = self.book.find(day)
        if policy is None:
            return
        cap_wan = int(policy.enterprise_cap / WAN)
        room = cap_wan - self.year_total[(eid, day.year)]
        wan = min(_amount_wan(rng, cap_wan), room // 10 * 10)
        if wan < 30:
            return
        self.count[eid] = ordinal
        self.year_total[(eid, day.year)] += wan
        amount = _yuan(wan)
        ratio = _of_year(CREDIT_RATIO, day.year)
        extra = 0.0 if rng.random() < 0.3 else rng.uniform(0, 2 * (ratio - 1) / 0.7)
        credit = max(amount, _yuan(round(wan * (1 + extra) / 10) * 10))
        longest = policy.max_term_months or 36
        terms = {m: w for m, w in TERMS.items() if m <= longest}
        terms[max(terms)] += sum(w for m, w in TERMS.items() if m > longest)  # 3-year loans were 2-year ones
        months = _pick(rng, terms)
        maturity = add_months(day, months)
        if eid not in self.credit_borrower:
            self.credit_borrower[eid] = self.rng(borrower.uscc, "credit").random() < CREDIT_BORROWERS
        if self.credit_borrower[eid] and rng.random() >= NON_CREDIT_SHARE:
            guarantee = GuaranteeType.CREDIT.value
        else:
            guarantee = _pick(rng, SECURED)
        if day >= RULES_2025:
            guarantee = UNDER_2025.get(guarantee, guarantee)
        bank = self.bank_for(rng, borrower, day)
        names = self.branches.get(bank, [])
        branch = rng.choice(names) if names and rng.random() < 0.7 else ""
        outcome, settle, default_on = self._outcome(rng, wan, day, maturity)
        self.loans.append(LoanPlan(
            contract_no=f"{bank}-{day.year}-KJD-{borrower.uscc[8:17]}-{ordinal:02d}", bank=bank, borrower=borrower,
            branch=branch, credit=credit, amount=amount, disbursed_on=day, maturity_on=maturity,
            rate=_rate(rng, day, months, self.lpr), guarantee=guarantee, purpose=_pick(rng, PURPOSES),
            first_loan=ordinal == 1 and rng.random() < 0.3, policy_tool=day >= RULES_2025 and rng.random() < 0.15,
            outcome=outcome, settle_period=settle, default_on=default_on,
        ))

    def _outcome(self, rng: random.Random, wan: int, day: dt.date,
                 maturity: dt.date) -> tuple[str, dt.date | None, dt.date | None]:
        draw = rng.random()
        default_share = next(share for limit, share in DEFAULT_BY_SIZE if wan <= limit)
        if draw < default_share:
            # The first instalment or the maturity is missed.
            missed = min(add_months(day, 12), maturity) if rng.random() < 0.5 else maturity
            return "default", None, missed
        draw = rng.random()
        months = (maturity.year - day.year) * 12 + maturity.month - day.month
        if draw < PREPAID and months > 3:
            return "prepaid", add_months(day.replace(day=1), rng.randint(3, months - 1)), None
        if draw < PREPAID + LATE:
            return "late", add_months(maturity.replace(day=1), rng.randint(1, 2)), None
        return "maturity", None, None


# --- filing it -----------------------------------------------------------------------------------


def last_period(as_of: dt.date) -> dt.date | None:
    """The newest month whose loans and reports are filed by `as_of` (a week after its end: the
    demo's banks file one to five days after it), so every month whose report deadline (the 10th
    of the following month in every shipped rule set, `report_due_date`) has passed is filed."""
    period = as_of.replace(day=1)
    while period >= POOL_FIRST_MONTH and _month_end(period) + dt.timedelta(days=7) > as_of:
        period = (period - dt.timedelta(days=1)).replace(day=1)
    return period if period >= POOL_FIRST_MONTH else None


def draw_loans(*, seed: int, borrowers: Sequence[Borrower], banks: dict[str, dt.date],
               eligible: Callable[[Borrower, dt.date], bool], book: PolicyBook, lpr: LprTable, last: dt.date,
               branches: dict[str, list[str]] | None = None) -> list[LoanPlan]:
    """The loans for these borrowers (pure): `banks` are the lenders' join dates by code,
    `eligible` says whether a borrower may enter the pool on a day. Whole years are drawn up to
    the year of `last` (the newest month to be filed, `last_period`): the loans after it are in
    the plan, not filed yet."""
    return _Planner(seed=seed, borrowers=borrowers, banks=banks, branches=branches or {}, eligible=eligible,
                    book=book, lpr=lpr, last=last).plan()


def plan_loans(*, seed: int, enterprises: Sequence[Enterprise], entries: dict[str, dt.date | None],
               last: dt.date) -> list[LoanPlan]:
    """The loans of the demo for these enterprises (as loaded) and their pool entry days, each
    eligible on its disbursement day by the filing service's own rules, drawn to the year of
    `last` (`draw_loans`)."""
    banks = dict(Bank.objects.filter(code__in=BANK_WEIGHTS).values_list("code", "joined_on"))
    branches: dict[str, list[str]] = defaultdict(list)
    for code, name in Branch.objects.filter(bank__code__in=BANK_WEIGHTS).order_by("bank__code", "name") \
            .values_list("bank__code", "name"):
        branches[code].append(name)
    policy_set = current_policy_set()
    oracle = EligibilityOracle(enterprises)

    def eligible(borrower: Borrower, on: dt.date) -> bool:
        policy = policy_set.book.find(on)
        verdict = oracle.check(borrower.enterprise_id, on, policy.name) if policy is not None else None
        return verdict is not None and verdict.passed

    borrowers = [Borrower(e.pk, e.uscc, e.name, entries.get(e.uscc)) for e in enterprises]
    return draw_loans(seed=seed, borrowers=borrowers, banks=banks, eligible=eligible, book=policy_set.book,
                      lpr=policy_set.lpr, last=last, branches=dict(branches))


def file_review_examples(*, as_of: dt.date, actors: dict[str, Any] | None = None) -> int:
    """Three loans filed on the demo's date that wait in the fund manager's review queue (待审核),
    one for each warning a bank's filing most often gets: the enterprise's short name instead of
    its registered one, a rate typed as a fraction (0.0365 for 3.65%), a rate above four times the
    1-year LPR (法释〔2020〕17号 art. 25). Each is a new loan, disbursed after the last filed month,
    to a borrower of one of the newest accepted loans (three banks); not counted in the figures
    until accepted. Returns how many were filed now (none on a second run)."""
    actors = actors or {}
    last = last_period(as_of)
    if last is None:
        return 0
    first_day = _month_end(last) + dt.timedelta(days=1)
    if first_day >= as_of:
        return 0
    recent: dict[str, Filing] = {}
    for filing in (Filing.objects.filter(status=FilingStatus.ACCEPTED, disbursed_on__gte=last)
                   .select_related("bank", "enterprise").order_by("-disbursed_on", "pk")):
        recent.setdefault(filing.bank.code, filing)
        if len(recent) == 3:
            break
    lpr = current_policy_set().lpr
    waiting = 0
    for n, (code, model) in enumerate(sorted(recent.items())):
        disbursed = min(first_day + dt.timedelta(days=9 + 3 * n), as_of - dt.timedelta(days=1))
        enterprise = model.enterprise
        short = enterprise.name.removeprefix("广州").removeprefix("广东").removesuffix("股份有限公司").removesuffix("有限公司")
        rate = [model.annual_rate, Decimal("0.0365"),
                (lpr.rate_on(disbursed, "1y") * 4 + Decimal("1.5")) if lpr is not None else Decimal("16")][n]
        values = {
            "contract_no": f"{code}-R{as_of:%Y%m}-{n + 1}", "uscc": enterprise.uscc,
            "enterprise_name": short if n == 0 else enterprise.name, "branch": None,
            "credit_amount": Decimal("1000000.00"), "loan_amount": Decimal("1000000.00"),
            "disbursed_on": disbursed, "maturity_on": add_months(disbursed, 12), "annual_rate": rate,
            "guarantee_type": model.guarantee_type, "purpose": "流动资金", "first_loan": False,
            "third_party": None, "third_party_share": None, "compensation_mode": None,
            "policy_tool": False if disbursed >= RULES_2025 else None,
        }
        report = file_loans(actor=actors.get(code), bank=model.bank, today=as_of, rows=[FilingRow(2, values)])
        waiting += sum(1 for o in report.outcomes if o.action == "created" and o.status == FilingStatus.SUBMITTED.value)
    return waiting


def _status_values(state: MonthState) -> tuple[str, int, Decimal, Decimal]:
    return (state.status, state.overdue_days, state.outstanding.quantize(Decimal("0.01")),
            state.repaid.quantize(Decimal("0.01")))


def file_demo_loans(*, loans: Sequence[LoanPlan], as_of: dt.date, actors: dict[str, Any] | None = None,
                    say: Callable[[str], None] | None = None, window: int = REPORT_WINDOW) -> dict[str, int]:
    """File the planned loans month by month, each a few days after the month's end, and the
    month's status reports; what is already filed as planned is not sent again."""
    say = say or (lambda _msg: None)
    actors = actors or {}
    last = last_period(as_of)
    counts: Counter[str] = Counter()
    if last is None:
        return dict(counts)
    window_from = add_months(last, 1 - window)
    banks = {bank.code: bank for bank in Bank.objects.filter(code__in={loan.bank for loan in loans})}
    filed = _filed(loans)
    reported = _reported(banks.values())
    by_month: dict[dt.date, dict[str, list[LoanPlan]]] = defaultdict(lambda: defaultdict(list))
    reports: dict[dt.date, dict[str, list[tuple[LoanPlan, MonthState]]]] = defaultdict(lambda: defaultdict(list))
    for loan in loans:
        period = loan.disbursed_on.replace(day=1)
        if period > last:
            continue
        by_month[period][loan.bank].append(loan)
        for state in loan.reports(last, window_from):
            reports[state.period][loan.bank].append((loan, state))
    period = POOL_FIRST_MONTH
    while period <= last:
        # One transaction a year: a file database commits (and syncs) ten times, not thousands.
        with transaction.atomic():
            year = period.year
            while period <= last and period.year == year:
                _file_month(period, banks, by_month[period], reports[period], filed, reported, actors, counts)
                period = _next_month(period)
        say(f"loans filed and reported to {min(last, dt.date(year, 12, 1)):%Y-%m}")
    return dict(counts)


def _file_month(period: dt.date, banks: dict[str, Bank], loans: dict[str, list[LoanPlan]],
                reports: dict[str, list[tuple[LoanPlan, MonthState]]],
                filed: dict[tuple[str, str], tuple[Any, ...]],
                reported: dict[tuple[str, str, dt.date], tuple[str, int, Decimal, Decimal]],
                actors: dict[str, Any], counts: Counter[str]) -> None:
    """Each bank files the month's loans and reports its loans' status for the month, a few days
    after the month's end."""
    for code in sorted(set(loans) | set(reports)):
        bank = banks[code]
        today = _month_end(period) + dt.timedelta(days=1 + zlib.crc32(f"{code}{period}".encode()) % 5)
        new = [loan for loan in loans.get(code, []) if filed.get((code, loan.contract_no)) != _filing_key(loan.values())]
        if new:
            report = file_loans(actor=actors.get(code), bank=bank, today=today,
                                rows=[FilingRow(n, loan.values()) for n, loan in enumerate(new, start=2)])
            counts.update(f"loans {o.action}" for o in report.outcomes)
        due = [(loan, state) for loan, state in reports.get(code, [])
               if reported.get((code, loan.contract_no, period)) != _status_values(state)]
        for first in range(0, len(due), REPORT_CHUNK):
            chunk = due[first:first + REPORT_CHUNK]
            report = report_statuses(actor=actors.get(code), bank=bank, today=today, rows=[
                FilingRow(n, {"contract_no": loan.contract_no, "period": period, "loan_status": state.status,
                              "overdue_days": state.overdue_days, "outstanding_principal": state.outstanding,
                              "repaid_principal": state.repaid})
                for n, (loan, state) in enumerate(chunk, start=2)])
            counts.update(f"status reports {o.action}" for o in report.outcomes)


_FILED_FIELDS = ("enterprise_name", "credit_amount", "loan_amount", "disbursed_on", "maturity_on", "annual_rate",
                 "guarantee_type", "purpose", "first_loan", "policy_tool")


def _filing_key(values: dict[str, Any]) -> tuple[Any, ...]:
    return (values["uscc"], values["branch"] or "", *(values[name] if name != "policy_tool" else bool(values[name])
                                                      for name in _FILED_FIELDS))


def _filed(loans: Iterable[LoanPlan]) -> dict[tuple[str, str], tuple[Any, ...]]:
    """The demo banks' accepted filings as planned rows would read, by (bank code, contract)."""
    codes = {loan.bank for loan in loans}
    result = {}
    for row in Filing.objects.filter(bank__code__in=codes, status=FilingStatus.ACCEPTED).values(
            "bank__code", "contract_no", "enterprise__uscc", "branch__name", *_FILED_FIELDS).iterator(chunk_size=5000):
        values = {**row, "uscc": row["enterprise__uscc"], "branch": row["branch__name"]}
        result[(row["bank__code"], row["contract_no"])] = _filing_key(values)
    return result


def _reported(banks: Iterable[Bank]) -> dict[tuple[str, str, dt.date], tuple[str, int, Decimal, Decimal]]:
    return {(code, contract, period): (status, days, outstanding, repaid)
            for code, contract, period, status, days, outstanding, repaid in StatusReport.objects.filter(
                filing__bank__in=list(banks)).values_list(
                "filing__bank__code", "filing__contract_no", "period", "loan_status", "overdue_days",
                "outstanding_principal", "repaid_principal").iterator(chunk_size=5000)}


# --- the figures ---------------------------------------------------------------------------------


def loan_figures(*, until: dt.date | None = None) -> dict[str, Any]:
    """The published figures, computed from the accepted filings (and their reports) as loaded:
    count, amounts, average, share ≤1000万, pure-credit share of enterprises, average rate of
    loans up to a year by year, non-performing ratio. `until`: disbursed on or before that day."""
    filings = Filing.objects.filter(status=FilingStatus.ACCEPTED)
    if until is not None:
        filings = filings.filter(disbursed_on__lte=until)
    rows = list(filings.values_list("enterprise_id", "loan_amount", "credit_amount", "disbursed_on", "maturity_on",
                                    "annual_rate", "guarantee_type", "loan_status", "outstanding_principal"))
    if not rows:
        return {"loans": 0}
    amount = sum((r[1] for r in rows), Decimal(0))
    credit = sum((r[2] for r in rows), Decimal(0))
    enterprises = {r[0] for r in rows}
    credit_enterprises = {r[0] for r in rows if r[6] == GuaranteeType.CREDIT.value}
    by_year: dict[int, list[Decimal]] = defaultdict(list)
    volume: dict[int, Decimal] = defaultdict(Decimal)
    borrowers: dict[int, set[int]] = defaultdict(set)
    for enterprise_id, loan, _credit, disbursed, maturity, rate, *_rest in rows:
        volume[disbursed.year] += loan
        borrowers[disbursed.year].add(enterprise_id)
        if maturity <= add_months(disbursed, 12):
            by_year[disbursed.year].append(rate)
    short_recent = by_year.get(2024, []) + by_year.get(2025, [])
    # Principal that turned non-performing: the outstanding of each loan's first 不良 report.
    npl: dict[int, Decimal] = {}
    for filing_id, outstanding in StatusReport.objects.filter(
            filing__in=filings, loan_status=LoanStatus.NON_PERFORMING).order_by("filing_id", "period").values_list(
            "filing_id", "outstanding_principal"):
        npl.setdefault(filing_id, outstanding)
    open_rows = [r for r in rows if r[7] != LoanStatus.SETTLED]
    open_principal = sum((r[8] for r in open_rows), Decimal(0))
    npl_open = sum((r[8] for r in open_rows if r[7] == LoanStatus.NON_PERFORMING), Decimal(0))
    return {
        "loans": len(rows), "enterprises": len(enterprises),
        "loan_amount_yi": amount / Decimal(10) ** 8, "credit_amount_yi": credit / Decimal(10) ** 8,
        "average_wan": amount / len(rows) / WAN,
        "share_up_to_1000wan": sum(1 for r in rows if r[1] <= 1000 * WAN) / len(rows),
        "pure_credit_enterprise_share": len(credit_enterprises) / len(enterprises),
        "volume_by_year_yi": {y: v / Decimal(10) ** 8 for y, v in sorted(volume.items())},
        "borrowers_by_year": {y: len(ids) for y, ids in sorted(borrowers.items())},
        "short_rate_by_year": {y: sum(v, Decimal(0)) / len(v) for y, v in sorted(by_year.items()) if v},
        "short_rate_2024_2025": (sum(short_recent, Decimal(0)) / len(short_recent)) if short_recent else None,
        "npl_loans": len(npl), "npl_enterprises": len(set(Filing.objects.filter(pk__in=list(npl))
                                                          .values_list("enterprise_id", flat=True))),
        "npl_ratio_of_principal": sum(npl.values(), Decimal(0)) / amount,
        "npl_ratio_of_outstanding": (npl_open / open_principal) if open_principal else None,
        "open_loans": len(open_rows),
        "settled_loans": sum(1 for r in rows if r[7] == LoanStatus.SETTLED),
        "status_counts": dict(Counter(r[7] for r in rows)),
    }

