"""The API of challenges (揭榜挂帅), checked against api/openapi.yaml: a whole challenge driven
by the sponsor's, the vetting office's and an applicant's programs alone, what another
organization's token cannot see, the hidden sponsor and the need never leaking, locked fields
after publication, the token's scopes, and bad input named by field in the request's language."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from challenges import services
from challenges.models import Application, Challenge, ChallengeStatus
from organizations.models import ApiToken, Membership
from tests.challenges import conftest as challenge_fixtures
from tests.challenges.conftest import INDICATORS, act, apply, challenge_data, publish
from tests.factories import NeedFactory, api_token_for

pytestmark = pytest.mark.django_db

world = challenge_fixtures.world

CHALLENGES = "/api/v1/challenges/"
APPLICATIONS = "/api/v1/challenge-applications/"
TOO_BIG = "9" * 20


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


def in_days(days):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def office_of(user):
    return Membership.objects.get(user=user).organization


@pytest.fixture
def keys(world):
    """The sponsor's, the rival's and the other's programs, the Hangzhou office's reviewing
    one and the Shenzhen office's."""
    return SimpleNamespace(
        sponsor=api_token_for(world.sponsor, user=world.sponsor_user)[1],
        rival=api_token_for(world.rival, user=world.rival_user)[1],
        other=api_token_for(world.other, user=world.other_user)[1],
        office=api_token_for(office_of(world.staff), scopes=[ApiToken.Scope.REVIEW])[1],
        far_office=api_token_for(office_of(world.far_staff))[1],
    )


def body(**overrides):
    data = challenge_data()
    data.update(
        reward_amount=str(data["reward_amount"]),
        applications_close_on=data["applications_close_on"].isoformat(),
        decision_by=data["decision_by"].isoformat(),
        field=data["field"].code,
        indicators=INDICATORS,
    )
    return data | overrides


def application_body(challenge_json):
    return {
        "challenge": challenge_json["id"],
        "approach": "采用低温选择性浸出与膜分离耦合工艺。",
        "budget": "280",
        "team": "教授1名，博士3名。",
        "evidence": "已完成小试，回收率93%。",
        "coi_declared": True,
        "originality_declared": True,
        "milestones": [
            {
                "title": f"里程碑{n}",
                "due_on": in_days(40),
                "deliverable": "中试报告",
                "covers_indicator": indicator["id"],
            }
            for n, indicator in enumerate(challenge_json["indicators"], start=1)
        ],
    }


def test_a_whole_challenge_through_the_api_alone(client, world, keys):
    created = call(client, "post", CHALLENGES, keys.sponsor, body(title="固态电池电解质揭榜"))
    assert created.status_code == 201, created.json()
    challenge = created.json()
    assert challenge["status"] == "draft" and challenge["sponsor"]["id"] == world.sponsor.pk
    assert [row["name"] for row in challenge["indicators"]] == ["锂回收率", "单吨处理成本"]
    url = f"{CHALLENGES}{challenge['id']}/"

    edited = call(client, "patch", url, keys.sponsor, {"max_winners": 2})
    assert edited.status_code == 200, edited.json()
    assert edited.json()["max_winners"] == 2 and len(edited.json()["indicators"]) == 2

    assert call(client, "post", f"{url}submit/", keys.sponsor).json()["status"] == "submitted"
    # The office sees it awaiting vetting in its region, and publishes it.
    queue = call(client, "get", CHALLENGES, keys.office, {"status": "submitted"}).json()
    assert [row["id"] for row in queue["results"]] == [challenge["id"]]
    published = call(client, "post", f"{url}publish/", keys.office, {"note": "符合要求"})
    assert published.status_code == 200, published.json()
    challenge = published.json()
    assert challenge["status"] == "published" and challenge["published_at"]

    applied = call(client, "post", APPLICATIONS, keys.rival, application_body(challenge))
    assert applied.status_code == 201, applied.json()
    application = applied.json()
    assert application["applicant"]["id"] == world.rival.pk
    assert len(application["milestones"]) == 2
    # One live application per organization.
    again = call(client, "post", APPLICATIONS, keys.rival, application_body(challenge))
    assert again.status_code == 409, again.json()

    sponsor_sees = call(client, "get", APPLICATIONS, keys.sponsor).json()["results"]
    assert [row["id"] for row in sponsor_sees] == [application["id"]]
    assert call(client, "get", url).json()["application_count"] == 1

    closed = call(client, "post", f"{url}close/", keys.sponsor)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    public = call(client, "get", CHALLENGES).json()["results"]
    assert challenge["id"] in [row["id"] for row in public]
    # Closed: no step of the table allows closing again; a field error on "status".
    refused(call(client, "post", f"{url}close/", keys.sponsor), "status")


