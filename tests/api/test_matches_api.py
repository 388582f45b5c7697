"""/api/v1/matches/: who sees which match, answering one, reviewing one.

Matches are created with the ORM (no embedding model runs). The need belongs to an enterprise
in Hangzhou, so Hangzhou's (and Zhejiang's) CAST staff review it; the supply belongs to a
university. Every error comes back as {"status", "code", "message", "fields"}.
"""

from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from matching.models import Match, MatchAnswer
from matching.services import explanation_text
from notifications.models import Notification
from organizations.models import Membership, Organization
from tests.factories import (
    HANGZHOU,
    NINGBO,
    SHENZHEN,
    ZHEJIANG,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    ProjectFactory,
    api_token_for,
    cast_staff,
    member_of,
    region,
)
from tests.matching.builders import EXPLANATION, make_match

pytestmark = pytest.mark.django_db

URL = "/api/v1/matches/"


def match_url(match, action=None):
    return f"{URL}{match.pk}/" + (f"{action}/" if action else "")


def error_body(response):
    """The error body, after checking it has exactly the documented keys."""
    body = response.json()
    assert set(body) == {"status", "code", "message", "fields"}
    assert body["status"] == response.status_code
    return body


def office_of(staff):
    return Membership.objects.get(user=staff).organization


@pytest.fixture
def world():
    need_org = OrganizationFactory(name="杭州光电科技有限公司", region=region(HANGZHOU))
    supply_org = OrganizationFactory(
        name="江南理工大学", kind=Organization.Kind.INSTITUTION, region=region(NINGBO)
    )
    need = NeedFactory(organization=need_org, title="红外感应开关的误触发问题")
    achievement = AchievementFactory(organization=supply_org, title="低功耗红外开关模组")
    return SimpleNamespace(
        need_org=need_org,
        supply_org=supply_org,
        need=need,
        achievement=achievement,
        need_member=member_of(need_org, role=Membership.Role.MEMBER),
        supply_member=member_of(supply_org, role=Membership.Role.MEMBER),
        staff=cast_staff(HANGZHOU),
        province_staff=cast_staff(ZHEJIANG),
        other_staff=cast_staff(SHENZHEN),
        outsider=member_of(OrganizationFactory(name="无关公司")),
    )


@pytest.fixture
def proposed(world):
    return make_match(world.need, world.achievement)


@pytest.fixture
def approved(world):
    return make_match(world.need, world.achievement, status=Match.Status.APPROVED)


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# --- who sees what ----------------------------------------------------------------------------

PARTIES = ["need_member", "supply_member"]
STAFF = ["staff", "province_staff"]
BLIND = ["other_staff", "outsider"]


@pytest.mark.parametrize("role", PARTIES + STAFF)
def test_parties_and_region_staff_see_an_approved_match(client, world, approved, role):
    client.force_login(getattr(world, role))
    assert ids(client.get(URL)) == [approved.pk]
    assert client.get(match_url(approved)).json()["id"] == approved.pk


@pytest.mark.parametrize("role", STAFF)
def test_region_staff_see_a_proposed_match(client, world, proposed, role):
    client.force_login(getattr(world, role))
    assert ids(client.get(URL)) == [proposed.pk]
    assert client.get(match_url(proposed)).json()["id"] == proposed.pk


@pytest.mark.parametrize("role", PARTIES)
def test_the_parties_never_see_a_match_before_it_is_pushed(client, auth, world, proposed, role):
    client.force_login(getattr(world, role))
    assert ids(client.get(URL)) == []
    assert client.get(match_url(proposed)).status_code == 404
    client.logout()
    _token, key = api_token_for(world.need_org if role == "need_member" else world.supply_org)
    assert ids(client.get(URL, headers=auth(key))) == []


@pytest.mark.parametrize("role", BLIND)
def test_other_regions_staff_and_outsiders_see_nothing(client, world, proposed, role):
    client.force_login(getattr(world, role))
    assert ids(client.get(URL)) == []
    response = client.get(match_url(proposed))
    assert response.status_code == 404
    assert error_body(response)["code"] == "not_found"


