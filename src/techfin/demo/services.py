"""Deterministic, idempotent demo data, made through the platform's own services.

Running it twice changes nothing: every record has a natural key and is created only when
missing (or updated only when its values differ, which logs an audit event).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone

from techfin.accounts.models import Role, User
from techfin.banks import services as bank_services
from techfin.banks.models import Bank, Branch
from techfin.demo import reference
from techfin.demo.claims import (
    candidates_from_loans,
    claim_character,
    file_demo_claims,
    plan_claims,
    scale_of,
)
from techfin.demo.loans import file_demo_loans, file_review_examples, last_period, plan_loans
from techfin.demo.profiles import CHARACTERS, SHOWCASE, ProfilePlan, cast_characters, plan_profile, pool_entry
from techfin.domain import uscc
from techfin.enterprises import services as enterprise_services
from techfin.enterprises.models import (
    District,
    Enterprise,
    IndicatorReport,
    Qualification,
    QualificationKind,
    RiskEvent,
)
from techfin.enterprises.verdicts import PREFETCH

Scale = Literal["small", "full"]
ENTERPRISES_BY_SCALE: dict[str, int] = {"small": 300, "full": 13281}
# Of those, the pool's borrowers (the first in the plan): all 13,281 of the published figure at
# full scale; half of the small demo, for a few hundred loans.
BORROWERS_BY_SCALE: dict[str, int] = {"small": 150, "full": 13281}
REPORT_WINDOW_BY_SCALE: dict[str, int] = {"small": 3, "full": 12}
CLAIM_CHARACTER = ("a loan that went bad: claimed, approved and paid, with a recovery returned to the "
                   "pool's payers (its profile lists the loans and the claim)")


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    # The demo characters (`techfin.demo.profiles.CHARACTERS`): role, enterprise name, credit code.
    characters: list[tuple[str, str, str]] = field(default_factory=list)

    def count(self, kind: str, n: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + n


def _districts(report: DemoReport) -> dict[str, District]:
    result = {}
    for order, (code, name_zh, name_en, _weight) in enumerate(reference.DISTRICTS):
        existed = District.objects.filter(code=code).exists()
        result[code] = enterprise_services.district_upsert(
            actor=None, code=code, name_zh=name_zh, name_en=name_en, sort_order=order
        )
        if not existed:
            report.count("districts")
    return result


def plan_branches() -> dict[str, list[tuple[str, str]]]:
    """Each bank's tech branches (name, district code): one or two each, in fixed districts
    (index-based, so deterministic)."""
    districts = [(code, name_zh) for code, name_zh, *_ in reference.DISTRICTS]
    result: dict[str, list[tuple[str, str]]] = {}
    for index, (code, _name, short, _type, _joined) in enumerate(reference.BANKS):
        result[code] = []
        for n in range(1 + index % 2):
            district_code, district_name = districts[(index + n * 5) % len(districts)]
            result[code].append((f"{short}{district_name.removesuffix('区')}科技支行", district_code))
    return result


def _banks(report: DemoReport, districts: dict[str, District]) -> dict[str, Bank]:
    banks = {}
    branches = plan_branches()
    for code, name, short, bank_type, joined in reference.BANKS:
        bank = Bank.objects.filter(code=code).first()
        if bank is None:
            bank = bank_services.bank_create(
                actor=None, code=code, name=name, short_name=short, bank_type=bank_type,
                joined_on=dt.date.fromisoformat(joined),
            )
            report.count("banks")
        banks[code] = bank
        for branch_name, district_code in branches[code]:
            if not Branch.objects.filter(bank=bank, name=branch_name).exists():
                bank_services.branch_create(actor=None, bank=bank, name=branch_name, district=districts[district_code])
                report.count("branches")
    return banks


@dataclass(frozen=True)
class EnterpriseSpec:
    """One demo enterprise, drawn from the seed before anything is written."""

    uscc: str
    name: str
    district_code: str
    founded_on: dt.date
    address: str


def plan_enterprises(count: int, seed: int) -> list[EnterpriseSpec]:
    """The demo enterprises for a seed: the same list every time, spread over the districts
    with the weights of the real city."""
    rng = random.Random(seed)
    codes = [code for code, *_ in reference.DISTRICTS]
    weights = [weight for *_, weight in reference.DISTRICTS]
    district_names = {code: name for code, name, *_ in reference.DISTRICTS}
    names: set[str] = set()
    specs = []
    while len(specs) < count:
        district_code = rng.choices(codes, weights=weights)[0]
        prefix, first, second = (rng.choice(reference.NAME_PREFIXES), rng.choice(reference.NAME_WORDS),
                                 rng.choice(reference.NAME_WORDS))
        if second == first:  # no "凌云凌云": the next word instead, drawing no more (the plan stays put)
            second = reference.NAME_WORDS[(reference.NAME_WORDS.index(first) + 1) % len(reference.NAME_WORDS)]
        name = prefix + first + second + rng.choice(reference.NAME_TRADES) + rng.choice(reference.NAME_SUFFIXES)
        code = uscc.generate(rng, region=district_code)
        founded = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 24))
        address = f"广州市{district_names[district_code]}科创路{rng.randrange(1, 999)}号"
        if name in names:
            continue
        names.add(name)
        specs.append(EnterpriseSpec(code, name, district_code, founded, address))
    return specs


def _details_differ(enterprise: Enterprise, details: dict[str, Any]) -> bool:
    for name, value in details.items():
        current = enterprise.industry_tags if name == "industry_tags" else getattr(enterprise, name)
        if (sorted(current) if name == "industry_tags" else current) != (
                sorted(value) if name == "industry_tags" else value):
            return True
    return False


def _existing_keys(enterprise_ids: list[int]) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Natural keys of the profile records the enterprises already have (three queries)."""
    qualifications = {(eid, code, number or start.isoformat()) for eid, code, number, start in
                      Qualification.objects.filter(enterprise_id__in=enterprise_ids)
                      .values_list("enterprise_id", "kind__code", "number", "valid_from")}
    reports = set(IndicatorReport.objects.filter(enterprise_id__in=enterprise_ids)
                  .values_list("enterprise_id", "year", "source", "obtained_on"))
    risks = set(RiskEvent.objects.filter(enterprise_id__in=enterprise_ids)
                .values_list("enterprise_id", "kind", "start_on", "reference"))
    return qualifications, reports, risks