def test_a_return_needs_a_note_and_the_right_office(client, world, keys):
    services.challenge_transition(
        actor=act(world.sponsor_user), challenge=world.challenge, action="submit"
    )
    url = f"{CHALLENGES}{world.challenge.pk}/"
    # The Shenzhen office does not even see it.
    assert call(client, "post", f"{url}publish/", keys.far_office).status_code == 404
    # The sponsor may not vet its own challenge.
    assert call(client, "post", f"{url}publish/", keys.sponsor).status_code == 403
    refused(call(client, "post", f"{url}return/", keys.office), "note")
    returned = call(client, "post", f"{url}return/", keys.office, {"note": "请补充检测方法"})
    assert returned.json()["status"] == "returned"
    assert call(client, "get", url, keys.sponsor).json()["vetting_note"] == "请补充检测方法"


def test_another_organizations_token_sees_no_draft_and_no_application(client, world, keys):
    draft_url = f"{CHALLENGES}{world.challenge.pk}/"
    assert call(client, "get", draft_url, keys.other).status_code == 404
    assert call(client, "get", draft_url).status_code == 404
    assert call(client, "get", draft_url, keys.office).status_code == 404  # not yet submitted
    listed = call(client, "get", CHALLENGES, keys.other).json()["results"]
    assert world.challenge.pk not in [row["id"] for row in listed]
    assert call(client, "patch", draft_url, keys.other, {"max_winners": 1}).status_code == 404

    challenge = publish(world)
    application = apply(world, challenge)
    own = f"{APPLICATIONS}{application.pk}/"
    assert call(client, "get", own, keys.rival).status_code == 200
    assert call(client, "get", own, keys.sponsor).status_code == 200
    assert call(client, "get", own, keys.other).status_code == 404
    assert call(client, "get", APPLICATIONS, keys.other).json()["results"] == []
    assert call(client, "post", f"{own}withdraw/", keys.other).status_code == 404
    # The sponsor reads it but does not withdraw it.
    assert call(client, "post", f"{own}withdraw/", keys.sponsor).status_code == 403
    withdrawn = call(client, "post", f"{own}withdraw/", keys.rival)
    assert withdrawn.json()["status"] == Application.Status.WITHDRAWN
    assert call(client, "post", f"{own}withdraw/", keys.rival).status_code == 409
    assert call(client, "get", f"{CHALLENGES}{TOO_BIG}/", keys.sponsor).status_code == 404
    assert call(client, "get", f"{APPLICATIONS}{TOO_BIG}/", keys.rival).status_code == 404


