"""In-platform messages (站内消息): addressing, language, idempotency, scope, pages and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy

from techfin.accounts.models import Role, User
from techfin.notifications.models import Notification
from techfin.notifications.queries import notifications_for_user, unread_count
from techfin.notifications.services import notification_mark_read, notifications_mark_all_read, notify

pytestmark = pytest.mark.django_db


def test_a_role_narrowed_to_a_bank_reaches_only_that_banks_officers(world: Any) -> None:
    other = User.objects.create_user("t_bank_b", password="pw", role=Role.BANK, bank=world.bank_b)
    second = User.objects.create_user("t_bank_a2", password="pw", role=Role.BANK, bank=world.bank_a)
    User.objects.create_user("t_bank_gone", password="pw", role=Role.BANK, bank=world.bank_a, is_active=False)
    sent = notify(title="月度报送提醒", role=Role.BANK, bank=world.bank_a, link="/filings/")
    assert sorted(n.recipient.username for n in sent) == ["t_bank", "t_bank_a2"]
    assert not Notification.objects.filter(recipient=other).exists()
    assert {n.audience for n in sent} == {f"role=bank bank={world.bank_a.pk}"}
    assert unread_count(second) == 1


def test_role_users_and_exclude_combine(world: Any) -> None:
    manager = world.users["manager"]
    sent = notify(title="x", role=Role.MANAGER, users=[world.users["supervisor"]], exclude=manager)
    assert [n.recipient for n in sent] == [world.users["supervisor"]]
    with pytest.raises(ValueError):
        notify(title="nobody")
    with pytest.raises(ValueError):
        notify(title="x", users=[manager], link="https://example.com/")
    assert notify(title="x", users=[]) == []


def test_each_recipient_reads_it_in_their_language(world: Any) -> None:
    english = world.users["supervisor"]
    english.language = "en"
    english.save()
    sent = notify(title=gettext_lazy("Pool loans"), body=lambda: gettext_lazy("Project anomalies") + " ✓",
                  users=[world.users["manager"], english])
    by_user = {n.recipient.username: n for n in sent}
    assert by_user["t_supervisor"].title == "Pool loans"
    assert by_user["t_supervisor"].body == "Project anomalies ✓"
    assert by_user["t_manager"].title == "入池贷款"
    assert by_user["t_manager"].body == "项目异常 ✓"


def test_a_key_sends_once_per_recipient(world: Any) -> None:
    first = notify(title="提醒", role=Role.BANK, bank=world.bank_a, key="status:2025-07:before:1")
    assert len(first) == 1
    assert notify(title="提醒", role=Role.BANK, bank=world.bank_a, key="status:2025-07:before:1") == []
    # A new officer of the bank receives it on the next run; the first does not get it twice.
    User.objects.create_user("t_bank_new", password="pw", role=Role.BANK, bank=world.bank_a)
    again = notify(title="提醒", role=Role.BANK, bank=world.bank_a, key="status:2025-07:before:1")
    assert [n.recipient.username for n in again] == ["t_bank_new"]
    assert Notification.objects.filter(key="status:2025-07:before:1").count() == 2


def test_an_inbox_holds_only_its_own_messages_even_for_all_seeing_roles(world: Any) -> None:
    mine = notify(title="给经理", users=[world.users["manager"]])[0]
    notify(title="给科技局", users=[world.users["supervisor"]])
    assert list(notifications_for_user(world.users["manager"])) == [mine]
    assert list(notifications_for_user(world.users["bank"])) == []
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        notification_mark_read(user=world.users["supervisor"], notification=mine)
    read = notification_mark_read(user=world.users["manager"], notification=mine)
    first = read.read_at
    assert first is not None
    assert notification_mark_read(user=world.users["manager"], notification=mine).read_at == first
    notify(title="a", users=[world.users["bank"]])
    notify(title="b", users=[world.users["bank"]])
    assert notifications_mark_all_read(user=world.users["bank"]) == 2
    assert unread_count(world.users["bank"]) == 0


def test_the_bell_counts_unread_and_the_inbox_opens_a_link(world: Any, client: Any) -> None:
    bank = world.users["bank"]
    note = notify(title="2025-07 月度报送：3 笔贷款尚未报送", body="请于 2025-08-10 前报送", users=[bank],
                  link="/filings/?missing=2025-07", level="warning")[0]
    client.force_login(bank)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="unread-count">1<' in home
    inbox = client.get(reverse("notification-list")).content.decode()
    assert "3 笔贷款尚未报送" in inbox and "请于 2025-08-10 前报送" in inbox
    response = client.post(reverse("notification-read", args=[note.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/filings/?missing=2025-07"
    note.refresh_from_db()
    assert note.is_read
    assert 'data-testid="unread-count"' not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("notification-list") + "?show=unread").content.decode().count('class="note ') == 0


def test_another_users_message_is_not_found(world: Any, client: Any) -> None:
    note = notify(title="给经理", users=[world.users["manager"]])[0]
    client.force_login(world.users["supervisor"])
    assert client.post(reverse("notification-read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert not note.is_read


def test_api_lists_filters_and_marks_read(world: Any, client: Any) -> None:
    bank = world.users["bank"]
    old = notify(title="旧", users=[bank])[0]
    new = notify(title="新", users=[bank], level="urgent")[0]
    notify(title="别人的", users=[world.users["manager"]])
    client.force_login(bank)
    listed = client.get("/api/notifications/").json()
    assert [r["id"] for r in listed["results"]] == [new.pk, old.pk]
    assert client.get("/api/notifications/?level=urgent").json()["count"] == 1
    answer = client.post(f"/api/notifications/{old.pk}/read/")
    assert answer.status_code == 200 and answer.json()["is_read"] is True
    assert [r["id"] for r in client.get("/api/notifications/?unread=true").json()["results"]] == [new.pk]
    assert client.post("/api/notifications/read-all/").json() == {"marked": 1, "unread": 0}
    other = Notification.objects.get(title="别人的")
    assert client.get(f"/api/notifications/{other.pk}/").status_code == 404
