import smtplib

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notification_send_email, notify
from organizations import services as organization_services
from organizations.models import Membership, Organization
from organizations.selectors import actor_for
from repositories import services as listing_services
from repositories.models import ListingStatus
from tests.factories import (
    ZHEJIANG,
    NeedFactory,
    OrganizationFactory,
    UserFactory,
    cast_staff,
    member_of,
)

pytestmark = pytest.mark.django_db


def test_a_review_notifies_every_member_in_app_and_by_mail(
    django_capture_on_commit_callbacks, mailoutbox
):
    need = NeedFactory(status=ListingStatus.SUBMITTED, title="印染废水脱色")
    colleague = member_of(need.organization, role=Membership.Role.MEMBER)
    with django_capture_on_commit_callbacks(execute=True):
        listing_services.listing_review(
            listing=need,
            actor=actor_for(user=cast_staff(ZHEJIANG)),
            approve=False,
            note="请补充指标",
        )
    notified = Notification.objects.filter(topic=Notification.Topic.LISTING_REVIEWED)
    assert {n.user for n in notified} == {need.created_by, colleague}
    assert all("印染废水脱色" in n.title and n.body == "请补充指标" for n in notified)
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        [need.created_by.email, colleague.email]
    )
    assert need.get_absolute_url() in mailoutbox[0].body


def test_the_mail_goes_out_once_even_if_the_task_runs_twice(mailoutbox):
    user = UserFactory()
    (notification,) = notify(users=[user], topic=Notification.Topic.MEMBERSHIP, title="欢迎")
    notification_send_email(notification_id=notification.pk)
    notification_send_email(notification_id=notification.pk)
    assert len(mailoutbox) == 1


def test_organization_verification_notifies_its_administrators():
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    admin = member_of(organization)
    organization_services.organization_review(
        organization=organization, actor=actor_for(user=cast_staff(ZHEJIANG)), approve=True
    )
    assert Notification.objects.get(user=admin).topic == Notification.Topic.ORGANIZATION_REVIEWED


def test_requests_for_details_notify_both_sides():
    need = NeedFactory(confidential_details="工艺参数")
    asker = member_of(OrganizationFactory())
    request = listing_services.access_request_create(
        listing=need,
        actor=actor_for(user=asker),
        organization=asker.memberships.get().organization,
        message="想了解工况",
    )
    assert Notification.objects.get(user=need.created_by).topic == "access_requested"
    listing_services.access_request_decide(
        access_request=request, actor=actor_for(user=need.created_by), grant=True
    )
    assert Notification.objects.get(user=asker).topic == "access_decided"


def test_notification_centre_shows_only_ones_own_and_marks_read(client):
    user, other = UserFactory(), UserFactory()
    (mine,) = notify(users=[user], topic="membership", title="我的通知", url="/needs/")
    (theirs,) = notify(users=[other], topic="membership", title="别人的通知")
    client.force_login(user)

    page = client.get(reverse("notifications:list"))
    assert [n.title for n in page.context["page"]] == ["我的通知"]
    assert page.context["unread_notification_count"] == 1

    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response["Location"] == "/needs/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(reverse("repositories:home")).context["unread_notification_count"] == 0


def test_mark_all_read(client):
    user = UserFactory()
    notify(users=[user], topic="membership", title="一")
    notify(users=[user], topic="membership", title="二")
    client.force_login(user)
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def test_the_centre_needs_a_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_one_mail_failing_is_logged_and_the_others_still_go_out(
    django_capture_on_commit_callbacks, mailoutbox, monkeypatch, caplog
):
    refused, colleague = UserFactory(), UserFactory()
    send = EmailMultiAlternatives.send

    def send_unless_refused(message, *args, **kwargs):
        if message.to == [refused.email]:
            raise smtplib.SMTPRecipientsRefused({refused.email: (550, b"No such user")})
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send_unless_refused)
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[refused, colleague], topic=Notification.Topic.SUBSCRIPTION, title="新需求")

    assert [mail.to for mail in mailoutbox] == [[colleague.email]]
    failed = Notification.objects.get(user=refused)
    assert failed.emailed_at is None
    assert Notification.objects.get(user=colleague).emailed_at is not None
    (record,) = [r for r in caplog.records if r.name == "notifications.services"]
    assert record.levelname == "ERROR"
    assert record.getMessage() == f"The e-mail of notification {failed.pk} could not be sent"
