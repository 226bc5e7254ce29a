"""Shared fixtures: a small world of two districts, two banks and a user of every role."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ROLES = ["anonymous", "manager", "supervisor", "district", "bank", "enterprise", "commissioner"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}, "locale": "zh-CN"}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: a missing dependency must be installed, not skipped."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; failing the run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def valid_uscc(first17: str) -> str:
    """A code with its correct GB 32100-2015 check character appended."""
    from techfin.domain.uscc import compute_check_character

    return first17 + compute_check_character(first17)


@dataclass
class World:
    d_huangpu: Any
    d_nansha: Any
    bank_a: Any
    bank_b: Any
    branch_a: Any
    branch_b: Any
    ent_huangpu: Any
    ent_nansha: Any
    users: dict[str, Any]
    job_b: Any
    third_party: Any
    filing_b: Any = None
    batch_b: Any = None
    anomaly_b: Any = None


@pytest.fixture
def world(db: Any) -> World:
    from techfin.accounts.models import Role, User
    from techfin.banks import services as bank_services
    from techfin.enterprises import services as ent_services

    hp = ent_services.district_upsert(actor=None, code="440112", name_zh="黄埔区", name_en="Huangpu")
    ns = ent_services.district_upsert(actor=None, code="440115", name_zh="南沙区", name_en="Nansha")
    bank_a = bank_services.bank_create(actor=None, code="ICBC", name="中国工商银行广州分行", short_name="工商银行",
                                       bank_type="state_owned", joined_on=dt.date(2015, 12, 1))
    bank_b = bank_services.bank_create(actor=None, code="CCB", name="中国建设银行广州分行", short_name="建设银行",
                                       bank_type="state_owned", joined_on=dt.date(2015, 12, 1))
    branch_a = bank_services.branch_create(actor=None, bank=bank_a, name="工商银行黄埔科技支行", district=hp)
    branch_b = bank_services.branch_create(actor=None, bank=bank_b, name="建设银行南沙科技支行", district=ns)
    e_hp = ent_services.enterprise_create(actor=None, uscc=valid_uscc("91440112MA59AAAA1"), name="广州黄埔芯片有限公司",
                                          district=hp)
    e_ns = ent_services.enterprise_create(actor=None, uscc=valid_uscc("91440115MA59BBBB2"), name="广州南沙新材料有限公司",
                                          district=ns)
    users = {
        "manager": User.objects.create_user("t_manager", password="pw", role=Role.MANAGER),
        "supervisor": User.objects.create_user("t_supervisor", password="pw", role=Role.SUPERVISOR),
        "district": User.objects.create_user("t_district", password="pw", role=Role.DISTRICT, district=hp),
        "bank": User.objects.create_user("t_bank", password="pw", role=Role.BANK, bank=bank_a),
        "enterprise": User.objects.create_user("t_enterprise", password="pw", role=Role.ENTERPRISE,
                                               enterprise=e_hp),
        "commissioner": User.objects.create_user("t_commissioner", password="pw", role=Role.COMMISSIONER),
    }
    from techfin.jobs.models import Job

    job_b = Job.objects.create(kind="test", title="job of bank B", bank=bank_b)
    third_party = bank_services.third_party_create(actor=None, code="GZGC", name="广州市中小企业融资担保有限公司",
                                                   party_type="guarantor", joined_on=dt.date(2021, 1, 1))
    from techfin.filings.models import Filing, FilingBatch

    # Bank B's records, written directly: the tests of scope need them to exist, not to be filed.
    filing_b = Filing.objects.create(
        bank=bank_b, enterprise=e_ns, contract_no="B-0001", credit_amount=1000000, loan_amount=1000000,
        disbursed_on=dt.date(2025, 6, 1), maturity_on=dt.date(2026, 6, 1), annual_rate=3.5, guarantee_type="credit",
        rule_set="gz-techpool-2021", status="accepted", filed_on=dt.date(2025, 6, 5), fingerprint="x",
        outstanding_principal=1000000, confirmation_no="TF2025-9999999",
    )
    batch_b = FilingBatch.objects.create(bank=bank_b, original_name="b.xlsx", file="filing-batches/b.xlsx")
    from techfin.filings.models import Anomaly

    anomaly_b = Anomaly.objects.create(filing=filing_b, kind="overdue", occurred_on=dt.date(2025, 8, 1),
                                       description="逾期30天")
    return World(hp, ns, bank_a, bank_b, branch_a, branch_b, e_hp, e_ns, users, job_b, third_party, filing_b, batch_b,
                 anomaly_b)
