"""The API of demand analyses, checked against api/openapi.yaml: an agency's program writes and
submits the analysis of its order, the owner's program accepts chosen parts, a token of one
agency never sees another's analyses, and bad input is named by field."""

from types import SimpleNamespace

import pytest

from demand_analysis.models import AnalysisStatus, DemandAnalysis
from organizations.models import ApiToken, Membership
from repositories.models import Need
from tests.demand_analysis import conftest as analysis_fixtures
from tests.demand_analysis.conftest import INDICATORS, ROUTES, act
from tests.factories import api_token_for

pytestmark = pytest.mark.django_db

world = analysis_fixtures.world
order = analysis_fixtures.order

ANALYSES = "/api/v1/demand-analyses/"


def call(client, method, path, key=None, data=None):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    if method == "get":
        return client.get(path, data or {}, **headers)
    return getattr(client, method)(
        path, {} if data is None else data, content_type="application/json", **headers
    )


@pytest.fixture
def keys(world):
    office = Membership.objects.get(user=world.staff).organization
    return SimpleNamespace(
        owner=api_token_for(world.owner, user=world.owner_user)[1],
        agency=api_token_for(world.agency, user=world.agency_user)[1],
        rival=api_token_for(world.rival, user=world.rival_user)[1],
        team=api_token_for(world.team, user=world.team_user)[1],
        office=api_token_for(office, scopes=[ApiToken.Scope.REVIEW, ApiToken.Scope.WRITE])[1],
        agency_read_only=api_token_for(world.agency, user=world.agency_user, scopes=[])[1],
    )


def test_the_agency_writes_and_submits_and_the_owner_accepts_by_api(client, world, order, keys):
    analysis = DemandAnalysis.objects.get(order=order)
    path = f"{ANALYSES}{analysis.pk}/"
    listed = call(client, "get", ANALYSES, keys.agency, {"role": "analyst"})
    assert [row["id"] for row in listed.json()["results"]] == [analysis.pk]
    assert listed.json()["results"][0]["your_side"] == "analyst"
    body = {
        "problem_statement": "将印染废水深度处理后回用于生产。",
        "sub_problems": ["膜污染控制"],
        "trl_wanted": 7,
        "contract_type": "development_commissioned",
        "indicators": INDICATORS,
        "routes": ROUTES,
    }
    response = call(client, "put", path, keys.agency, body)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "draft"
    assert response.json()["indicators"][1] == INDICATORS[1]
    # PATCH changes only what is given.
    response = call(client, "patch", path, keys.agency, {"trl_wanted": 6})
    assert response.json()["trl_wanted"] == 6 and len(response.json()["routes"]) == 2
    assert call(client, "post", f"{path}submit/", keys.agency).json()["status"] == "submitted"
    # The agency cannot decide; the owner's program accepts two parts.
    assert (
        call(client, "post", f"{path}accept/", keys.agency, {"parts": ["routes"]}).status_code
        == 403
    )
    response = call(
        client, "post", f"{path}accept/", keys.owner, {"parts": ["problem_statement", "routes"]}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"
    assert response.json()["accepted_parts"] == ["problem_statement", "routes"]
    assert response.json()["your_side"] == "owner"
    need = Need.objects.get(pk=world.need.pk)
    assert need.pending_changes["problem"] == body["problem_statement"]


def test_a_token_of_one_agency_never_sees_anothers_analyses(client, world, order, keys):
    analysis = DemandAnalysis.objects.get(order=order)
    assert call(client, "get", ANALYSES, keys.rival).json()["results"] == []
    assert call(client, "get", f"{ANALYSES}{analysis.pk}/", keys.rival).status_code == 404
    response = call(client, "patch", f"{ANALYSES}{analysis.pk}/", keys.rival, {"trl_wanted": 5})
    assert response.status_code == 404
    assert call(client, "post", f"{ANALYSES}{analysis.pk}/submit/", keys.rival).status_code == 404
    # The invited team sees only its own invitation, not the agency's order.
    invited = call(
        client,
        "post",
        f"{ANALYSES}requests/",
        keys.owner,
        {"need": world.need.pk, "team": world.team.pk},
    )
    assert invited.status_code == 201, invited.json()
    seen = [row["id"] for row in call(client, "get", ANALYSES, keys.team).json()["results"]]
    assert seen == [invited.json()["id"]]
    assert call(client, "get", f"{ANALYSES}{analysis.pk}/", keys.team).status_code == 404
    owner_seen = {row["id"] for row in call(client, "get", ANALYSES, keys.owner).json()["results"]}
    assert owner_seen == {analysis.pk, invited.json()["id"]}


def test_the_regions_office_starts_one_and_a_read_only_token_cannot_write(
    client, world, order, keys
):
    response = call(
        client, "post", ANALYSES, keys.office, {"need": world.need.pk, "indicators": INDICATORS}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["source"] == "cast_staff" and response.json()["status"] == "draft"
    analysis = DemandAnalysis.objects.get(order=order)
    response = call(
        client, "patch", f"{ANALYSES}{analysis.pk}/", keys.agency_read_only, {"trl_wanted": 5}
    )
    assert response.status_code == 403
    # A team cannot start one uninvited.
    response = call(client, "post", ANALYSES, keys.team, {"need": world.need.pk})
    assert response.status_code == 403


def test_bad_input_is_named_by_field_in_the_requests_language(client, world, order, keys):
    analysis = DemandAnalysis.objects.get(order=order)
    path = f"{ANALYSES}{analysis.pk}/"
    response = call(
        client,
        "patch",
        path,
        keys.agency,
        {"trl_wanted": 12, "indicators": [{"name": "COD", "target": "≤ 50", "unit": ""}]},
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"trl_wanted", "indicators"}
    assert "9" in fields["trl_wanted"][0]
    # Submitting an empty draft names what is missing; nothing was saved.
    response = call(client, "post", f"{path}submit/", keys.agency)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"problem_statement", "indicators"}
    assert DemandAnalysis.objects.get(pk=analysis.pk).status == AnalysisStatus.REQUESTED
    response = call(client, "post", f"{path}accept/", keys.owner, {"parts": ["nonsense"]})
    assert response.status_code == 400 and "parts" in response.json()["fields"]


def test_the_owner_declines_by_api(client, world, keys):
    from demand_analysis import services

    analysis = services.analysis_request(
        actor=act(world.owner_user), need=world.need, team=world.team
    )
    services.analysis_save(
        actor=act(world.team_user),
        analysis=analysis,
        problem_statement="问题陈述",
        indicators=INDICATORS,
    )
    services.analysis_submit(actor=act(world.team_user), analysis=analysis)
    response = call(
        client, "post", f"{ANALYSES}{analysis.pk}/decline/", keys.owner, {"note": "不需要了"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "declined" and response.json()["decline_note"] == "不需要了"
