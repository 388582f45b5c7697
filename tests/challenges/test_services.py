from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from challenges import services
from challenges.models import Amendment, Application, ChallengeStatus, Invitation
from challenges.tasks import close_due_challenges
from matching.models import Match
from notifications.models import Notification
from organizations.models import Organization
from organizations.selectors import Actor
from outcomes.models import OutcomeEvent
from tests.challenges.conftest import (
    APPLICATION,
    INDICATORS,
    act,
    apply,
    challenge_data,
    milestones_for,
    publish,
)
from tests.factories import (
    ZHEJIANG,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    member_of,
)
from tests.matching.builders import make_match
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def test_the_table_who_may_take_each_step(world):
    c = world.challenge
    for user in (world.rival_user, world.staff):
        with pytest.raises(PermissionDenied):
            services.challenge_transition(actor=act(user), challenge=c, action="submit")
    with pytest.raises(PermissionDenied):
        services.challenge_transition(actor=Actor(user=None), challenge=c, action="submit")
    # A non-admin member of the sponsor acts for it.
    services.challenge_transition(actor=act(world.sponsor_member), challenge=c, action="submit")
    for user in (world.sponsor_user, world.far_staff, world.rival_user):
        with pytest.raises(PermissionDenied):
            services.challenge_transition(actor=act(user), challenge=c, action="publish")
    with pytest.raises(ValidationError) as error:
        services.challenge_transition(actor=act(world.staff), challenge=c, action="return")
    assert "note" in error.value.message_dict
    services.challenge_transition(
        actor=act(world.staff), challenge=c, action="return", note="请补充测试方法"
    )
    c.refresh_from_db()
    assert c.status == ChallengeStatus.RETURNED and c.vetting_note == "请补充测试方法"
    publish(world)
    assert c.__class__.objects.get(pk=c.pk).status == ChallengeStatus.PUBLISHED
    with pytest.raises(ValidationError) as error:
        services.challenge_transition(actor=act(world.staff), challenge=c, action="publish")
    assert "status" in error.value.message_dict
    # The timer's step is not a person's; the deadline is still ahead.
    with pytest.raises(PermissionDenied):
        services.challenge_transition(actor=act(world.sponsor_user), challenge=c, action="expire")
    with pytest.raises(ValidationError):
        services.challenge_transition(actor=None, challenge=c, action="expire")
    names = set(
        OutcomeEvent.objects.filter(subject_type="challenge").values_list("name", flat=True)
    )
    assert {"challenge.submitted", "challenge.returned", "challenge.published"} <= names


def test_a_government_list_is_vetted_by_the_office_above(world):
    city_office = world.staff
    office = city_office.memberships.get().organization
    province_staff = cast_staff(ZHEJIANG, username="zj-staff")
    c = services.challenge_save(
        actor=act(city_office), sponsor=office, data=challenge_data(), indicators=INDICATORS
    )
    assert c.government_list
    services.challenge_transition(actor=act(city_office), challenge=c, action="submit")
    for user in (city_office, world.far_staff):  # the office itself never vets its own list
        with pytest.raises(PermissionDenied):
            services.challenge_transition(actor=act(user), challenge=c, action="publish")
    services.challenge_transition(actor=act(province_staff), challenge=c, action="publish")


def test_deadlines_trl_and_units_are_checked_with_named_errors(world):
    today = timezone.localdate()
    rows = [dict(INDICATORS[0], unit=""), INDICATORS[1]]
    with pytest.raises(ValidationError) as error:
        services.challenge_save(
            actor=act(world.sponsor_user),
            sponsor=world.sponsor,
            data=challenge_data(
                applications_close_on=today - timedelta(days=1), trl_now=6, trl_wanted=3
            ),
            indicators=rows,
        )
    errors = error.value.message_dict
    assert errors["applications_close_on"] == ["榜单截止日期必须晚于今天，请选择更晚的日期。"]
    assert "trl_wanted" in errors
    assert errors["indicators"] == ["第1行指标“单位”：请填写此项。"]