def test_a_hidden_sponsor_is_null_for_others_and_the_need_never_shows(client, world, keys):
    need = NeedFactory(organization=world.sponsor, title="秘密的锂回收需求")
    created = call(client, "post", CHALLENGES, keys.sponsor, body(hide_sponsor=True, need=need.pk))
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert Challenge.objects.get(pk=pk).need_id == need.pk
    challenge = publish(world, Challenge.objects.get(pk=pk))
    url = f"{CHALLENGES}{challenge.pk}/"
    for key in (None, keys.rival, keys.other):
        detail = call(client, "get", url, key)
        assert detail.status_code == 200
        shown = detail.json()
        assert shown["sponsor"] is None and shown["hide_sponsor"] is True
        assert "need" not in shown
        assert world.sponsor.name not in detail.content.decode()
        assert need.title not in detail.content.decode()
        listed = call(client, "get", CHALLENGES, key).json()["results"]
        row = next(row for row in listed if row["id"] == challenge.pk)
        assert row["sponsor"] is None and "need" not in row
        assert row["sponsor_label"] != world.sponsor.name
    # The applicant learns nothing more from its application.
    application = apply(world, challenge)
    mine = call(client, "get", f"{APPLICATIONS}{application.pk}/", keys.rival)
    assert world.sponsor.name not in mine.content.decode()
    # The sponsor and the vetting office see it.
    for key in (keys.sponsor, keys.office):
        assert call(client, "get", url, key).json()["sponsor"]["id"] == world.sponsor.pk


def test_after_publication_locked_fields_are_refused_by_name(client, world, keys):
    challenge = publish(world)
    url = f"{CHALLENGES}{challenge.pk}/"
    locked = call(client, "post", f"{url}amend/", keys.sponsor, {"trl_now": 2, "reason": "调整"})
    assert "cannot be changed after publication" in refused(
        call(
            client,
            "post",
            f"{url}amend/",
            keys.sponsor,
            {"trl_now": 2, "reason": "调整"},
            HTTP_ACCEPT_LANGUAGE="en",
        ),
        "trl_now",
    )
    refused(locked, "trl_now")
    indicators = [dict(row, target_value="90") for row in INDICATORS]
    refused(
        call(
            client, "post", f"{url}amend/", keys.sponsor, {"indicators": indicators, "reason": "x"}
        ),
        "indicators",
    )
    earlier = call(
        client,
        "post",
        f"{url}amend/",
        keys.sponsor,
        {"applications_close_on": in_days(10), "reason": "提前截止"},
    )
    refused(earlier, "applications_close_on")
    # Editing as a draft is over.
    refused(call(client, "patch", url, keys.sponsor, {"max_winners": 1}), "status")
    amended = call(
        client,
        "post",
        f"{url}amend/",
        keys.sponsor,
        {"eligibility": "高校、科研院所及企业均可揭榜，可联合申报。", "reason": "允许联合申报"},
    )
    assert amended.status_code == 200, amended.json()
    (amendment,) = amended.json()["amendments"]
    assert amendment["field_name"] == "eligibility" and amendment["reason"] == "允许联合申报"
    assert call(client, "get", url).json()["amendments"][0]["new_text"].endswith("可联合申报。")


def test_questions_answered_in_public(client, world, keys):
    challenge = publish(world)
    url = f"{CHALLENGES}{challenge.pk}/questions/"
    asked = call(client, "post", url, keys.rival, {"text": "是否接受联合体揭榜？"})
    assert asked.status_code == 201, asked.json()
    question = asked.json()
    assert question["asked_by_you"] is True and question["answer"] == ""
    assert call(client, "get", url).json()["results"] == []  # unanswered: not public
    assert len(call(client, "get", url, keys.sponsor).json()["results"]) == 1
    answer_url = f"{url}{question['id']}/answer/"
    assert call(client, "post", answer_url, keys.rival, {"answer": "可以"}).status_code == 403
    refused(call(client, "post", answer_url, keys.sponsor, {"answer": ""}), "answer")
    answered = call(client, "post", answer_url, keys.sponsor, {"answer": "接受，需明确牵头单位。"})
    assert answered.status_code == 200 and answered.json()["asked_by_you"] is False
    public = call(client, "get", url).json()["results"]
    assert [row["answer"] for row in public] == ["接受，需明确牵头单位。"]
    big = f"{url}{TOO_BIG}/answer/"
    assert call(client, "post", big, keys.sponsor, {"answer": "x"}).status_code == 404
    # The sponsor does not ask.
    refused(call(client, "post", url, keys.sponsor, {"text": "自问"}), "text")