def test_anonymous_is_401(client, proposed):
    for response in (client.get(URL), client.get(match_url(proposed))):
        assert response.status_code == 401
        assert error_body(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("side", ["need_org", "supply_org"])
def test_each_sides_api_token_sees_the_match(client, auth, world, approved, side):
    _token, key = api_token_for(getattr(world, side))
    assert ids(client.get(URL, headers=auth(key))) == [approved.pk]


def test_an_unrelated_organizations_token_sees_nothing(client, auth, approved):
    _token, key = api_token_for(OrganizationFactory())
    assert ids(client.get(URL, headers=auth(key))) == []
    assert client.get(match_url(approved), headers=auth(key)).status_code == 404


def test_a_token_sees_only_its_own_organizations_matches(client, auth, world, approved):
    """A person in both organizations sees both sides' matches; their token, one side's."""
    other_need = NeedFactory(organization=OrganizationFactory(region=region(HANGZHOU)))
    other = make_match(other_need, world.achievement, status=Match.Status.APPROVED)
    person = member_of(world.need_org)
    Membership.objects.create(
        user=person,
        organization=other_need.organization,
        role=Membership.Role.ADMIN,
        status=Membership.Status.ACTIVE,
    )
    client.force_login(person)
    assert sorted(ids(client.get(URL))) == sorted([approved.pk, other.pk])
    client.logout()
    _token, key = api_token_for(world.need_org, user=person)
    assert ids(client.get(URL, headers=auth(key))) == [approved.pk]
    assert client.get(match_url(other), headers=auth(key)).status_code == 404


def test_the_region_offices_token_sees_the_regions_matches(client, auth, world, proposed):
    _token, key = api_token_for(office_of(world.staff))
    assert ids(client.get(URL, headers=auth(key))) == [proposed.pk]
    _token, key = api_token_for(office_of(world.other_staff))
    assert ids(client.get(URL, headers=auth(key))) == []


def test_rejected_matches_disappear_for_the_parties_but_not_for_staff(client, auth, world):
    rejected = make_match(
        world.need, world.achievement, status=Match.Status.REJECTED, review_note="领域不符"
    )
    for person in (world.need_member, world.supply_member):
        client.force_login(person)
        assert ids(client.get(URL)) == []
        assert client.get(match_url(rejected)).status_code == 404
    _token, key = api_token_for(world.need_org)
    assert ids(client.get(URL, headers=auth(key))) == []
    client.force_login(world.staff)
    assert ids(client.get(URL)) == [rejected.pk]
    assert client.get(match_url(rejected)).json()["status"] == "rejected"


# --- representation ---------------------------------------------------------------------------


def test_a_match_reads_with_both_sides_and_why(client, world, approved):
    MatchAnswer.objects.create(
        match=approved,
        organization=world.supply_org,
        answer=MatchAnswer.Answer.INTERESTED,
        comment="可以提供样品",
        answered_by=world.supply_member,
    )
    client.force_login(world.need_member)
    body = client.get(match_url(approved)).json()
    assert set(body) == {
        "id",
        "status",
        "degree",
        "score",
        "parts",
        "explanation",
        "explanation_text",
        "need",
        "supply",
        "region",
        "created_at",
        "reviewed_at",
        "pushed_at",
        "answers",
    }
    assert body["status"] == "approved"
    assert body["score"] == 0.8
    assert body["degree"] == 80
    assert body["parts"] == {"relevance": 0.8, "dense": 0.7, "field": 1.0}
    assert body["explanation"] == EXPLANATION
    assert body["need"] == {
        "id": world.need.pk,
        "title": "红外感应开关的误触发问题",
        "organization": {"id": world.need_org.pk, "name": "杭州光电科技有限公司"},
        "url": f"/needs/{world.need.pk}/",
    }
    assert body["supply"] == {
        "kind": "achievement",
        "id": world.achievement.pk,
        "title": "低功耗红外开关模组",
        "organization": {"id": world.supply_org.pk, "name": "江南理工大学"},
        "url": world.achievement.get_absolute_url(),
    }
    assert body["region"] == HANGZHOU
    assert body["reviewed_at"] and body["pushed_at"] and body["created_at"]
    (answer,) = body["answers"]
    assert answer["organization"] == {"id": world.supply_org.pk, "name": "江南理工大学"}
    assert answer["answer"] == "interested"
    assert answer["reason"] == ""
    assert answer["comment"] == "可以提供样品"
    assert answer["updated_at"]


def test_a_proposed_match_has_no_review_dates_yet(client, world, proposed):
    client.force_login(world.staff)
    body = client.get(match_url(proposed)).json()
    assert body["status"] == "proposed"
    assert body["reviewed_at"] is None and body["pushed_at"] is None
    assert body["answers"] == []


def test_explanation_text_follows_the_request_language(client, world, approved):
    client.force_login(world.need_member)
    chinese = client.get(match_url(approved)).json()["explanation_text"]
    with translation.override("zh-hans"):
        assert chinese == str(explanation_text(approved))
    assert "红外、开关" in chinese

    client.cookies["django_language"] = "en"
    english = client.get(match_url(approved)).json()["explanation_text"]
    assert english == (
        "Both speak of 红外, 开关; In the same city; The achievement has reached TRL 5"
    )


def test_an_expert_service_team_as_supply(client, world):
    team = OrganizationFactory(
        name="光电专家服务团", kind=Organization.Kind.SERVICE_TEAM, region=region(HANGZHOU)
    )
    match = make_match(world.need, team, status=Match.Status.APPROVED)
    client.force_login(member_of(team))
    body = client.get(match_url(match)).json()
    assert body["supply"] == {
        "kind": "team",
        "id": team.pk,
        "title": "光电专家服务团",
        "organization": {"id": team.pk, "name": "光电专家服务团"},
        "url": f"/organizations/{team.pk}/",
    }


@pytest.mark.parametrize(("person", "count"), [("staff", 3), ("staff", 12), ("need_member", 12)])
def test_listing_does_not_query_per_match(
    client, world, django_assert_max_num_queries, person, count
):
    """Matches of every kind, each with an answer and cooperation modes to name: the same
    handful of queries for 3 matches as for 12."""
    explanation = {**EXPLANATION, "cooperation_modes": ["transfer", "license"]}
    for index in range(count):
        if index % 3 == 2:
            supply = OrganizationFactory(kind=Organization.Kind.SERVICE_TEAM)
            answering = supply
        else:
            supply = AchievementFactory(organization=OrganizationFactory(name=f"供给方{index}"))
            answering = supply.organization
        match = make_match(
            world.need, supply, status=Match.Status.APPROVED, explanation=explanation
        )
        MatchAnswer.objects.create(
            match=match, organization=answering, answer=MatchAnswer.Answer.CONTACTED
        )
    client.force_login(getattr(world, person))
    # Two of them read the ids of the organization's listings, whose matches are then found
    # through indexes (matching.selectors.match_visibility_q), and the page's ids before its
    # rows (api.pagination.IdsFirstPagination).
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"page_size": 50})
    assert len(ids(response)) == count
    assert "都接受" in response.json()["results"][0]["explanation_text"]


