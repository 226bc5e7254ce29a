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

from techfin.accounts.models import Role, User
from techfin.banks import services as bank_services
from techfin.banks.models import Bank, Branch
from techfin.demo import reference
from techfin.domain import uscc
from techfin.enterprises import services as enterprise_services
from techfin.enterprises.models import District, Enterprise

Scale = Literal["small", "full"]
ENTERPRISES_BY_SCALE: dict[str, int] = {"small": 300, "full": 13281}


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)

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


def _banks(report: DemoReport, districts: dict[str, District]) -> dict[str, Bank]:
    banks = {}
    district_list = list(districts.values())
    for index, (code, name, short, bank_type, joined) in enumerate(reference.BANKS):
        bank = Bank.objects.filter(code=code).first()
        if bank is None:
            bank = bank_services.bank_create(
                actor=None, code=code, name=name, short_name=short, bank_type=bank_type,
                joined_on=dt.date.fromisoformat(joined),
            )
            report.count("banks")
        banks[code] = bank
        # One or two tech branches each, in fixed districts (index-based, so deterministic).
        for n in range(1 + index % 2):
            district = district_list[(index + n * 5) % len(district_list)]
            branch_name = f"{short}{district.name_zh.removesuffix('区')}科技支行"
            if not Branch.objects.filter(bank=bank, name=branch_name).exists():
                bank_services.branch_create(actor=None, bank=bank, name=branch_name, district=district)
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
        name = (rng.choice(reference.NAME_PREFIXES) + rng.choice(reference.NAME_WORDS)
                + rng.choice(reference.NAME_WORDS) + rng.choice(reference.NAME_TRADES)
                + rng.choice(reference.NAME_SUFFIXES))
        code = uscc.generate(rng, region=district_code)
        founded = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 24))
        address = f"广州市{district_names[district_code]}科创路{rng.randrange(1, 999)}号"
        if name in names:
            continue
        names.add(name)
        specs.append(EnterpriseSpec(code, name, district_code, founded, address))
    return specs


def _enterprises(report: DemoReport, districts: dict[str, District], count: int, seed: int) -> list[Enterprise]:
    existing = {e.uscc: e for e in Enterprise.objects.all()}
    result = []
    for spec in plan_enterprises(count, seed):
        enterprise = existing.get(spec.uscc)
        if enterprise is None:
            enterprise = enterprise_services.enterprise_create(
                actor=None, uscc=spec.uscc, name=spec.name, district=districts[spec.district_code],
                founded_on=spec.founded_on, address=spec.address,
            )
            report.count("enterprises")
        result.append(enterprise)
    return result


def _user(report: DemoReport, username: str, full_name: str, role: str, **binding: Any) -> None:
    if not User.objects.filter(username=username).exists():
        user = User(username=username, full_name=full_name, role=role, **binding)
        user.set_password(reference.DEMO_PASSWORD)
        user.save()
        report.count("users")
    report.logins.append((username, reference.DEMO_PASSWORD, full_name))


def _users(report: DemoReport, districts: dict[str, District], banks: dict[str, Bank],
           enterprises: list[Enterprise]) -> None:
    _user(report, "manager", "受托管理机构 · 李经理", Role.MANAGER)
    _user(report, "supervisor", "市科技局 · 王处长", Role.SUPERVISOR)
    _user(report, "district_huangpu", "黄埔区科技局 · 陈科长", Role.DISTRICT, district=districts["440112"])
    _user(report, "district_nansha", "南沙区科技局 · 周科长", Role.DISTRICT, district=districts["440115"])
    _user(report, "bank_icbc", "工商银行 · 张客户经理", Role.BANK, bank=banks["ICBC"])
    _user(report, "bank_ccb", "建设银行 · 刘客户经理", Role.BANK, bank=banks["CCB"])
    _user(report, "enterprise", f"{enterprises[0].name} · 财务", Role.ENTERPRISE, enterprise=enterprises[0])
    _user(report, "commissioner", "科技金融特派员 · 赵特派员", Role.COMMISSIONER)


def load_demo(*, scale: Scale = "small", seed: int = 2025,
              progress: Callable[[str], None] | None = None) -> DemoReport:
    """Load the demo data set; safe to run again (it then changes nothing)."""
    report = DemoReport()
    say = progress or (lambda _msg: None)
    with transaction.atomic():
        districts = _districts(report)
        banks = _banks(report, districts)
    say("districts and banks ready")
    with transaction.atomic():
        enterprises = _enterprises(report, districts, ENTERPRISES_BY_SCALE[scale], seed)
    say(f"{len(enterprises)} enterprises ready")
    with transaction.atomic():
        _users(report, districts, banks, enterprises)
    return report