def test_locked_after_publication_and_amendments_are_logged_and_sent(world):
    c = publish(world)
    apply(world, c)
    endpoint = WebhookEndpoint.objects.create(
        organization=world.rival,
        url="https://erp.example.cn/hook",
        events=[WebhookEvent.CHALLENGE_UPDATED],
        created_by=world.rival_user,
    )
    with pytest.raises(ValidationError) as error:
        services.challenge_amend(
            actor=act(world.sponsor_user),
            challenge=c,
            changes={"problem": "改了", "ip_arrangement": "none", "reward_amount": "10"},
            reason="澄清",
        )
    errors = error.value.message_dict
    assert errors["problem"][0].startswith("发布后不能修改“技术难题”")
    assert {"ip_arrangement", "reward_amount"} <= set(errors)
    with pytest.raises(ValidationError) as error:
        services.challenge_amend(
            actor=act(world.sponsor_user),
            challenge=c,
            changes={"applications_close_on": c.applications_close_on - timedelta(days=1)},
            reason="提前",
        )
    assert "applications_close_on" in error.value.message_dict
    later = c.applications_close_on + timedelta(days=10)
    services.challenge_amend(
        actor=act(world.sponsor_user),
        challenge=c,
        changes={"applications_close_on": later, "eligibility": "仅限国内单位。"},
        reason="应揭榜方要求延期",
        annex_files=[SimpleUploadedFile("补充.pdf", b"%PDF-1.4 test")],
    )
    logged = set(Amendment.objects.filter(challenge=c).values_list("field_name", flat=True))
    assert logged == {"applications_close_on", "eligibility", "annex"}
    # The public log names what changed as the form does, never by its code name.
    labels = {a.field_label for a in Amendment.objects.filter(challenge=c)}
    assert labels.isdisjoint(logged) and len(labels) == 3
    assert Notification.objects.filter(user=world.rival_user, title__contains="修改").exists() or (
        Notification.objects.filter(user=world.rival_user, body="应揭榜方要求延期").exists()
    )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.payload["challenge"]["applications_close_on"] == later.isoformat()
    assert OutcomeEvent.objects.filter(name="challenge.amended", subject_id=c.pk).exists()


def test_hidden_sponsor_never_reaches_others_webhooks(world):
    c = world.challenge
    c.hide_sponsor = True
    c.save()
    c = publish(world)
    apply(world, c)
    endpoint = WebhookEndpoint.objects.create(
        organization=world.rival,
        url="https://erp.example.cn/hook",
        events=[WebhookEvent.CHALLENGE_UPDATED],
        created_by=world.rival_user,
    )
    services.challenge_transition(actor=act(world.sponsor_user), challenge=c, action="close")
    payload = WebhookDelivery.objects.get(endpoint=endpoint).payload
    assert payload["challenge"]["sponsor"] is None
    assert world.sponsor.name not in str(payload)


def test_applications_cover_every_indicator_once_per_organization(world):
    c = publish(world)
    rows = milestones_for(c)[:1]
    with pytest.raises(ValidationError) as error:
        services.application_submit(
            actor=act(world.rival_user),
            challenge=c,
            applicant=world.rival,
            data={**APPLICATION, "coi_declared": False},
            milestones=rows,
        )
    errors = error.value.message_dict
    assert "coi_declared" in errors
    assert any("单吨处理成本" in e for e in errors["milestones"])
    with pytest.raises(ValidationError):
        apply(world, c, user=world.sponsor_user, applicant=world.sponsor)
    application = apply(world, c)
    with pytest.raises(ValidationError):
        apply(world, c)
    services.application_withdraw(actor=act(world.rival_user), application=application)
    assert Application.objects.get(pk=application.pk).status == Application.Status.WITHDRAWN
    apply(world, c)  # a new one after withdrawing
    assert OutcomeEvent.objects.filter(name="application.withdrawn").count() == 1


def test_the_timer_closes_once_when_run_twice(world):
    c = publish(world)
    type(c).objects.filter(pk=c.pk).update(
        applications_close_on=timezone.localdate() - timedelta(days=1)
    )
    assert close_due_challenges() == 1
    assert close_due_challenges() == 0
    assert OutcomeEvent.objects.filter(name="challenge.closed", subject_id=c.pk).count() == 1


def test_questions_are_public_once_answered(world):
    c = publish(world)
    q = services.question_ask(
        actor=act(world.rival_user), challenge=c, organization=world.rival, text="是否接受联合体？"
    )
    with pytest.raises(PermissionDenied):
        services.question_answer(actor=act(world.rival_user), question=q, answer="可以")
    services.question_answer(actor=act(world.sponsor_user), question=q, answer="接受联合体揭榜。")


def test_invitations_on_publication_come_from_the_needs_matches(
    world, django_capture_on_commit_callbacks
):
    need = NeedFactory(organization=world.sponsor)
    university = OrganizationFactory(name="江南大学", kind=Organization.Kind.INSTITUTION)
    member_of(university, username="uni")
    make_match(need, AchievementFactory(organization=university, title="锂电回收新工艺"))
    make_match(need, AchievementFactory(organization=world.sponsor, title="自己的"))
    c = world.challenge
    c.need = need
    c.save()
    with django_capture_on_commit_callbacks(execute=True):
        publish(world)
    invitations = list(Invitation.objects.filter(challenge=c))
    assert [i.organization_id for i in invitations] == [university.pk]
    assert "锂电回收新工艺" in invitations[0].reason
    assert Notification.objects.filter(title__contains="揭榜", user__username="uni").exists()
    services.challenge_invite(challenge_id=c.pk)
    assert Invitation.objects.filter(challenge=c).count() == 1
    assert Match.objects.filter(need=need).count() == 2