# --- filters and ordering ---------------------------------------------------------------------


@pytest.fixture
def several(world):
    """Five matches around two needs (Hangzhou and Ningbo), of several kinds and states."""
    ningbo_need = NeedFactory(
        organization=OrganizationFactory(region=region(NINGBO)), region=region(NINGBO)
    )
    project = ProjectFactory()
    team = OrganizationFactory(kind=Organization.Kind.SERVICE_TEAM)
    return {
        "a": make_match(world.need, world.achievement, score=0.9),
        "b": make_match(world.need, project, score=0.5, status=Match.Status.APPROVED),
        "c": make_match(world.need, team, score=0.7, status=Match.Status.REJECTED),
        "d": make_match(ningbo_need, world.achievement, score=0.6),
        "e": make_match(ningbo_need, project, score=0.95, status=Match.Status.APPROVED),
    }


def names(several, response):
    by_id = {match.pk: name for name, match in several.items()}
    return [by_id[pk] for pk in ids(response)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["e", "a", "c", "d", "b"]),
        ({"supply_kind": "project"}, ["e", "b"]),
        ({"supply_kind": "team"}, ["c"]),
        ({"status": "approved"}, ["e", "b"]),
        ({"status": "rejected"}, ["c"]),
        ({"region": HANGZHOU}, ["a", "c", "b"]),
        ({"region": NINGBO}, ["e", "d"]),
        ({"region": ZHEJIANG}, ["e", "a", "c", "d", "b"]),
        ({"region": SHENZHEN}, []),
        ({"min_degree": "70"}, ["e", "a", "c"]),
        ({"ordering": "degree"}, ["b", "d", "c", "a", "e"]),
        ({"ordering": "score"}, ["b", "d", "c", "a", "e"]),
        ({"ordering": "-created_at"}, ["e", "d", "c", "b", "a"]),
        ({"ordering": "created_at"}, ["a", "b", "c", "d", "e"]),
    ],
)
def test_filters_and_ordering(client, world, several, query, expected):
    client.force_login(world.province_staff)
    assert names(several, client.get(URL, query)) == expected


