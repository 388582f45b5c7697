"""The second slice: the review panel (weights, blind review, conflicts, scores), declining
with a reason, the award (deals per winner; the CAST co-signature of a government list),
completion from the deals, and the public figures."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from challenges import selectors, services
from challenges.models import (
    Application,
    ChallengeStatus,
    DeclineReason,
    PanelAssignment,
    ReviewCriterion,
)
from challenges.transitions import TRANSITIONS, Action, Who
from deals.models import Deal, Milestone
from notifications.models import Notification
from organizations.models import Organization
from organizations.selectors import Actor
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from tests.challenges.conftest import (
    INDICATORS,
    act,
    apply,
    challenge_data,
    publish,
)
from tests.factories import ZHEJIANG, OrganizationFactory, cast_staff, member_of
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def closed_with_two(world, challenge=None):
    """Published, applied to by the rival and the other, closed."""
    challenge = publish(world, challenge)
    first = apply(world, challenge)
    second = apply(world, challenge, user=world.other_user, applicant=world.other)
    services.challenge_transition(
        actor=act(world.sponsor_user), challenge=challenge, action="close"
    )
    challenge.refresh_from_db()
    return challenge, first, second


def seat_expert(world, challenge, username="expert", by=None):
    lab = OrganizationFactory(
        name=f"清华大学材料学院{username}", kind=Organization.Kind.INSTITUTION
    )
    expert = member_of(lab, username=username)
    services.panel_seat(actor=act(by or world.sponsor_user), challenge=challenge, user=expert)
    return expert


def score_all(user, application, challenge, value=8):
    return services.scores_submit(
        actor=act(user),
        application=application,
        scores=[
            {"criterion": c.pk, "value": value, "comment": "方案扎实"}
            for c in challenge.criteria.all()
        ],
    )


def reviewing(world, challenge=None):
    """Closed, an expert seated and assigned to all, the review started, both scored."""
    challenge, first, second = closed_with_two(world, challenge)
    expert = seat_expert(world, challenge)
    services.panel_assign(actor=act(world.sponsor_user), challenge=challenge)
    services.challenge_transition(
        actor=act(world.sponsor_user), challenge=challenge, action="start_review"
    )
    for application, value in ((first, 9), (second, 5)):
        services.conflict_declare(actor=act(expert), application=application, conflict=False)
        score_all(expert, application, challenge, value)
    challenge.refresh_from_db()
    return challenge, first, second, expert


def test_default_criteria_sum_to_100_and_are_locked_with_the_blind_flag(world):
    c = world.challenge
    assert [cr.weight for cr in c.criteria.all()] == [25, 25, 25, 25]
    names = [cr.name for cr in c.criteria.all()]
    assert names == ["团队水平", "研发能力", "攻关方案", "与需求匹配度"]
    # Before publication: set freely, the weights summing to 100.
    with pytest.raises(ValidationError) as error:
        services.challenge_save(
            actor=act(world.sponsor_user),
            challenge=c,
            data=challenge_data(),
            indicators=INDICATORS,
            criteria=[{"name": "方案", "weight": 60}, {"name": "团队", "weight": 30}],
        )
    assert "criteria" in error.value.message_dict
    assert "90" in error.value.message_dict["criteria"][0]
    services.challenge_save(
        actor=act(world.sponsor_user),
        challenge=c,
        data=challenge_data(blind_review=True),
        indicators=INDICATORS,
        criteria=[{"name": "方案", "weight": 70}, {"name": "团队", "weight": 30}],
    )
    assert list(ReviewCriterion.objects.filter(challenge=c).values_list("weight", flat=True)) == [
        70,
        30,
    ]
    publish(world)
    with pytest.raises(ValidationError) as error:
        services.challenge_amend(
            actor=act(world.sponsor_user),
            challenge=c,
            changes={"blind_review": False},
            reason="改为公开评审",
            criteria=[{"name": "方案", "weight": 50}, {"name": "团队", "weight": 50}],
        )
    assert set(error.value.message_dict) >= {"blind_review", "criteria"}
    c.refresh_from_db()
    assert c.blind_review is True


def test_the_new_steps_role_by_transition(world):
    challenge, first, second = closed_with_two(world)
    # start_review: the sponsor only, with a panel seated.
    for user in (world.rival_user, world.staff):
        with pytest.raises(PermissionDenied):
            services.challenge_transition(
                actor=act(user), challenge=challenge, action="start_review"
            )
    with pytest.raises(ValidationError) as error:
        services.challenge_transition(
            actor=act(world.sponsor_user), challenge=challenge, action="start_review"
        )
    assert "panel" in error.value.message_dict
    # The award step cannot be taken bare (no winners, no reasons), nor from "closed".
    with pytest.raises(ValidationError) as error:
        services.challenge_transition(
            actor=act(world.sponsor_user), challenge=challenge, action="award"
        )
    assert "status" in error.value.message_dict
    assert TRANSITIONS[(ChallengeStatus.COSIGNING, Action.COSIGN)].who == Who.VETTER
    assert TRANSITIONS[(ChallengeStatus.AWARDED, Action.COMPLETE)].who == Who.SYSTEM
    seat_expert(world, challenge)
    services.challenge_transition(
        actor=act(world.sponsor_member), challenge=challenge, action="start_review"
    )
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.REVIEWING
    with pytest.raises(ValidationError) as error:
        services.challenge_transition(
            actor=act(world.sponsor_user), challenge=challenge, action="award"
        )
    assert set(error.value.message_dict) == {"winners", "decline_reason"}
    # The timer alone completes; a person may not.
    with pytest.raises(ValidationError):
        services.challenge_transition(
            actor=act(world.sponsor_user), challenge=challenge, action="complete"
        )


def test_panel_seating_flags_enterprise_members_and_needs_the_sponsors_admin(world):
    challenge, *_ = closed_with_two(world)
    with pytest.raises(PermissionDenied):  # a plain member of the sponsor
        services.panel_seat(
            actor=act(world.sponsor_member), challenge=challenge, user=world.rival_user
        )
    member = services.panel_seat(
        actor=act(world.sponsor_user), challenge=challenge, user=world.sponsor_member
    )
    assert member.is_enterprise_member
    expert = seat_expert(world, challenge)
    assert not challenge.panel.get(user=expert).is_enterprise_member
    assert challenge.panel.get(user=expert).affiliation == "清华大学材料学院expert"
    with pytest.raises(ValidationError) as error:
        services.panel_seat(actor=act(world.sponsor_user), challenge=challenge, user=expert)
    assert "user" in error.value.message_dict
    assert services.panel_assign(actor=act(world.sponsor_user), challenge=challenge) == 4
    assert services.panel_assign(actor=act(world.sponsor_user), challenge=challenge) == 0


def test_conflicts_own_organization_and_declared_are_refused_with_a_field_error(world):
    challenge, first, second = closed_with_two(world)
    # The rival's own member sits on the panel: it may never score its organization's.
    services.panel_seat(actor=act(world.sponsor_user), challenge=challenge, user=world.rival_user)
    expert = seat_expert(world, challenge)
    services.panel_assign(actor=act(world.sponsor_user), challenge=challenge)
    services.challenge_transition(
        actor=act(world.sponsor_user), challenge=challenge, action="start_review"
    )
    with pytest.raises(ValidationError) as error:
        services.conflict_declare(actor=act(world.rival_user), application=first, conflict=False)
    assert "conflict" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        score_all(world.rival_user, first, challenge)
    assert error.value.message_dict["conflict"] == ["您属于申请单位，永远不能为其申请评分。"]
    # Declared conflict: removed for good.
    services.conflict_declare(
        actor=act(expert), application=second, conflict=True, note="曾与该单位合作"
    )
    with pytest.raises(ValidationError) as error:
        score_all(expert, second, challenge)
    assert error.value.message_dict["conflict"] == ["您已声明与该申请存在利益冲突，不能为其评分。"]
    with pytest.raises(ValidationError):
        services.conflict_declare(actor=act(expert), application=second, conflict=False)
    # Undeclared: declare first.
    with pytest.raises(ValidationError) as error:
        score_all(expert, first, challenge)
    assert "conflict" in error.value.message_dict
    # Not assigned (a stranger): refused.
    with pytest.raises(PermissionDenied):
        score_all(world.other_user, first, challenge)


def test_scores_out_of_range_or_missing_criteria_are_refused(world):
    challenge, first, second = closed_with_two(world)
    expert = seat_expert(world, challenge)
    services.panel_assign(actor=act(world.sponsor_user), challenge=challenge)
    services.challenge_transition(
        actor=act(world.sponsor_user), challenge=challenge, action="start_review"
    )
    services.conflict_declare(actor=act(expert), application=first, conflict=False)
    criteria = list(challenge.criteria.all())
    for bad in (11, -1, "7.5", "八"):
        with pytest.raises(ValidationError) as error:
            services.scores_submit(
                actor=act(expert),
                application=first,
                scores=[{"criterion": c.pk, "value": bad} for c in criteria],
            )
        assert "scores" in error.value.message_dict
        assert "0" in error.value.message_dict["scores"][0]
    with pytest.raises(ValidationError) as error:
        services.scores_submit(
            actor=act(expert),
            application=first,
            scores=[{"criterion": criteria[0].pk, "value": 5}],
        )
    assert "团队水平" not in error.value.message_dict["scores"][-1]
    assert "研发能力" in error.value.message_dict["scores"][-1]


def test_ranking_by_weighted_mean(world):
    challenge, first, second, expert = reviewing(world)
    second_expert = seat_expert(world, challenge, username="expert2")
    services.panel_assign(actor=act(world.sponsor_user), challenge=challenge)
    services.conflict_declare(actor=act(second_expert), application=second, conflict=False)
    criteria = list(challenge.criteria.all())
    services.scores_submit(
        actor=act(second_expert),
        application=second,
        scores=[
            {"criterion": c.pk, "value": v, "comment": ""}
            for c, v in zip(criteria, (10, 10, 0, 0), strict=True)
        ],
    )
    rows = selectors.application_ranking(challenge=challenge)
    assert [row["application"].pk for row in rows] == [first.pk, second.pk]
    assert rows[0]["mean"] == 9.0
    assert rows[1]["mean"] == 5.0 and rows[1]["reviews"] == 2  # (5 + 5) / 2


def test_blind_review_shows_labels_not_names(world):
    services.challenge_save(
        actor=act(world.sponsor_user),
        challenge=world.challenge,
        data=challenge_data(blind_review=True),
        indicators=INDICATORS,
    )
    challenge, first, second, expert = reviewing(world)
    rows = selectors.review_assignments(actor=act(expert), challenge=challenge)
    assert [row.label for row in rows] == ["申请 A", "申请 B"]
    assert not any(row.applicant_shown for row in rows)


def test_award_needs_reasons_then_opens_one_deal_per_winner_with_milestones(world):
    challenge, first, second, expert = reviewing(world)
    WebhookEndpoint.objects.create(
        organization=world.other,
        url="https://example.com/hook",
        events=[WebhookEvent.APPLICATION_UPDATED],
    )
    # More winners than allowed, an unscored winner, no reasons: refused, nothing decided.
    challenge.max_winners = 1
    challenge.save()
    with pytest.raises(ValidationError) as error:
        services.challenge_award(
            actor=act(world.sponsor_user), challenge=challenge, winners=[first.pk, second.pk]
        )
    assert "winners" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.challenge_award(
            actor=act(world.sponsor_user), challenge=challenge, winners=[first.pk]
        )
    assert "decline_reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.challenge_award(
            actor=act(world.sponsor_user),
            challenge=challenge,
            winners=[first.pk],
            decline_reason="bogus",
            decline_comment="",
        )
    assert {"decline_reason", "decline_comment"} <= set(error.value.message_dict)
    assert not Application.objects.filter(status="declined").exists()
    with pytest.raises(PermissionDenied):
        services.challenge_award(
            actor=act(world.rival_user), challenge=challenge, winners=[first.pk]
        )
    services.challenge_award(
        actor=act(world.sponsor_user),
        challenge=challenge,
        winners=[first.pk],
        decline_reason=DeclineReason.BUDGET,
        decline_comment="预算高于榜单奖励",
    )
    challenge.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert challenge.status == ChallengeStatus.AWARDED
    assert first.status == "awarded" and second.status == "declined"
    assert second.decline_reason == "budget" and second.decline_comment == "预算高于榜单奖励"
    told = Notification.objects.get(
        user=world.other_user, topic=Notification.Topic.CHALLENGE, title__contains="预算超出"
    )
    assert told.body == "预算高于榜单奖励"
    assert WebhookDelivery.objects.filter(
        endpoint__organization=world.other, event=WebhookEvent.APPLICATION_UPDATED
    ).exists()
    deal = Deal.objects.get()
    assert first.deal == deal
    assert deal.origin == Deal.Origin.CHALLENGE
    assert (deal.demand_party, deal.supply_party) == (world.sponsor, world.rival)
    assert list(deal.milestones.values_list("title", "due_on")) == list(
        first.milestones.values_list("title", "due_on")
    )
    names = set(OutcomeEvent.objects.values_list("name", flat=True))
    assert {"challenge.awarded", "application.awarded", "application.declined"} <= names


def test_a_government_list_waits_for_the_cosignature(world):
    office = world.staff.memberships.get().organization
    office_admin = member_of(office, username="office-admin")
    province_staff = cast_staff(ZHEJIANG, username="zj-staff")
    c = services.challenge_save(
        actor=act(office_admin), sponsor=office, data=challenge_data(), indicators=INDICATORS
    )
    services.challenge_transition(actor=act(office_admin), challenge=c, action="submit")
    services.challenge_transition(actor=act(province_staff), challenge=c, action="publish")
    first = apply(world, c)
    services.challenge_transition(actor=act(office_admin), challenge=c, action="close")
    lab = OrganizationFactory(name="浙大", kind=Organization.Kind.INSTITUTION)
    expert = member_of(lab, username="gov-expert")
    services.panel_seat(actor=act(office_admin), challenge=c, user=expert)
    services.panel_assign(actor=act(office_admin), challenge=c)
    services.challenge_transition(actor=act(office_admin), challenge=c, action="start_review")
    services.conflict_declare(actor=act(expert), application=first, conflict=False)
    c.refresh_from_db()
    score_all(expert, first, c)
    services.challenge_award(actor=act(office_admin), challenge=c, winners=[first.pk])
    c.refresh_from_db()
    assert c.status == ChallengeStatus.COSIGNING
    assert not Deal.objects.exists()
    for user in (office_admin, world.far_staff, world.rival_user):
        with pytest.raises(PermissionDenied):
            services.challenge_transition(actor=act(user), challenge=c, action="cosign")
    services.challenge_transition(actor=act(province_staff), challenge=c, action="cosign")
    c.refresh_from_db()
    assert c.status == ChallengeStatus.AWARDED and c.cosigned_by == province_staff
    assert Deal.objects.get().supply_party == world.rival
    assert OutcomeEvent.objects.filter(name="challenge.cosigned").count() == 1


def _complete(deal):
    with transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(stage="completed")
        outcome_record(name="deal.completed", subject_type="deal", subject_id=deal.pk)


def test_completion_when_every_winners_deal_completes(world):
    challenge, first, second, expert = reviewing(world)
    services.challenge_award(
        actor=act(world.sponsor_user),
        challenge=challenge,
        winners=[first.pk, second.pk],
    )
    first_deal, second_deal = Deal.objects.order_by("pk")
    # Only the timer's step: a person may not complete it.
    for user in (world.sponsor_user, world.staff):
        with pytest.raises(PermissionDenied):
            services.challenge_transition(actor=act(user), challenge=challenge, action="complete")
    # Not before every deal is completed.
    with pytest.raises(ValidationError):
        services.challenge_transition(actor=None, challenge=challenge, action="complete")
    _complete(first_deal)
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.AWARDED
    _complete(second_deal)
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.COMPLETED
    assert OutcomeEvent.objects.filter(name="challenge.completed").count() == 1


def test_public_figures_in_a_fixed_number_of_queries(world):
    challenge, first, second, expert = reviewing(world)
    services.challenge_award(
        actor=act(world.sponsor_user),
        challenge=challenge,
        winners=[first.pk],
        declines={second.pk: (DeclineReason.MISMATCH, "方向不符")},
    )
    deal = Deal.objects.get()
    milestones = list(deal.milestones.order_by("pk"))
    late = timezone.now() + timedelta(days=100)
    Milestone.objects.filter(pk=milestones[0].pk).update(
        status=Milestone.Status.ACCEPTED, accepted_at=timezone.now()
    )
    Milestone.objects.filter(pk=milestones[1].pk).update(
        status=Milestone.Status.ACCEPTED, accepted_at=late
    )
    ids = [world.sponsor.pk, world.rival.pk, world.other.pk]
    with CaptureQueriesContext(connection) as queries:
        figures = selectors.organization_figures(organization_ids=ids)
    assert len(queries) == 4
    sponsor = figures[world.sponsor.pk]["as_sponsor"]
    assert sponsor["applications"] == 2 and sponsor["awarded"] == 1
    assert sponsor["award_rate"] == 0.5
    assert sponsor["on_time_rate"] == 0.5
    rival = figures[world.rival.pk]["as_applicant"]
    assert rival["award_rate"] == 1.0 and rival["on_time"] == 1
    assert figures[world.other.pk]["as_applicant"]["award_rate"] == 0.0


def test_declining_one_application_tells_the_applicant_why(world):
    challenge, first, second, expert = reviewing(world)
    with pytest.raises(ValidationError) as error:
        services.application_decline(
            actor=act(world.sponsor_user), application=second, reason="", comment=""
        )
    assert {"decline_reason", "decline_comment"} <= set(error.value.message_dict)
    with pytest.raises(PermissionDenied):
        services.application_decline(
            actor=Actor(user=None), application=second, reason="budget", comment="x"
        )
    services.application_decline(
        actor=act(world.sponsor_user),
        application=second,
        reason=DeclineReason.DURATION,
        comment="周期超过两年",
    )
    assert PanelAssignment.objects.filter(application=second).exists()
    assert Notification.objects.filter(user=world.other_user, body="周期超过两年").exists()
    # The award then needs no further reason for it.
    services.challenge_award(actor=act(world.sponsor_user), challenge=challenge, winners=[first.pk])
    assert Application.objects.get(pk=second.pk).decline_reason == "duration"


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("sponsor_user", True),
        ("sponsor_member", True),
        ("staff", False),
        ("far_staff", False),
        ("rival_user", False),
        ("other_user", False),
        ("anonymous", False),
    ],
)
def test_role_by_transition_start_review_and_award(world, role, allowed):
    """Who may take the sponsor's new steps: its members only (the award's own checks apart)."""
    challenge, first, second = closed_with_two(world)
    seat_expert(world, challenge)
    actor = Actor(user=None) if role == "anonymous" else act(getattr(world, role))
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.challenge_transition(actor=actor, challenge=challenge, action="start_review")
        return
    services.challenge_transition(actor=actor, challenge=challenge, action="start_review")
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.REVIEWING
    # The award step itself: the sponsor passes the who-check and meets the award's checks.
    with pytest.raises(ValidationError) as error:
        services.challenge_transition(actor=actor, challenge=challenge, action="award")
    assert "winners" in error.value.message_dict