def _profile(report: DemoReport, enterprise: Enterprise, plan: ProfilePlan, kinds: dict[str, QualificationKind],
             keys: tuple[set[tuple[Any, ...]], set[tuple[Any, ...]], set[tuple[Any, ...]]]) -> bool:
    """Create the planned profile records the enterprise lacks; True if anything was written."""
    qualification_keys, report_keys, risk_keys = keys
    written = False
    for q in plan.qualifications:
        if (enterprise.pk, *q.key) in qualification_keys:
            continue
        enterprise_services.qualification_create(
            actor=None, enterprise=enterprise, refresh=False, kind=kinds[q.kind], number=q.number,
            valid_from=q.valid_from, issued_on=q.issued_on, year=q.year, issuer=q.issuer)
        report.count("qualifications")
        written = True
    for r in plan.reports:
        if (enterprise.pk, *r.key) in report_keys:
            continue
        enterprise_services.indicator_report_create(
            actor=None, enterprise=enterprise, refresh=False, year=r.year, source=r.source,
            obtained_on=r.obtained_on, **dict(r.values))
        report.count("indicator reports")
        written = True
    for e in plan.risks:
        if (enterprise.pk, *e.key) in risk_keys:
            continue
        enterprise_services.risk_event_create(
            actor=None, enterprise=enterprise, refresh=False, kind=e.kind, source=e.source, reference=e.reference,
            start_on=e.start_on, end_on=e.end_on, amount=e.amount, description=e.description)
        report.count("risk events")
        written = True
    return written


CHUNK = 500


def _enterprises(report: DemoReport, districts: dict[str, District], count: int, seed: int, as_of: dt.date,
                 say: Callable[[str], None], borrowers: int = 0) -> tuple[list[Enterprise], dict[int, str]]:
    """The planned enterprises with their profiles, created where missing, in chunks of one
    transaction each; the verdict summaries of the enterprises written to are refreshed once.
    Also returns which of them play the demo characters (by position)."""
    existing = {e.uscc: e for e in Enterprise.objects.all()}
    kinds = {k.code: k for k in QualificationKind.objects.all()}
    specs = plan_enterprises(count, seed)
    in_pool = {spec.uscc for spec in specs[:borrowers]}
    cast = cast_characters([spec.founded_on for spec in specs], as_of=as_of, borrowers=borrowers)
    result = []
    for first in range(0, len(specs), CHUNK):
        chunk = specs[first:first + CHUNK]
        with transaction.atomic():
            keys = _existing_keys([existing[s.uscc].pk for s in chunk if s.uscc in existing])
            touched = []
            for index, spec in enumerate(chunk, start=first):
                plan = plan_profile(uscc=spec.uscc, name=spec.name, district_code=spec.district_code,
                                    founded_on=spec.founded_on, seed=seed, as_of=as_of,
                                    in_pool=spec.uscc in in_pool, index=index, character=cast.get(index))
                enterprise = existing.get(spec.uscc)
                written = False
                if enterprise is None:
                    enterprise = enterprise_services.enterprise_create(
                        actor=None, refresh=False, uscc=spec.uscc, name=spec.name,
                        district=districts[spec.district_code], founded_on=spec.founded_on, address=spec.address,
                        **plan.details)
                    report.count("enterprises")
                    written = True
                elif _details_differ(enterprise, plan.details):
                    enterprise_services.enterprise_update(actor=None, enterprise=enterprise, refresh=False,
                                                          **plan.details)
                    written = True
                written = _profile(report, enterprise, plan, kinds, keys) or written
                if written:
                    touched.append(enterprise.pk)
                result.append(enterprise)
            for enterprise in Enterprise.objects.filter(pk__in=touched).select_related("district") \
                    .prefetch_related(*PREFETCH):
                enterprise_services.enterprise_refresh_summary(enterprise, on=as_of)
        say(f"{min(first + CHUNK, len(specs))} of {len(specs)} enterprises ready")
    for index, role in sorted(cast.items(), key=lambda item: list(CHARACTERS).index(item[1])):
        report.characters.append((role, result[index].name, result[index].uscc))
    return result, cast