def test_filter_by_need(client, world, several):
    client.force_login(world.province_staff)
    response = client.get(URL, {"need": world.need.pk, "ordering": "score"})
    assert names(several, response) == ["b", "c", "a"]


def test_equal_scores_page_without_repeats(client, world):
    matches = [make_match(world.need, AchievementFactory(), score=0.5) for _ in range(5)]
    Match.objects.update(created_at=timezone.now())
    client.force_login(world.staff)
    for ordering in ("score", "-score", "created_at", "-created_at"):
        seen = []
        for page in range(1, 6):
            seen += ids(client.get(URL, {"ordering": ordering, "page_size": 1, "page": page}))
        assert sorted(seen) == sorted(m.pk for m in matches), ordering


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"need": "一号"}, "need"),
        ({"supply_kind": "robot"}, "supply_kind"),
        ({"status": "done"}, "status"),
        ({"region": "000000"}, "region"),
        ({"min_degree": "high"}, "min_degree"),
    ],
)
def test_bad_filters_are_400_naming_the_field(client, world, proposed, query, field):
    client.force_login(world.staff)
    response = client.get(URL, query)
    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


def test_pagination_as_elsewhere(client, world, several):
    client.force_login(world.province_staff)
    body = client.get(URL, {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5 and len(body["results"]) == 2


# --- answering --------------------------------------------------------------------------------


def answer(client, match, headers=None, **data):
    return client.post(
        match_url(match, "answer"), data, content_type="application/json", headers=headers or {}
    )


def test_the_need_side_answers_interested(client, world, approved):
    client.force_login(world.need_member)
    response = answer(client, approved, answer="interested", comment="  请联系我们  ")
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "organization": {"id": world.need_org.pk, "name": "杭州光电科技有限公司"},
        "answer": "interested",
        "reason": "",
        "comment": "请联系我们",
        "updated_at": response.json()["updated_at"],
    }
    stored = MatchAnswer.objects.get()
    assert (stored.match, stored.organization, stored.answered_by) == (
        approved,
        world.need_org,
        world.need_member,
    )
    # The other side hears of it.
    told = Notification.objects.filter(topic=Notification.Topic.MATCH, user=world.supply_member)
    assert told.count() == 1
    assert not Notification.objects.filter(user=world.need_member).exists()
    # …and the answer shows on the match.
    answers = client.get(match_url(approved)).json()["answers"]
    assert [(a["organization"]["id"], a["answer"]) for a in answers] == [
        (world.need_org.pk, "interested")
    ]


def test_answering_again_replaces_the_answer(client, world, approved):
    client.force_login(world.supply_member)
    assert answer(client, approved, answer="interested").status_code == 201
    response = answer(client, approved, answer="not_relevant", reason="too_early", comment="太早")
    assert response.status_code == 200, response.json()
    assert response.json()["answer"] == "not_relevant"
    assert response.json()["reason"] == "too_early"
    stored = MatchAnswer.objects.get()
    assert (stored.organization, stored.answer, stored.reason, stored.comment) == (
        world.supply_org,
        "not_relevant",
        "too_early",
        "太早",
    )


def test_not_relevant_needs_a_reason(client, world, approved):
    client.force_login(world.need_member)
    response = answer(client, approved, answer="not_relevant")
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["reason"]
    assert not MatchAnswer.objects.exists()
    response = answer(client, approved, answer="not_relevant", reason="not_our_field")
    assert response.status_code == 201
    assert MatchAnswer.objects.get().reason == "not_our_field"


def test_a_reason_is_dropped_from_other_answers(client, world, approved):
    client.force_login(world.need_member)
    response = answer(client, approved, answer="contacted", reason="price")
    assert response.status_code == 201
    assert response.json()["reason"] == ""


def test_both_sides_answer_separately(client, auth, world, approved):
    client.force_login(world.need_member)
    assert answer(client, approved, answer="interested").status_code == 201
    client.logout()
    token, key = api_token_for(world.supply_org)
    response = answer(client, approved, headers=auth(key), answer="contacted")
    assert response.status_code == 201
    assert response.json()["organization"]["id"] == world.supply_org.pk
    assert MatchAnswer.objects.count() == 2
    assert MatchAnswer.objects.get(organization=world.supply_org).answered_by == token.created_by


def test_a_proposed_match_cannot_be_answered(client, world, proposed):
    """The parties do not even see it until it is pushed."""
    client.force_login(world.need_member)
    response = answer(client, proposed, answer="interested")
    assert response.status_code == 404
    assert error_body(response)["code"] == "not_found"
    assert not MatchAnswer.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("outsider", 404)])
