"""The API of expert service teams: a mission driven by the team's, the hosts' and the CAST
office's programs alone, what another organization's token cannot see, the token's scopes,
pilot cities with targets against actuals, and bad input named by field in the request's
language."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from organizations.models import ApiToken, Membership
from repositories.models import Listing, ListingSource
from service_teams.models import Mission, MissionStatus
from tests.factories import api_token_for
from tests.service_teams import conftest as team_fixtures
from tests.service_teams.conftest import confirm_all, plan, report, verify

pytestmark = pytest.mark.django_db

world = team_fixtures.world

MISSIONS = "/api/v1/missions/"
PILOTS = "/api/v1/pilot-cities/"
TEAMS = "/api/v1/service-teams/"


def call(client, method, path, key=None, data=None, **headers):
    if key:
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"
    if method == "get":
        return client.get(path, data or {}, **headers)
    return getattr(client, method)(
        path, {} if data is None else data, content_type="application/json", **headers
    )


def refused(response, field):
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"], body
    return " ".join(str(m) for m in body["fields"][field])


def office_of(user):
    return Membership.objects.get(user=user).organization


@pytest.fixture
def keys(world):
    return SimpleNamespace(
        team=api_token_for(world.team)[1],
        host=api_token_for(world.host, user=world.host_user)[1],
        host2=api_token_for(world.host2, user=world.host2_user)[1],
        office=api_token_for(office_of(world.staff))[1],
        office_read=api_token_for(
            office_of(world.staff), name="只读", scopes=[ApiToken.Scope.WRITE]
        )[1],
        far_office=api_token_for(office_of(world.far_staff))[1],
    )


def plan_body(world, **overrides):
    today = timezone.localdate()
    return {
        "title": "储能企业技术诊断",
        "kind": "diagnosis",
        "pilot_city": world.pilot.pk,
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=1)).isoformat(),
        "hosts": [world.host.pk, world.host2.pk],
        "members": [world.chief.pk, world.commissioner.pk],
        **overrides,
    }


def report_body(world, **overrides):
    return {
        "summary": "诊断两家企业。",
        "problems_answered": 4,
        "hours": [
            {"member": world.chief.pk, "hours": "5"},
            {"member": world.commissioner.pk, "hours": "7"},
        ],
        "needs": [{"host": world.host2.pk, "title": "电芯一致性提升", "problem": "一致性差。"}],
        **overrides,
    }


def test_a_mission_from_plan_to_verified_by_programs_alone(client, world, keys):
    response = call(client, "post", MISSIONS, keys.team, plan_body(world))
    assert response.status_code == 201, response.json()
    mission_id = response.json()["id"]
    assert response.json()["status"] == "planned"
    url = f"{MISSIONS}{mission_id}/"
    # No evidence yet: the report is refused, naming the field.
    refused(call(client, "post", f"{url}report/", keys.team, report_body(world)), "evidence")
    upload = client.post(
        f"{url}evidence/",
        {"file": SimpleUploadedFile("照片.pdf", b"%PDF-1.4 photo")},
        HTTP_AUTHORIZATION=f"Token {keys.team}",
    )
    assert upload.status_code == 200, upload.json()
    response = call(client, "post", f"{url}report/", keys.team, report_body(world))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "reported" and len(body["collected_needs"]) == 1
    need = Listing.objects.get(pk=body["collected_needs"][0])
    assert need.source == ListingSource.MISSION and need.organization == world.host2
    # Only hosts confirm; the office cannot verify before both did.
    assert call(client, "post", f"{url}confirm/", keys.office).status_code == 403
    assert call(client, "post", f"{url}confirm/", keys.host).json()["status"] == "reported"
    assert call(client, "post", f"{url}confirm/", keys.host2).json()["status"] == "confirmed"
    # Another region's office does not even see it; a token without `review` may not verify.
    assert call(client, "post", f"{url}verify/", keys.far_office).status_code == 404
    assert call(client, "post", f"{url}verify/", keys.office_read).status_code == 403
    response = call(client, "post", f"{url}verify/", keys.office)
    assert response.status_code == 200 and response.json()["status"] == "verified"
    # Verified: public.
    assert call(client, "get", url).status_code == 200


def test_another_organizations_token_sees_no_unverified_mission(client, world, keys):
    mission = plan(world)
    assert call(client, "get", f"{MISSIONS}{mission.pk}/", keys.far_office).status_code == 404
    listed = call(client, "get", MISSIONS, keys.far_office).json()
    assert mission.pk not in [row["id"] for row in listed["results"]]
    assert call(client, "get", f"{MISSIONS}{mission.pk}/", keys.host).status_code == 200
    assert call(client, "get", f"{MISSIONS}{mission.pk}/").status_code == 404


def test_a_host_token_cannot_report_nor_cancel(client, world, keys):
    mission = plan(world)
    assert (
        call(client, "post", f"{MISSIONS}{mission.pk}/report/", keys.host, report_body(world))
    ).status_code == 403
    assert call(client, "post", f"{MISSIONS}{mission.pk}/cancel/", keys.host).status_code == 403
    response = call(client, "post", f"{MISSIONS}{mission.pk}/cancel/", keys.team)
    assert response.json()["status"] == "cancelled"


def test_reject_needs_a_note_in_chinese_and_goes_back_to_the_team(client, world, keys):
    mission = plan(world)
    report(world, mission)
    confirm_all(world, mission)
    message = refused(call(client, "post", f"{MISSIONS}{mission.pk}/reject/", keys.office), "note")
    assert "填写" in message
    response = call(
        client, "post", f"{MISSIONS}{mission.pk}/reject/", keys.office, {"note": "工时不符"}
    )
    assert response.json()["status"] == "rejected" and response.json()["note"] == "工时不符"


def test_bad_plans_are_named_by_field_in_chinese(client, world, keys):
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    message = refused(
        call(client, "post", MISSIONS, keys.team, plan_body(world, starts_on=past)), "starts_on"
    )
    assert "开始日期已过" in message
    message = refused(
        call(client, "post", MISSIONS, keys.team, plan_body(world, hosts=[world.far_host.pk])),
        "hosts",
    )
    assert "不在试点城市" in message
    assert "试点城市" in refused(
        call(client, "post", MISSIONS, keys.team, plan_body(world, pilot_city=999999)),
        "pilot_city",
    )
    refused(call(client, "post", MISSIONS, keys.team, plan_body(world, kind="party")), "kind")
    # A host's token is no team.
    assert "服务团" in refused(call(client, "post", MISSIONS, keys.host, plan_body(world)), "team")
    assert not Mission.objects.exists()


def test_bad_reports_are_named_by_field(client, world, keys):
    mission = plan(world)
    report_url = f"{MISSIONS}{mission.pk}/report/"
    hours = [
        {"member": world.chief.pk, "hours": "-1"},
        {"member": world.commissioner.pk, "hours": "2"},
    ]
    message = refused(
        call(client, "post", report_url, keys.team, report_body(world, hours=hours)), "hours"
    )
    assert "不能为负数" in message
    refused(
        call(client, "post", report_url, keys.team, report_body(world, problems_answered=-3)),
        "problems_answered",
    )
    needs = [{"host": world.far_host.pk, "title": "x", "problem": "y"}]
    refused(call(client, "post", report_url, keys.team, report_body(world, needs=needs)), "needs")
    response = call(
        client, "post", report_url, keys.team, report_body(world), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "evidence" in response.json()["fields"]
    assert "Add at least one evidence file." in response.json()["fields"]["evidence"][0]
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED


def test_a_step_the_status_does_not_allow_is_a_status_error(client, world, keys):
    mission = plan(world)
    refused(call(client, "post", f"{MISSIONS}{mission.pk}/verify/", keys.office), "status")


def test_pilot_cities_show_targets_against_actuals(client, world):
    mission = plan(world)
    report(world, mission)
    confirm_all(world, mission)
    verify(world, mission)
    body = call(client, "get", f"{PILOTS}{world.pilot.pk}/").json()
    assert body["name"] == "杭州市" and body["target_events"] == 4
    assert body["actuals"]["missions_verified"] == 1
    progress = {row["key"]: row for row in body["progress"]}
    assert progress["events"] == {"key": "events", "target": 4, "actual": 1, "percent": 25}
    listed = call(client, "get", PILOTS).json()
    assert {row["name"] for row in listed["results"]} == {"杭州市", "深圳市"}


def test_teams_are_read_with_members_and_verified_hours(client, world):
    mission = plan(world)
    report(world, mission)
    confirm_all(world, mission)
    verify(world, mission)
    body = call(client, "get", f"{TEAMS}{world.team.pk}/").json()
    assert body["society"]["name"] == "中国有色金属学会"
    hours = {row["name"]: row["verified_hours"] for row in body["members"]}
    assert hours == {"张院士": "6.0", "李特派员": "8.5"}


def test_an_evidence_file_of_the_wrong_kind_is_refused(client, world, keys):
    mission = plan(world)
    response = client.post(
        f"{MISSIONS}{mission.pk}/evidence/",
        {"file": SimpleUploadedFile("病毒.exe", b"MZ\x90\x00")},
        HTTP_AUTHORIZATION=f"Token {keys.team}",
    )
    assert response.status_code == 400
    assert "evidence" in response.json()["fields"] or "file" in response.json()["fields"]
    assert not mission.evidence.exists()