def _user(report: DemoReport, username: str, full_name: str, role: str, **binding: Any) -> None:
    if not User.objects.filter(username=username).exists():
        user = User(username=username, full_name=full_name, role=role, **binding)
        user.set_password(reference.DEMO_PASSWORD)
        user.save()
        report.count("users")
    report.logins.append((username, reference.DEMO_PASSWORD, full_name))


def _users(report: DemoReport, districts: dict[str, District], banks: dict[str, Bank],
           showcase: Enterprise) -> None:
    _user(report, "manager", "李经理", Role.MANAGER)
    _user(report, "supervisor", "王处长", Role.SUPERVISOR)
    _user(report, "district_huangpu", "陈科长", Role.DISTRICT, district=districts["440112"])
    _user(report, "district_nansha", "周科长", Role.DISTRICT, district=districts["440115"])
    _user(report, "bank_icbc", "张客户经理", Role.BANK, bank=banks["ICBC"])
    _user(report, "bank_ccb", "刘客户经理", Role.BANK, bank=banks["CCB"])
    _user(report, "enterprise", "黄会计", Role.ENTERPRISE, enterprise=showcase)
    _user(report, "commissioner", "赵特派员", Role.COMMISSIONER)


def load_demo(*, scale: Scale = "small", seed: int = 2025, as_of: dt.date | None = None,
              progress: Callable[[str], None] | None = None) -> DemoReport:
    """Load the demo data set; safe to run again (it then changes nothing).

    Profiles are dated relative to `as_of` (default today), so a run in a later year adds that
    year's indicators and registrations to the same enterprises; loans and their monthly status
    reports run to the last complete month before it (`techfin.demo.loans.last_period`).
    """
    report = DemoReport()
    say = progress or (lambda _msg: None)
    as_of = as_of or timezone.localdate()
    with transaction.atomic():
        districts = _districts(report)
        banks = _banks(report, districts)
    say("districts and banks ready")
    borrowers = BORROWERS_BY_SCALE[scale]
    enterprises, cast = _enterprises(report, districts, ENTERPRISES_BY_SCALE[scale], seed, as_of, say, borrowers)
    showcase = next((enterprises[i] for i, role in cast.items() if role == SHOWCASE), enterprises[0])
    with transaction.atomic():
        _users(report, districts, banks, showcase)
    _loans(report, enterprises[:borrowers], seed, as_of, say, REPORT_WINDOW_BY_SCALE[scale])
    _claims(report, borrowers, seed, as_of, say)
    claimed = claim_character()
    if claimed is not None:
        report.characters.append(("claim", claimed.name, claimed.uscc))
    return report


def _claims(report: DemoReport, borrowers: int, seed: int, as_of: dt.date, say: Callable[[str], None]) -> None:
    """Claims on the demo's defaults, through review, approval, payment, recovery and transfer."""
    scale = scale_of(borrowers)
    plans = plan_claims(candidates_from_loans(), scale=scale, seed=seed, as_of=as_of)
    say(f"{len(plans)} claims planned")
    counts = file_demo_claims(plans=plans, as_of=as_of, scale=scale, say=say)
    for kind in ("claims opened", "recoveries", "debt transfers", "budget allocations"):
        if counts.get(kind):
            report.count(kind, counts[kind])


def _loans(report: DemoReport, enterprises: list[Enterprise], seed: int, as_of: dt.date,
           say: Callable[[str], None], window: int) -> None:
    """The banks' loans since 2016, filed month by month to the last complete month before
    `as_of` (`last_period`), and their monthly status reports."""
    last = last_period(as_of)
    if last is None:
        return
    entries = {e.uscc: pool_entry(uscc=e.uscc, founded_on=e.founded_on, seed=seed)
               for e in enterprises if e.founded_on is not None}
    loans = plan_loans(seed=seed, enterprises=enterprises, entries=entries, last=last)
    say(f"{len(loans)} loans planned")
    officers = {user.bank.code: user for user in User.objects.filter(role=Role.BANK, username__startswith="bank_")
                .select_related("bank").order_by("username") if user.bank is not None}
    counts = file_demo_loans(loans=loans, as_of=as_of, actors=officers, say=say, window=window)
    counts["loans waiting for review"] = file_review_examples(as_of=as_of, actors=officers)
    for kind, label in (("loans created", "loans"), ("status reports created", "status reports")):
        if counts.get(kind):
            report.count(label, counts[kind])
    for kind in ("loans waiting for review", "loans rejected", "loans amended", "status reports rejected",
                 "status reports amended"):
        if counts.get(kind):
            report.count(kind, counts[kind])