def test_only_the_parties_answer(client, world, approved, role, status):
    client.force_login(getattr(world, role))
    response = answer(client, approved, answer="interested")
    assert response.status_code == status
    assert error_body(response)["code"] == ("permission_denied" if status == 403 else "not_found")
    # Not a party: refused before the body is even looked at.
    assert answer(client, approved, answer="maybe").status_code == status
    assert not MatchAnswer.objects.exists()


def test_an_unrelated_token_cannot_answer(client, auth, approved):
    _token, key = api_token_for(OrganizationFactory())
    assert answer(client, approved, headers=auth(key), answer="interested").status_code == 404


def test_anonymous_cannot_answer(client, approved):
    response = answer(client, approved, answer="interested")
    assert response.status_code == 401
    assert error_body(response)["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "answer"),
        ({"answer": "maybe"}, "answer"),
        ({"answer": ["interested"]}, "answer"),
        ({"answer": "not_relevant", "reason": "boring"}, "reason"),
        ({"answer": "interested", "comment": "长" * 1001}, "comment"),
    ],
)
def test_bad_answers_are_400_naming_the_field(client, world, approved, data, field):
    client.force_login(world.need_member)
    response = client.post(match_url(approved, "answer"), data, content_type="application/json")
    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert isinstance(body["fields"][field], list) and body["fields"][field]
    assert not MatchAnswer.objects.exists()


# --- reviewing --------------------------------------------------------------------------------


def review(client, match, headers=None, **data):
    return client.post(
        match_url(match, "review"), data, content_type="application/json", headers=headers or {}
    )


def match_notifications():
    return Notification.objects.filter(topic=Notification.Topic.MATCH)


def test_staff_approve_and_both_sides_are_told(client, world, proposed):
    client.force_login(world.staff)
    response = review(client, proposed, decision="approve")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == proposed.pk
    assert body["status"] == "approved"
    assert body["reviewed_at"] and body["pushed_at"]
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.APPROVED
    assert proposed.reviewed_by == world.staff
    assert proposed.pushed_at is not None
    told = set(match_notifications().values_list("user_id", flat=True))
    assert {world.need_member.pk, world.supply_member.pk} <= told
    assert world.staff.pk not in told and world.outsider.pk not in told
    assert set(told) == set(
        Membership.objects.filter(
            organization__in=[world.need_org, world.supply_org], status=Membership.Status.ACTIVE
        ).values_list("user_id", flat=True)
    )
    # Now the parties can answer it.
    client.force_login(world.need_member)
    assert answer(client, proposed, answer="interested").status_code == 201


def test_province_staff_review_their_cities(client, world, proposed):
    client.force_login(world.province_staff)
    assert review(client, proposed, decision="approve").status_code == 200


def test_the_region_offices_token_reviews(client, auth, world, proposed):
    _token, key = api_token_for(office_of(world.staff))
    response = review(client, proposed, headers=auth(key), decision="approve")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"


def test_rejecting_needs_a_note(client, world, proposed):
    client.force_login(world.staff)
    for data in ({"decision": "reject"}, {"decision": "reject", "note": "   "}):
        response = review(client, proposed, **data)
        assert response.status_code == 400
        assert list(error_body(response)["fields"]) == ["note"]
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.PROPOSED