def test_a_read_only_token_reads_but_writes_nothing(client, world, keys):
    reader = api_token_for(world.sponsor, user=world.sponsor_user, scopes=[])[1]
    assert call(client, "get", f"{CHALLENGES}{world.challenge.pk}/", reader).status_code == 200
    assert call(client, "post", CHALLENGES, reader, body()).status_code == 403
    submit = call(client, "post", f"{CHALLENGES}{world.challenge.pk}/submit/", reader)
    assert submit.status_code == 403
    world.challenge.refresh_from_db()
    assert world.challenge.status == ChallengeStatus.DRAFT
    # An office's token without `review` does not publish.
    services.challenge_transition(
        actor=act(world.sponsor_user), challenge=world.challenge, action="submit"
    )
    writer = api_token_for(office_of(world.staff), scopes=[ApiToken.Scope.WRITE])[1]
    refused_publish = call(client, "post", f"{CHALLENGES}{world.challenge.pk}/publish/", writer)
    assert refused_publish.status_code == 403


def test_bad_input_is_named_by_field_in_the_requests_language(client, world, keys):
    for params, field in (
        ({"status": "bogus"}, "status"),
        ({"field": "nope"}, "field"),
        ({"region": "999999"}, "region"),
    ):
        refused(call(client, "get", CHALLENGES, None, params), field)
    bad = body(trl_now=9, trl_wanted=3, applications_close_on=in_days(-1))
    response = call(client, "post", CHALLENGES, keys.sponsor, bad, HTTP_ACCEPT_LANGUAGE="en")
    assert "below the level now" in refused(response, "trl_wanted")
    assert "after today" in refused(response, "applications_close_on")
    chinese = call(client, "post", CHALLENGES, keys.sponsor, bad, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "below" not in refused(chinese, "trl_wanted")

    refused(call(client, "post", CHALLENGES, keys.sponsor, body(field="no-such-field")), "field")
    refused(call(client, "post", CHALLENGES, keys.sponsor, body(need=int(TOO_BIG[:18]))), "need")
    refused(call(client, "post", CHALLENGES, keys.sponsor, body(indicators=[])), "indicators")

    challenge = publish(world)
    locked = call(
        client,
        "post",
        f"{CHALLENGES}{challenge.pk}/amend/",
        keys.sponsor,
        {"ip_arrangement": "none", "reason": "改变"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "cannot be changed after publication" in refused(locked, "ip_arrangement")
    # A milestone must name one of this challenge's indicators; an unknown challenge is named.
    detail = call(client, "get", f"{CHALLENGES}{challenge.pk}/").json()
    wrong = application_body(detail)
    wrong["milestones"][0]["covers_indicator"] = 10**12
    refused(call(client, "post", APPLICATIONS, keys.rival, wrong), "milestones")
    refused(
        call(client, "post", APPLICATIONS, keys.rival, dict(wrong, challenge=10**12)), "challenge"
    )


# --- the second slice: panel, blind review, conflicts, scores, award ----------------------


def _closed_with_two(world):
    from tests.challenges.test_review import closed_with_two

    return closed_with_two(world)


def _expert(name="expert"):
    from organizations.models import Organization
    from tests.factories import OrganizationFactory, member_of

    lab = OrganizationFactory(name=f"中科院{name}", kind=Organization.Kind.INSTITUTION)
    return member_of(lab, username=name)


def test_the_panel_review_and_award_through_the_api(client, world, keys):
    from deals.models import Deal

    services.challenge_save(
        actor=act(world.sponsor_user),
        challenge=world.challenge,
        data=challenge_data(blind_review=True),
        indicators=INDICATORS,
    )
    challenge, first, second = _closed_with_two(world)
    url = f"{CHALLENGES}{challenge.pk}/"
    expert = _expert()
    client.force_login(world.sponsor_user)
    seated = call(client, "post", f"{url}panel/", data={"user": expert.pk})
    assert seated.status_code == 201, seated.json()
    assert seated.json()["is_enterprise_member"] is False
    own = call(client, "post", f"{url}panel/", data={"user": world.sponsor_member.pk})
    assert own.json()["is_enterprise_member"] is True
    assert call(client, "post", f"{url}assign/", data={}).json() == {"added": 4}
    assert call(client, "post", f"{url}start-review/").json()["status"] == "reviewing"
    detail = call(client, "get", url).json()
    assert detail["blind_review"] is True
    assert [c["weight"] for c in detail["criteria"]] == [25, 25, 25, 25]

    # The expert's view: anonymous labels, no applicant, no team.
    client.force_login(expert)
    rows = call(client, "get", f"{url}review/").json()["results"]
    assert [row["label"] for row in rows] == ["申请 A", "申请 B"]
    assert all(row["applicant"] is None and row["team"] == "" for row in rows)
    text = str(rows)
    assert world.rival.name not in text and world.other.name not in text
    criteria = [c["id"] for c in detail["criteria"]]
    for application, value in ((first, 9), (second, 4)):
        declared = call(
            client,
            "post",
            f"{url}conflict/",
            data={"application": application.pk, "conflict": False},
        )
        assert declared.status_code == 200, declared.json()
        scored = call(
            client,
            "post",
            f"{url}scores/",
            data={
                "application": application.pk,
                "scores": [{"criterion": c, "value": value, "comment": "好"} for c in criteria],
            },
        )
        assert scored.status_code == 200, scored.json()
        assert [s["value"] for s in scored.json()["scores"]] == [value] * 4
    # Out of range: named.
    bad = call(
        client,
        "post",
        f"{url}scores/",
        data={"application": first.pk, "scores": [{"criterion": criteria[0], "value": 11}]},
    )
    assert bad.status_code == 400 and "scores" in bad.json()["fields"]
    # The expert is no sponsor: no ranking.
    assert call(client, "get", f"{url}ranking/").status_code == 404

    client.force_login(world.sponsor_user)
    ranking = call(client, "get", f"{url}ranking/").json()["results"]
    assert [row["application"] for row in ranking] == [first.pk, second.pk]
    assert ranking[0]["mean"] == 9.0
    too_many = call(
        client, "post", f"{url}award/", data={"winners": [first.pk, second.pk, 10**6, 10**7]}
    )
    assert too_many.status_code == 400 and "winners" in too_many.json()["fields"]
    no_reason = call(client, "post", f"{url}award/", data={"winners": [first.pk]})
    assert no_reason.status_code == 400 and "decline_reason" in no_reason.json()["fields"]
    bad_reason = call(
        client,
        "post",
        f"{url}award/",
        data={"winners": [first.pk], "declines": [{"application": second.pk, "reason": "x"}]},
    )
    assert bad_reason.status_code == 400
    awarded = call(
        client,
        "post",
        f"{url}award/",
        data={
            "winners": [first.pk],
            "declines": [
                {"application": second.pk, "reason": "infeasible", "comment": "路线不可行"}
            ],
        },
    )
    assert awarded.status_code == 200, awarded.json()
    assert awarded.json()["status"] == "awarded"
    deal = Deal.objects.get()
    assert deal.milestones.count() == first.milestones.count()
    # The declined applicant reads its reason.
    mine = call(client, "get", f"{APPLICATIONS}{second.pk}/", keys.other).json()
    assert mine["status"] == "declined" and mine["decline_reason"] == "infeasible"
    assert mine["decline_comment"] == "路线不可行"
    won = call(client, "get", f"{APPLICATIONS}{first.pk}/", keys.rival).json()
    assert won["deal"] == deal.pk
    figures = call(client, "get", f"{url}figures/").json()
    assert figures["sponsor"]["as_sponsor"]["applications"] == 2
    assert figures["winners"][0]["organization"]["id"] == world.rival.pk
    assert figures["winners"][0]["as_applicant"]["award_rate"] == 1.0


def test_a_strangers_token_sees_no_panel_data(client, world, keys):
    challenge, first, second = _closed_with_two(world)
    url = f"{CHALLENGES}{challenge.pk}/"
    services.panel_seat(actor=act(world.sponsor_user), challenge=challenge, user=_expert())
    for key in (keys.rival, keys.other, keys.far_office):
        assert call(client, "get", f"{url}panel/", key).status_code == 404
        assert call(client, "get", f"{url}ranking/", key).status_code == 404
        assert call(client, "get", f"{url}review/", key).status_code == 404
        seat = call(client, "post", f"{url}panel/", key, {"user": world.other_user.pk})
        assert seat.status_code in (403, 404)
    # The vetting office reads the panel; the sponsor's token too.
    assert call(client, "get", f"{url}panel/", keys.office).json()["count"] == 1
    assert call(client, "get", f"{url}panel/", keys.sponsor).json()["count"] == 1
    # Anonymous: nothing.
    assert call(client, "get", f"{url}panel/").status_code in (401, 403)


def test_bad_input_on_the_new_endpoints(client, world, keys):
    weights = body(criteria=[{"name": "方案", "weight": 60}, {"name": "团队", "weight": 30}])
    response = call(client, "post", CHALLENGES, keys.sponsor, weights, HTTP_ACCEPT_LANGUAGE="en")
    assert "sum to 100" in refused(response, "criteria")
    zero = body(criteria=[{"name": "方案", "weight": 0}])
    refused(call(client, "post", CHALLENGES, keys.sponsor, zero), "criteria")
    created = call(
        client,
        "post",
        CHALLENGES,
        keys.sponsor,
        body(criteria=[{"name": "方案", "weight": 60}, {"name": "团队", "weight": 40}]),
    )
    assert [c["weight"] for c in created.json()["criteria"]] == [60, 40]
    challenge = publish(world)
    locked = call(
        client,
        "post",
        f"{CHALLENGES}{challenge.pk}/amend/",
        keys.sponsor,
        {"criteria": [{"name": "方案", "weight": 100}], "blind_review": True, "reason": "调整"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "cannot be changed after publication" in refused(locked, "criteria")
    assert "cannot be changed after publication" in refused(locked, "blind_review")
    client.force_login(world.sponsor_user)
    url = f"{CHALLENGES}{challenge.pk}/"
    # Open, not closed: the panel waits.
    refused(call(client, "post", f"{url}panel/", data={"user": world.other_user.pk}), "status")
    refused(call(client, "post", f"{url}panel/", data={"user": 10**12}), "user")
    refused(call(client, "post", f"{url}assign/", data={"members": ["x"]}), "members")
    declined = call(
        client, "post", f"{APPLICATIONS}{apply(world).pk}/decline/", data={"reason": "budget"}
    )
    refused(declined, "comment")


def test_the_list_reads_the_vetting_offices_once_for_government_lists(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import (
        HANGZHOU,
        ZHEJIANG,
        OrganizationFactory,
        cast_staff,
        member_of,
        region,
    )

    province_staff = cast_staff(ZHEJIANG, username="zj-staff")

    def government_list(number):
        office = OrganizationFactory(
            kind="cast_office", region=region(HANGZHOU), name=f"科协{number}"
        )
        admin = member_of(office, username=f"office-{number}")
        c = services.challenge_save(
            actor=act(admin),
            sponsor=office,
            data=challenge_data(hide_sponsor=True, title=f"政府榜单{number}"),
            indicators=INDICATORS,
        )
        services.challenge_transition(actor=act(admin), challenge=c, action="submit")
        services.challenge_transition(actor=act(province_staff), challenge=c, action="publish")

    government_list(1)
    client.force_login(province_staff)
    call(client, "get", CHALLENGES)
    with CaptureQueriesContext(connection) as one:
        rows = call(client, "get", CHALLENGES).json()["results"]
    assert rows[0]["sponsor"]["name"] == "科协1"
    for number in (2, 3, 4):
        government_list(number)
    with CaptureQueriesContext(connection) as four:
        rows = call(client, "get", CHALLENGES).json()["results"]
    assert {row["sponsor"]["name"] for row in rows} == {"科协1", "科协2", "科协3", "科协4"}
    assert len(four) == len(one), "\n".join(q["sql"][:200] for q in four.captured_queries)
