"""Missions through the table, by who may take each step; collected needs; verified hours;
pilot city actuals from the outcome log; bad input named by field in Chinese."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conversations.models import Conversation
from conversations.services import conversation_open_for_program
from notifications.models import Notification
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from repositories.models import Listing, ListingSource, ListingStatus
from repositories.services import listing_review
from service_teams import services
from service_teams.models import (
    MissionStatus,
    PilotAssessment,
    ServiceHourRecord,
)
from service_teams.selectors import member_list, pilot_actuals, pilot_progress
from service_teams.transitions import TRANSITIONS, Action, Who
from tests.factories import SHENZHEN, region
from tests.service_teams.conftest import act, confirm_all, evidence, plan, report, verify

pytestmark = pytest.mark.django_db

ROLES = (
    "team_user",
    "society_admin",
    "host_user",
    "staff",
    "province_staff",
    "far_staff",
    "other_user",
)
ALLOWED = {
    Who.TEAM: {"team_user", "society_admin"},
    Who.HOST: {"host_user"},
    # The city has its own office: the province's staff read but do not verify.
    Who.STAFF: {"staff"},
}


def mission_in(world, status):
    mission = plan(world)
    if status == MissionStatus.PLANNED:
        return mission
    report(world, mission)
    if status == MissionStatus.REPORTED:
        return mission
    confirm_all(world, mission)
    if status == MissionStatus.REJECTED:
        services.mission_transition(
            actor=act(world.staff), mission=mission, action="reject", note="缺少签到表原件"
        )
    mission.refresh_from_db()
    assert mission.status == status
    return mission


def take(world, user, mission, action):
    if action == Action.REPORT:
        return report(world, mission)
    return services.mission_transition(
        actor=act(user), mission=mission, action=action, note="理由说明"
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("status", "action"), list(TRANSITIONS))
def test_each_step_is_taken_only_by_its_role(world, role, status, action):
    mission = mission_in(world, status)
    step = TRANSITIONS[(status, action)]
    user = getattr(world, role)
    if action == Action.REPORT:
        if role in ALLOWED[step.who]:
            services.mission_report(
                actor=act(user),
                mission=mission,
                summary="总结",
                problems_answered=1,
                hours={world.chief.pk: 2, world.commissioner.pk: 2},
                evidence_files=[evidence()],
            )
            mission.refresh_from_db()
            assert mission.status == MissionStatus.REPORTED
        else:
            with pytest.raises(PermissionDenied):
                services.mission_report(
                    actor=act(user), mission=mission, summary="总结", problems_answered=1, hours={}
                )
        return
    if role in ALLOWED[step.who]:
        take(world, user, mission, action)
        mission.refresh_from_db()
        if action == Action.CONFIRM:  # the second host has still to confirm
            assert mission.status == MissionStatus.REPORTED
            assert mission.host_rows.get(host=world.host).confirmed_at is not None
        else:
            assert mission.status == step.to
    else:
        with pytest.raises(PermissionDenied):
            take(world, user, mission, action)
        mission.refresh_from_db()
        assert mission.status == status


def test_steps_the_status_does_not_allow_name_the_status(world):
    mission = plan(world)
    with pytest.raises(ValidationError) as error:
        services.mission_transition(actor=act(world.staff), mission=mission, action="verify")
    assert "status" in error.value.message_dict
    assert "核实" in error.value.message_dict["status"][0] or "不能" in str(error.value)


def test_the_mission_is_confirmed_when_each_host_confirmed_and_told_to_the_staff(world):
    mission = mission_in(world, MissionStatus.REPORTED)
    services.mission_transition(actor=act(world.host_user), mission=mission, action="confirm")
    mission.refresh_from_db()
    assert mission.status == MissionStatus.REPORTED
    with pytest.raises(ValidationError):
        services.mission_transition(actor=act(world.host_user), mission=mission, action="confirm")
    services.mission_transition(actor=act(world.host2_user), mission=mission, action="confirm")
    mission.refresh_from_db()
    assert mission.status == MissionStatus.CONFIRMED
    assert Notification.objects.filter(user=world.staff, topic=Notification.Topic.MISSION).exists()
    assert not Notification.objects.filter(
        user=world.far_staff, topic=Notification.Topic.MISSION
    ).exists()


def test_another_regions_staff_cannot_verify(world):
    mission = mission_in(world, MissionStatus.CONFIRMED)
    with pytest.raises(PermissionDenied):
        services.mission_transition(actor=act(world.far_staff), mission=mission, action="verify")
    verify(world, mission)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.VERIFIED and mission.verified_by == world.staff


def test_where_the_city_has_no_office_the_provinces_staff_verify(world):
    from organizations.models import Organization
    from service_teams.models import PilotCity
    from tests.factories import NINGBO, OrganizationFactory, member_of

    pilot = PilotCity.objects.create(
        region=region(NINGBO), name="宁波市", starts_on=timezone.localdate()
    )
    host = OrganizationFactory(name="宁波模具有限公司", region=region(NINGBO))
    host_user = member_of(host)
    mission = services.mission_plan(
        actor=act(world.team_user),
        team=world.team,
        data={
            "title": "模具企业诊断",
            "kind": "diagnosis",
            "pilot_city": pilot,
            "starts_on": timezone.localdate(),
        },
        hosts=[host],
        members=[world.chief],
    )
    services.mission_report(
        actor=act(world.team_user),
        mission=mission,
        summary="诊断完成。",
        problems_answered=1,
        hours={world.chief.pk: 3},
        evidence_files=[evidence()],
    )
    services.mission_transition(actor=act(host_user), mission=mission, action="confirm")
    for user in (world.staff, world.far_staff):  # Hangzhou's office does not cover Ningbo
        with pytest.raises(PermissionDenied):
            services.mission_transition(actor=act(user), mission=mission, action="verify")
    services.mission_transition(actor=act(world.province_staff), mission=mission, action="verify")
    mission.refresh_from_db()
    assert mission.status == MissionStatus.VERIFIED
    assert Organization.objects.filter(kind="cast_office", region=region(NINGBO)).count() == 0


def test_a_return_needs_a_reason_and_the_team_reports_again(world):
    mission = mission_in(world, MissionStatus.CONFIRMED)
    with pytest.raises(ValidationError) as error:
        services.mission_transition(actor=act(world.staff), mission=mission, action="reject")
    assert "note" in error.value.message_dict
    services.mission_transition(
        actor=act(world.staff), mission=mission, action="reject", note="工时与签到表不符"
    )
    mission.refresh_from_db()
    assert mission.status == MissionStatus.REJECTED and mission.note == "工时与签到表不符"
    report(world, mission, needs=[])
    mission.refresh_from_db()
    assert mission.status == MissionStatus.REPORTED
    assert not mission.host_rows.exclude(confirmed_at=None).exists()  # the hosts confirm again


def test_collected_needs_become_the_hosts_needs_from_a_mission_for_review(world):
    mission = plan(world)
    report(
        world,
        mission,
        needs=[
            {"host": world.host.pk, "title": "浸出液除杂", "problem": "铁铝杂质高。"},
            {"host": world.host2.pk, "title": "钴回收率提升", "problem": "回收率仅90%。"},
        ],
    )
    needs = Listing.objects.filter(pk__in=mission.collected.values("listing_id")).order_by("pk")
    assert [(n.organization, n.source, n.status, n.kind) for n in needs] == [
        (world.host, ListingSource.MISSION, ListingStatus.SUBMITTED, "need"),
        (world.host2, ListingSource.MISSION, ListingStatus.SUBMITTED, "need"),
    ]
    event = OutcomeEvent.objects.get(name="mission.reported", subject_id=mission.pk)
    assert event.region_id == world.pilot.region_id
    assert event.data["needs_collected"] == 2
    assert sorted(event.data["needs"]) == [n.pk for n in needs]
    assert event.data["service_hours"] == "14.5"


def test_a_need_for_an_organization_that_is_not_a_host_is_refused(world):
    mission = plan(world)
    with pytest.raises(ValidationError) as error:
        report(world, mission, needs=[{"host": world.far_host.pk, "title": "x", "problem": "y"}])
    assert "needs" in error.value.message_dict
    assert not Listing.objects.filter(source=ListingSource.MISSION).exists()


def test_service_hours_count_only_once_verified(world):
    mission = mission_in(world, MissionStatus.CONFIRMED)
    assert not ServiceHourRecord.objects.exists()
    assert {m.name: m.verified_hours for m in member_list(team=world.team)} == {
        "张院士": Decimal("0"),
        "李特派员": Decimal("0"),
    }
    verify(world, mission)
    assert {m.name: m.verified_hours for m in member_list(team=world.team)} == {
        "张院士": Decimal("6.0"),
        "李特派员": Decimal("8.5"),
    }
    event = OutcomeEvent.objects.get(name="mission.verified", subject_id=mission.pk)
    assert event.data["service_hours"] == "14.5" and event.region_id == world.pilot.region_id


def _publish_collected(world, mission):
    for link in mission.collected.select_related("listing"):
        listing_review(listing=link.listing, actor=act(world.staff), approve=True)


def test_actuals_come_from_the_outcome_log_of_the_region(world):
    empty = pilot_actuals(pilot=world.pilot)
    assert (empty.needs_collected, empty.events_held, empty.projects) == (0, 0, 0)
    mission = plan(world)
    report(
        world,
        mission,
        needs=[
            {"host": world.host.pk, "title": "浸出液除杂", "problem": "铁铝杂质高。"},
            {"host": world.host2.pk, "title": "钴回收率", "problem": "回收率低。"},
        ],
    )
    # Reported but unpublished needs and an unverified mission do not count yet.
    assert pilot_actuals(pilot=world.pilot).needs_collected == 0
    confirm_all(world, mission)
    verify(world, mission)
    _publish_collected(world, mission)
    need = mission.collected.order_by("pk").first().listing
    conversation_open_for_program(
        demand_party=world.host,
        supply_party=world.far_host,
        subject="除杂合作",
        region_id=need.region_id,
        listing=need,
    )
    assert Conversation.objects.count() == 1
    # A roadshow held here counts as an event; one held in Shenzhen does not.
    for region_id, subject in ((world.pilot.region_id, 1), (region(SHENZHEN).pk, 2)):
        _roadshow_held(region_id, subject)
    actuals = pilot_actuals(pilot=world.pilot)
    assert actuals.needs_collected == 2
    assert actuals.needs_matched == 1 and actuals.match_rate == 50
    assert actuals.missions_verified == 1 and actuals.roadshows_held == 1
    assert actuals.events_held == 2
    assert actuals.service_hours == "14.5"
    far = pilot_actuals(pilot=world.far_pilot)
    assert (far.events_held, far.needs_collected) == (1, 0)
    progress = {row["key"]: row for row in pilot_progress(pilot=world.pilot, actuals=actuals)}
    assert progress["needs"] == {"key": "needs", "target": 10, "actual": 2, "percent": 20}
    assert progress["events"]["percent"] == 50


def _roadshow_held(region_id, subject_id):
    from django.db import transaction

    with transaction.atomic():
        outcome_record(
            name=OutcomeEvent.Name.ROADSHOW_HELD,
            subject_type="roadshow",
            subject_id=subject_id,
            region_id=region_id,
        )


def test_a_deal_on_a_need_of_the_region_is_a_cooperation_project(world):
    from django.db import transaction

    mission = mission_in(world, MissionStatus.CONFIRMED)
    verify(world, mission)
    _publish_collected(world, mission)
    need = mission.collected.get().listing
    with transaction.atomic():
        outcome_record(
            name=OutcomeEvent.Name.DEAL_OPENED,
            subject_type="deal",
            subject_id=77,
            region_id=world.pilot.region_id,
            data={"need": need.pk},
        )
        outcome_record(  # a deal elsewhere does not count
            name=OutcomeEvent.Name.DEAL_OPENED,
            subject_type="deal",
            subject_id=78,
            region_id=region(SHENZHEN).pk,
            data={"need": need.pk},
        )
    actuals = pilot_actuals(pilot=world.pilot)
    assert actuals.projects == 1 and actuals.needs_matched == 1 and actuals.match_rate == 100


def test_assessment_by_the_province_or_the_evaluator_keeps_a_snapshot(world):
    data = {"period": "2026年上半年", "score": "86.5", "level": "good", "findings": "进展良好。"}
    for user in (world.staff, world.far_staff, world.other_user):  # the city's staff too
        with pytest.raises(PermissionDenied):
            services.pilot_assess(actor=act(user), pilot=world.pilot, **data)
    assessment = services.pilot_assess(actor=act(world.province_staff), pilot=world.pilot, **data)
    assert assessment.assessor.kind == "cast_office"
    assert assessment.actuals["needs_collected"] == 0
    by_agency = services.pilot_assess(actor=act(world.agency_user), pilot=world.pilot, **data)
    assert by_agency.assessor == world.agency
    assert PilotAssessment.objects.count() == 2
    event = OutcomeEvent.objects.filter(name="pilot.assessed").last()
    assert event.region_id == world.pilot.region_id and event.data["level"] == "good"


# --- bad input -----------------------------------------------------------------------------


def test_a_mission_dated_in_the_past_is_refused(world):
    with pytest.raises(ValidationError) as error:
        plan(world, starts_in=-2)
    assert "开始日期已过" in error.value.message_dict["starts_on"][0]


def test_a_host_outside_the_pilot_city_is_refused(world):
    with pytest.raises(ValidationError) as error:
        plan(world, hosts=[world.host, world.far_host])
    assert "深圳电池有限公司" in error.value.message_dict["hosts"][0]
    assert "试点城市" in error.value.message_dict["hosts"][0]


def test_negative_hours_are_refused(world):
    mission = plan(world)
    with pytest.raises(ValidationError) as error:
        report(world, mission, hours={world.chief.pk: "-3", world.commissioner.pk: "2"})
    message = " ".join(error.value.message_dict["hours"])
    assert "张院士" in message and "不能为负" in message
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED


def test_a_report_without_summary_or_evidence_names_the_fields(world):
    mission = plan(world)
    with pytest.raises(ValidationError) as error:
        services.mission_report(
            actor=act(world.team_user),
            mission=mission,
            summary=" ",
            problems_answered="很多",
            hours={world.chief.pk: 1, world.commissioner.pk: 1},
        )
    fields = error.value.message_dict
    assert {"summary", "problems_answered", "evidence"} <= set(fields)
    assert "请填写" in fields["summary"][0] or "填写" in fields["summary"][0]


def test_a_mission_not_yet_started_cannot_be_reported(world):
    mission = plan(world, starts_in=3)
    with pytest.raises(ValidationError) as error:
        report(world, mission)
    assert "status" in error.value.message_dict


def test_a_negative_target_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.pilot_targets_set(
            actor=act(world.staff),
            pilot=world.pilot,
            data={
                "target_needs": "-1",
                "target_match_rate": "120",
                "target_events": "3",
                "target_projects": "x",
            },
        )
    fields = error.value.message_dict
    assert set(fields) == {"target_needs", "target_match_rate", "target_projects"}
    assert "负" in fields["target_needs"][0]
    with pytest.raises(PermissionDenied):
        services.pilot_targets_set(actor=act(world.far_staff), pilot=world.pilot, data={})


def test_members_are_managed_by_the_societys_administrators(world):
    data = {"role": "member", "name": "王教授", "affiliation": "浙江大学"}
    with pytest.raises(PermissionDenied):
        services.member_save(actor=act(world.team_user), team=world.team, data=data)
    member = services.member_save(actor=act(world.society_admin), team=world.team, data=data)
    assert member.team == world.team and member.name == "王教授"
    with pytest.raises(ValidationError) as error:
        services.member_save(
            actor=act(world.society_admin), team=world.team, data={"role": "boss", "name": ""}
        )
    assert set(error.value.message_dict) == {"role", "name"}
    station = services.station_save(
        actor=act(world.society_admin),
        team=world.team,
        data={
            "kind": "expert",
            "name": "锂电专家服务站",
            "host": world.host,
            "region": world.pilot.region,
        },
    )
    assert list(station.teams.all()) == [world.team]


def test_a_cancelled_mission_counts_nowhere(world):
    mission = plan(world, starts_in=5)
    services.mission_transition(actor=act(world.team_user), mission=mission, action="cancel")
    mission.refresh_from_db()
    assert mission.status == MissionStatus.CANCELLED
    assert OutcomeEvent.objects.filter(name="mission.cancelled", subject_id=mission.pk).exists()
    assert pilot_actuals(pilot=world.pilot).events_held == 0
    assert timezone.localdate() < mission.starts_on + timedelta(days=6)


def test_the_hosts_and_the_team_hear_of_each_step_by_webhook_and_notification(world):
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        organization=world.host,
        url="https://erp.example.cn/hook",
        secret="s3cret",
        events=["mission.updated"],
    )
    mission = plan(world)
    report(world, mission)
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint, event="mission.updated")
    assert [d.payload["action"] for d in deliveries.order_by("pk")] == ["plan", "report"]
    assert deliveries.order_by("pk").last().payload["mission"]["status"] == "reported"
    assert Notification.objects.filter(
        user=world.host_user, topic=Notification.Topic.MISSION
    ).exists()