def test_a_rejected_match_is_gone_for_the_parties(client, world, proposed):
    client.force_login(world.staff)
    response = review(client, proposed, decision="reject", note="技术领域不符")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "rejected"
    proposed.refresh_from_db()
    assert (proposed.status, proposed.review_note, proposed.pushed_at) == (
        Match.Status.REJECTED,
        "技术领域不符",
        None,
    )
    assert not match_notifications().exists()
    client.force_login(world.need_member)
    assert client.get(match_url(proposed)).status_code == 404


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_a_match_is_reviewed_once(client, world, proposed, first):
    client.force_login(world.staff)
    assert review(client, proposed, decision=first, note="已核实").status_code == 200
    pushed = match_notifications().count()
    response = review(client, proposed, decision="approve")
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["status"]
    assert match_notifications().count() == pushed


@pytest.mark.parametrize(
    ("role", "status"),
    [("need_member", 404), ("supply_member", 404), ("other_staff", 404), ("outsider", 404)],
)
def test_only_the_regions_staff_review(client, world, proposed, role, status):
    client.force_login(getattr(world, role))
    response = review(client, proposed, decision="approve")
    assert response.status_code == status
    assert error_body(response)["code"] == ("permission_denied" if status == 403 else "not_found")
    # Refused before the body is looked at.
    assert review(client, proposed, decision="maybe").status_code == status
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.PROPOSED
    assert not match_notifications().exists()


def test_a_party_cannot_review_a_match_pushed_to_it(client, world, approved):
    client.force_login(world.need_member)
    response = review(client, approved, decision="reject", note="不需要")
    assert response.status_code == 403
    assert error_body(response)["code"] == "permission_denied"
    approved.refresh_from_db()
    assert approved.status == Match.Status.APPROVED


def test_a_partys_token_cannot_review(client, auth, world, proposed):
    _token, key = api_token_for(world.need_org)
    response = review(client, proposed, headers=auth(key), decision="approve")
    assert response.status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.PROPOSED


def test_anonymous_cannot_review(client, proposed):
    response = review(client, proposed, decision="approve")
    assert response.status_code == 401
    assert error_body(response)["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "decision"),
        ({"decision": "return"}, "decision"),
        ({"decision": "approve", "note": "长" * 1001}, "note"),
        ({"decision": "approve", "note": ["好"]}, "note"),
    ],
)
def test_bad_reviews_are_400_naming_the_field(client, world, proposed, data, field):
    client.force_login(world.staff)
    response = client.post(match_url(proposed, "review"), data, content_type="application/json")
    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.PROPOSED


@pytest.mark.openapi_exempt(reason="sends methods the schema does not have, to see 405")
def test_matches_are_read_only(client, world, proposed):
    client.force_login(world.staff)
    for method in (client.put, client.patch, client.delete):
        assert method(match_url(proposed), {}, content_type="application/json").status_code == 405
    assert client.post(URL, {}, content_type="application/json").status_code == 405


# --- reviewing one need's proposals at once ---------------------------------------------------

BULK_URL = f"{URL}bulk-review/"


def bulk_review(client, headers=None, **data):
    return client.post(BULK_URL, data, content_type="application/json", headers=headers or {})


@pytest.fixture
def three_proposals(world):
    """Three proposals for the need, best first, and one for another need of the region."""
    matches = [
        make_match(world.need, AchievementFactory(organization=world.supply_org), score=score)
        for score in (0.9, 0.7, 0.5)
    ]
    other_need = NeedFactory(organization=OrganizationFactory(region=region(HANGZHOU)))
    make_match(other_need, world.achievement, score=0.95)
    return matches


def statuses():
    return dict(Match.objects.values_list("pk", "status"))


def test_bulk_approve_reviews_every_proposal_of_the_need(client, world, three_proposals):
    client.force_login(world.staff)
    others = {pk for pk in statuses() if pk not in {m.pk for m in three_proposals}}
    response = bulk_review(client, need=world.need.pk, decision="approve")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [row["id"] for row in body] == [m.pk for m in three_proposals]
    assert {row["status"] for row in body} == {"approved"}
    assert all(row["pushed_at"] for row in body)
    assert {statuses()[pk] for pk in others} == {"proposed"}
    # Each is pushed as a single approval is: both sides hear of every one.
    members = set(
        Membership.objects.filter(
            organization__in=[world.need_org, world.supply_org], status=Membership.Status.ACTIVE
        ).values_list("user_id", flat=True)
    )
    for match in three_proposals:
        told = match_notifications().filter(url=match.get_absolute_url())
        assert set(told.values_list("user_id", flat=True)) == members


