"""The kernel's inbox (notifications, mark-read, the reminders apps register) and home cards."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import home, inbox
from crm.models import Notification
from crm.tenancy import tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep2(tenant, make_user):
    return make_user(tenant, "rep")


def _notes(tenant, **filters):
    with tenant_context(tenant):
        return list(Notification.objects.filter(**filters).order_by("id"))


def test_notify_once_per_user_kind_object_and_day(tenant, rep, rep2):
    day = timezone.localdate()
    with tenant_context(tenant):
        for _ in range(2):
            inbox.notify(tenant=tenant, user=rep, kind="task_due", text="今天到期：回访", obj=("followuptask", 7))
        inbox.notify(tenant=tenant.pk, user=rep2, kind="task_due", text="今天到期：回访", obj=("followuptask", 7))
        inbox.notify(
            tenant=tenant,
            user=rep,
            kind="task_due",
            text="明天",
            obj=("followuptask", 7),
            day=day + datetime.timedelta(days=1),
        )
    mine = _notes(tenant, user=rep)
    assert [(n.kind, n.object_type, n.object_id, n.date) for n in mine] == [
        ("task_due", "followuptask", 7, day),
        ("task_due", "followuptask", 7, day + datetime.timedelta(days=1)),
    ]
    assert len(_notes(tenant, user=rep2)) == 1  # another user's notification is their own


def test_mark_read_marks_the_given_or_all_of_the_users_own_only(tenant, rep, rep2):
    with tenant_context(tenant):
        a, b = (
            Notification.objects.create(tenant=tenant, user=rep, kind="task_due", text=t, object_id=i)
            for i, t in enumerate(("甲", "乙"))
        )
        theirs = Notification.objects.create(tenant=tenant, user=rep2, kind="task_due", text="丙")

        assert inbox.unread_notification_count(tenant=tenant, user=rep) == 2
        # Given ids, only those of the user's own are marked (another user's id is ignored).
        assert inbox.notifications_mark_read(tenant=tenant, by=rep, ids=[a.pk, theirs.pk]) == 1
        assert [n.read for n in Notification.objects.filter(pk__in=[a.pk, b.pk, theirs.pk]).order_by("id")] == [
            True,
            False,
            False,
        ]
        # Without ids: all of the user's own.
        assert inbox.notifications_mark_read(tenant=tenant, by=rep) == 1
        assert inbox.unread_notification_count(tenant=tenant, user=rep) == 0
        assert inbox.unread_notification_count(tenant=tenant, user=rep2) == 1


def test_mark_read_through_the_api_and_the_page(tenant, rep, rep2, api_client, client):
    with tenant_context(tenant):
        mine = Notification.objects.create(tenant=tenant, user=rep, kind="task_due", text="甲", object_id=1)
        other = Notification.objects.create(tenant=tenant, user=rep, kind="task_due", text="乙", object_id=2)
        theirs = Notification.objects.create(tenant=tenant, user=rep2, kind="task_due", text="丙")
    api_client.force_login(rep)
    assert api_client.get(reverse("notification-detail", args=[theirs.pk])).status_code == 404
    assert api_client.get(reverse("notification-detail", args=[mine.pk])).status_code == 200
    response = api_client.post(reverse("notification-mark-read"), {"ids": [mine.pk]}, format="json")
    assert response.status_code == 200 and response.json() == {"marked": 1}

    client.force_login(rep)
    html = client.get(reverse("notification_list")).content.decode()
    assert 'data-read="1"' in html and 'data-read="0"' in html
    assert client.post(reverse("notification_list")).status_code == 302  # "mark all as read"
    with tenant_context(tenant):
        assert Notification.objects.get(pk=other.pk).read
        assert not Notification.objects.get(pk=theirs.pk).read


def test_the_notifications_page_labels_kinds_as_their_app_registered_them(tenant, rep, client):
    with tenant_context(tenant):
        Notification.objects.create(tenant=tenant, user=rep, kind="plan_reviewed", text="计划已审批")
        Notification.objects.create(tenant=tenant, user=rep, kind="unknown_kind", text="其他")
    client.force_login(rep)
    html = client.get(reverse("notification_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Cycle plan reviewed" in html  # visits registered its kinds (VisitsConfig.ready)
    assert "unknown_kind" in html  # an unregistered kind shows its code


def test_daily_reminders_run_every_registered_function(tenant, monkeypatch):
    calls = []

    def complaints_sla(*, tenant, now, day):
        calls.append((tenant, day))
        return {"complaint_sla": 3}

    monkeypatch.setitem(inbox._REMINDERS, "complaints", complaints_sla)
    now = timezone.now()
    with tenant_context(tenant):
        counts = inbox.reminders_send(tenant=tenant, now=now)
    assert calls == [(tenant, timezone.localtime(now).date())]
    assert counts["complaint_sla"] == 3
    assert {"report_overdue", "task_due", "task_overdue", "inquiry_overdue"} <= set(counts)  # visits' own


def test_home_shows_the_cards_registered_for_the_role(tenant, rep, make_user, client, monkeypatch):
    monkeypatch.setitem(
        home._CARDS,
        "fees",
        home.HomeCard(
            key="fees", template="home/_test_card.html", roles=frozenset({"compliance"}), context=lambda u: 1
        ),
    )
    with tenant_context(tenant):
        templates, context = home.home_cards(make_user(tenant, "compliance"))
        assert "home/_test_card.html" in templates and context["fees"] == 1
        templates, context = home.home_cards(rep)
    assert "home/_test_card.html" not in templates and "fees" not in context
    assert templates == ["visits/_my_day.html", "analytics/_my_month.html"]  # visits' "my day", analytics' month
