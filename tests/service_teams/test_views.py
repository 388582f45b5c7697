"""The pages: directory, team page with verified hours, planning and reporting a mission with
its collected needs, the host's confirm button, the staff's queue, pilot pages with targets
against actuals, and bad input on every form answered in Chinese naming the field."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from repositories.models import Listing, ListingSource
from service_teams.models import Mission, MissionStatus, PilotAssessment, TeamMember
from tests.service_teams.conftest import confirm_all, evidence, plan, report, verify

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def page(response):
    return response.content.decode()


def test_directory_lists_the_society_its_teams_and_stations(client, world):
    from service_teams import services
    from tests.service_teams.conftest import act

    services.station_save(
        actor=act(world.society_admin),
        team=world.team,
        data={
            "kind": "haizhi",
            "name": "杭州海智基地",
            "host": world.host,
            "region": world.pilot.region,
        },
    )
    body = page(client.get(reverse("service_teams:list")))
    assert "中国有色金属学会" in body and "有色金属科技服务团" in body and "杭州海智基地" in body
    assert "海智基地" in body  # the kind, in Chinese


def test_the_team_page_shows_hours_only_once_verified(client, world):
    mission = plan(world)
    report(world, mission)
    confirm_all(world, mission)
    url = reverse("service_teams:team", kwargs={"pk": world.team.pk})
    body = page(client.get(url))
    assert f'data-member="{world.chief.pk}">0' in body
    verify(world, mission)
    body = page(client.get(url))
    assert f'data-member="{world.chief.pk}">6.0' in body
    assert "14.5" in body  # the team's total


def test_plan_report_confirm_verify_through_the_pages(client, world):
    today = timezone.localdate()
    login(client, world.team_user)
    response = client.post(
        reverse("service_teams:mission_create", kwargs={"pk": world.team.pk}),
        {
            "title": "电池材料培训",
            "kind": "training",
            "pilot_city": world.pilot.pk,
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "hosts": [world.host.pk],
            "members": [world.chief.pk, world.commissioner.pk],
        },
    )
    mission = Mission.objects.get(title="电池材料培训")
    assert response.status_code == 302 and response.url == mission.get_absolute_url()
    response = client.post(
        reverse("service_teams:mission_report", kwargs={"pk": mission.pk}),
        {
            "summary": "培训60人次。",
            "problems_answered": "5",
            f"hours_{world.chief.pk}": "3",
            f"hours_{world.commissioner.pk}": "4",
            "need_0_host": world.host.pk,
            "need_0_title": "正极材料包覆工艺",
            "need_0_problem": "包覆不均匀。",
            "evidence": evidence(),
        },
    )
    assert response.status_code == 302
    need = Listing.objects.get(title="正极材料包覆工艺")
    assert need.source == ListingSource.MISSION and need.organization == world.host
    client.logout()
    login(client, world.host_user)
    detail = page(client.get(mission.get_absolute_url()))
    assert 'data-action="confirm"' in detail
    client.post(
        reverse("service_teams:mission_act", kwargs={"pk": mission.pk}), {"action": "confirm"}
    )
    mission.refresh_from_db()
    assert mission.status == MissionStatus.CONFIRMED
    client.logout()
    login(client, world.staff)
    assert "电池材料培训" in page(client.get(reverse("service_teams:verify_queue")))
    client.post(
        reverse("service_teams:mission_act", kwargs={"pk": mission.pk}), {"action": "verify"}
    )
    mission.refresh_from_db()
    assert mission.status == MissionStatus.VERIFIED


def test_the_far_staff_sees_no_verify_button_and_is_refused(client, world):
    mission = plan(world)
    report(world, mission)
    confirm_all(world, mission)
    login(client, world.far_staff)
    assert client.get(mission.get_absolute_url()).status_code == 404
    assert "锂电材料企业技术诊断" not in page(client.get(reverse("service_teams:verify_queue")))
    response = client.post(
        reverse("service_teams:mission_act", kwargs={"pk": mission.pk}), {"action": "verify"}
    )
    assert response.status_code == 404
    mission.refresh_from_db()
    assert mission.status == MissionStatus.CONFIRMED


def test_a_staff_reject_without_reason_is_shown_in_chinese(client, world):
    mission = plan(world)
    report(world, mission)
    confirm_all(world, mission)
    login(client, world.staff)
    response = client.post(
        reverse("service_teams:mission_act", kwargs={"pk": mission.pk}), {"action": "reject"}
    )
    assert response.status_code == 400
    assert "请填写" in page(response) or "填写" in page(response)


def test_an_unverified_mission_is_hidden_from_others(client, world):
    mission = plan(world)
    assert client.get(mission.get_absolute_url()).status_code == 404
    login(client, world.other_user)
    assert client.get(mission.get_absolute_url()).status_code == 404
    login(client, world.far_staff)
    assert client.get(mission.get_absolute_url()).status_code == 404


def test_the_provinces_staff_read_a_citys_mission_they_do_not_verify(client, world):
    mission = plan(world)
    report(world, mission)
    confirm_all(world, mission)
    login(client, world.staff)  # the city's own office verifies
    assert 'name="action" value="verify"' in page(client.get(mission.get_absolute_url()))
    login(client, world.province_staff)
    listed = client.get("/api/v1/missions/").json()["results"]
    assert [row["id"] for row in listed] == [mission.pk]
    response = client.get(mission.get_absolute_url())
    assert response.status_code == 200
    assert 'name="action" value="verify"' not in page(response)


def test_bad_mission_plan_names_the_fields_in_chinese(client, world):
    login(client, world.team_user)
    response = client.post(
        reverse("service_teams:mission_create", kwargs={"pk": world.team.pk}),
        {
            "title": "过去的活动",
            "kind": "training",
            "pilot_city": world.pilot.pk,
            "starts_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
            "hosts": [world.far_host.pk],
            "members": [world.chief.pk],
        },
    )
    assert response.status_code == 400
    body = page(response)
    assert "开始日期已过" in body and 'data-field="starts_on"' in body
    assert "不在试点城市" in body and 'data-field="hosts"' in body
    assert not Mission.objects.exists()


def test_negative_hours_on_the_report_form_are_refused_in_chinese(client, world):
    mission = plan(world)
    login(client, world.team_user)
    response = client.post(
        reverse("service_teams:mission_report", kwargs={"pk": mission.pk}),
        {
            "summary": "总结",
            "problems_answered": "-1",
            f"hours_{world.chief.pk}": "-2",
            f"hours_{world.commissioner.pk}": "1",
            "evidence": evidence(),
        },
    )
    assert response.status_code == 400
    body = page(response)
    assert "服务时长不能为负数" in body
    assert 'data-field="problems_answered"' in body and "不为负数" in body
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED


def test_pilot_pages_show_targets_against_actuals(client, world):
    mission = plan(world)
    report(world, mission)
    confirm_all(world, mission)
    verify(world, mission)
    body = page(client.get(reverse("service_teams:pilots")))
    assert "杭州市" in body and "开展活动数" in body
    body = page(client.get(world.pilot.get_absolute_url()))
    assert '<div class="mb-2" data-target="events">' in body
    assert '<span class="actual">1</span> / 4' in body
    assert "progress-step-5" in body  # 1 of 4 events: 25 %


def test_targets_form_refuses_a_negative_target_in_chinese(client, world):
    login(client, world.staff)
    url = reverse("service_teams:pilot_targets", kwargs={"pk": world.pilot.pk})
    response = client.post(
        url,
        {
            "target_needs": "-5",
            "target_match_rate": "60",
            "target_events": "8",
            "target_projects": "3",
        },
    )
    assert response.status_code == 400
    body = page(response)
    assert 'data-field="target_needs"' in body and "不为负数" in body
    world.pilot.refresh_from_db()
    assert world.pilot.target_needs == 10
    response = client.post(
        url,
        {
            "target_needs": "20",
            "target_match_rate": "60",
            "target_events": "8",
            "target_projects": "3",
        },
    )
    assert response.status_code == 302
    world.pilot.refresh_from_db()
    assert world.pilot.target_needs == 20
    login(client, world.far_staff)
    assert client.post(url, {"target_needs": "1"}).status_code == 400


def test_assessment_form(client, world):
    url = reverse("service_teams:pilot_assess", kwargs={"pk": world.pilot.pk})
    login(client, world.province_staff)
    assert "assessment-form" in page(client.get(world.pilot.get_absolute_url()))
    response = client.post(
        url, {"period": "2026年", "score": "120", "level": "good", "findings": "进展良好"}
    )
    assert response.status_code == 400 and "0 到 100" in page(response)
    response = client.post(
        url, {"period": "2026年", "score": "88", "level": "good", "findings": "进展良好"}
    )
    assert response.status_code == 302
    assert PilotAssessment.objects.get().assessor.region_id == world.pilot.region.parent_id
    login(client, world.staff)
    assert "assessment-form" not in page(client.get(world.pilot.get_absolute_url()))


def test_member_and_station_forms_for_the_society_admin(client, world):
    login(client, world.society_admin)
    url = reverse("service_teams:member_add", kwargs={"pk": world.team.pk})
    response = client.post(
        url, {"member-role": "lead", "member-name": "", "member-username": "nobody"}
    )
    assert response.status_code == 400
    assert "没有使用该用户名的账号" in page(response)
    response = client.post(
        url, {"member-role": "lead", "member-name": "赵团长", "member-affiliation": "中南大学"}
    )
    assert response.status_code == 302
    assert TeamMember.objects.filter(name="赵团长", role="lead").exists()
    response = client.post(
        reverse("service_teams:station_add", kwargs={"pk": world.team.pk}),
        {"station-kind": "expert", "station-name": ""},
    )
    assert response.status_code == 400
    login(client, world.team_user)
    response = client.post(url, {"member-role": "member", "member-name": "某人"})
    assert response.status_code == 400
    assert not TeamMember.objects.filter(name="某人").exists()


def test_a_host_that_confirmed_no_longer_sees_the_button_the_other_does(client, world):
    from service_teams import services
    from tests.service_teams.conftest import act

    mission = plan(world)
    report(world, mission)
    services.mission_transition(actor=act(world.host_user), mission=mission, action="confirm")
    login(client, world.host_user)
    body = page(client.get(mission.get_absolute_url()))
    assert 'data-action="confirm"' not in body and "已确认" in body
    login(client, world.host2_user)
    assert 'data-action="confirm"' in page(client.get(mission.get_absolute_url()))
    login(client, world.team_user)
    assert 'data-action="confirm"' not in page(client.get(mission.get_absolute_url()))