def test_bulk_reject_of_chosen_proposals_with_one_reason(client, world, three_proposals):
    best, middle, worst = three_proposals
    client.force_login(world.province_staff)
    response = bulk_review(
        client,
        need=world.need.pk,
        decision="reject",
        note="领域不符",
        matches=[middle.pk, worst.pk],
    )
    assert response.status_code == 200, response.json()
    assert [row["id"] for row in response.json()] == [middle.pk, worst.pk]
    assert (statuses()[best.pk], statuses()[middle.pk], statuses()[worst.pk]) == (
        "proposed",
        "rejected",
        "rejected",
    )
    assert set(Match.objects.filter(status="rejected").values_list("review_note", flat=True)) == {
        "领域不符"
    }
    assert not match_notifications().exists()


def test_the_offices_token_reviews_in_bulk(client, auth, world, three_proposals):
    _token, key = api_token_for(office_of(world.staff))
    response = bulk_review(client, headers=auth(key), need=world.need.pk, decision="approve")
    assert response.status_code == 200, response.json()
    assert len(response.json()) == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"decision": "approve"}, "need"),
        ({"need": "一号", "decision": "approve"}, "need"),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "reject"}, "note"),
        ({"decision": "reject", "note": "  "}, "note"),
        ({"decision": "approve", "matches": []}, "matches"),
        ({"decision": "approve", "matches": "all"}, "matches"),
    ],
)
def test_bad_bulk_reviews_are_400_naming_the_field_and_change_nothing(
    client, world, three_proposals, data, field
):
    client.force_login(world.staff)
    data = {"need": world.need.pk, **data} if field != "need" or "need" in data else data
    response = bulk_review(client, **data)
    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert set(statuses().values()) == {"proposed"}
    assert not match_notifications().exists()


def test_bulk_review_is_all_or_nothing(client, world, three_proposals):
    """A chosen match was reviewed meanwhile, or belongs to another need: nothing changes."""
    best, middle, worst = three_proposals
    other = Match.objects.exclude(need=world.need).get()
    Match.objects.filter(pk=worst.pk).update(status=Match.Status.REJECTED)
    client.force_login(world.staff)
    for chosen in ([best.pk, worst.pk], [best.pk, other.pk]):
        response = bulk_review(client, need=world.need.pk, decision="approve", matches=chosen)
        assert response.status_code == 400
        assert list(error_body(response)["fields"]) == ["matches"]
    assert statuses()[best.pk] == "proposed"
    assert not match_notifications().exists()


def test_bulk_review_of_a_need_with_nothing_left_to_review(client, world, approved):
    client.force_login(world.staff)
    response = bulk_review(client, need=world.need.pk, decision="approve")
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["need"]


@pytest.mark.parametrize("role", ["other_staff", "outsider"])
def test_a_need_out_of_sight_is_400_for_bulk_review(client, world, three_proposals, role):
    client.force_login(getattr(world, role))
    response = bulk_review(client, need=world.need.pk, decision="approve")
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["need"]
    assert set(statuses().values()) == {"proposed"}


def test_a_party_cannot_review_in_bulk(client, auth, world, three_proposals, approved):
    """The parties see only what was pushed to them, and review none of it."""
    client.force_login(world.need_member)
    response = bulk_review(client, need=world.need.pk, decision="approve")
    assert response.status_code == 403
    assert error_body(response)["code"] == "permission_denied"
    client.logout()
    _token, key = api_token_for(world.need_org)
    response = bulk_review(client, headers=auth(key), need=world.need.pk, decision="approve")
    assert response.status_code == 403
    assert statuses()[three_proposals[0].pk] == "proposed"


def test_anonymous_cannot_review_in_bulk(client, world, three_proposals):
    response = bulk_review(client, need=world.need.pk, decision="approve")
    assert response.status_code == 401
