"""'Was this enterprise qualified on date D?': one query, inclusive dates, revocations."""

from __future__ import annotations

from typing import Any

import pytest

from techfin.enterprises import services
from techfin.enterprises.models import Enterprise
from techfin.enterprises.queries import enterprise_qualified_on
from tests.conftest import World
from tests.enterprises.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(world: World, kinds: dict[str, Any]) -> Any:
    """A high-tech certificate 2021-12-01 … 2024-11-30 on the Huangpu enterprise."""
    return services.qualification_create(actor=None, enterprise=world.ent_huangpu, kind=kinds["high_tech"],
                                         number="GR202144000001", issued_on=D(2021, 12, 1))


@pytest.mark.parametrize(("on", "held"), [
    (D(2021, 11, 30), False), (D(2021, 12, 1), True), (D(2024, 11, 30), True), (D(2024, 12, 1), False),
])
def test_validity_is_inclusive_at_both_ends(certified: Any, world: World, on: Any, held: bool) -> None:
    assert certified.valid_to == D(2024, 11, 30)
    assert enterprise_qualified_on(world.ent_huangpu, on) is held
    assert enterprise_qualified_on(world.ent_huangpu, on, ["high_tech"]) is held
    assert (world.ent_huangpu in Enterprise.objects.qualified_on(on)) is held


def test_one_query(certified: Any, world: World, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert enterprise_qualified_on(world.ent_huangpu, D(2023, 1, 1))


def test_revocation_ends_the_qualification_on_its_date(certified: Any, world: World) -> None:
    services.qualification_update(actor=None, qualification=certified, revoked_on=D(2023, 6, 1))
    assert enterprise_qualified_on(world.ent_huangpu, D(2023, 5, 31))
    assert not enterprise_qualified_on(world.ent_huangpu, D(2023, 6, 1))
    certified.refresh_from_db()
    assert certified.effective_to == D(2023, 5, 31)


def test_kinds_filter_and_the_pool_default(world: World, kinds: dict[str, Any]) -> None:
    services.qualification_create(actor=None, enterprise=world.ent_nansha, kind=kinds["specialised"],
                                  valid_from=D(2024, 7, 1))
    services.qualification_create(actor=None, enterprise=world.ent_huangpu, kind=kinds["key_support"],
                                  valid_from=D(2025, 10, 1))
    on = D(2025, 12, 1)
    # Neither kind counts for the pool by default (only the tech-pool kinds do).
    assert not enterprise_qualified_on(world.ent_nansha, on)
    assert enterprise_qualified_on(world.ent_nansha, on, ["specialised"])
    assert list(Enterprise.objects.qualified_on(on, ["key_support"])) == [world.ent_huangpu]
    assert list(Enterprise.objects.qualified_on(on, ["specialised", "key_support"]).order_by("pk")) == [
        world.ent_huangpu, world.ent_nansha]
    assert not enterprise_qualified_on(world.ent_huangpu, D(2025, 9, 30), ["key_support"])


def test_tech_sme_registration_runs_to_the_end_of_its_year(world: World, kinds: dict[str, Any]) -> None:
    services.qualification_create(actor=None, enterprise=world.ent_huangpu, kind=kinds["tech_sme"],
                                  number="2024440112000001", valid_from=D(2024, 5, 6))
    assert enterprise_qualified_on(world.ent_huangpu, D(2024, 12, 31))
    assert not enterprise_qualified_on(world.ent_huangpu, D(2025, 1, 1))
