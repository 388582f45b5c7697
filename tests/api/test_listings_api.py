"""The listings API (/api/v1/needs/ and its siblings): tokens, scope, lifecycle, search.

Programs act through an organization's API token; CAST staff review through their session.
Every error comes back as {"status", "code", "message", "fields"} (api/errors.py).
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from organizations.models import ApiToken, Membership, Organization
from organizations.selectors import actor_for
from organizations.services import api_token_revoke, membership_remove
from repositories.models import (
    Achievement,
    DetailAccessRequest,
    Listing,
    ListingRevision,
    ListingStatus,
    Need,
    Project,
    Talent,
)
from taxonomy.models import CooperationMode, Field
from tests.factories import (
    GUANGDONG,
    HANGZHOU,
    NINGBO,
    SHENZHEN,
    ZHEJIANG,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    ProjectFactory,
    TalentFactory,
    UserFactory,
    api_token_for,
    cast_staff,
    direction,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db

NEEDS = "/api/v1/needs/"
REQUIRED_MESSAGE = "该字段是必填项。"
SECRET = "内部工艺参数：温度80℃。"  # NeedFactory's confidential_details


def need_url(listing, action=None):
    return f"{NEEDS}{listing.pk}/" + (f"{action}/" if action else "")


def error_body(response):
    """The error body, after checking it has exactly the documented keys."""
    body = response.json()
    assert set(body) == {"status", "code", "message", "fields"}
    assert body["status"] == response.status_code
    return body


def field_of_domain(domain_code):
    return Field.objects.filter(level=Field.Level.DIRECTION, code__startswith=domain_code).order_by(
        "code"
    )[0]


@pytest.fixture
def enterprise():
    return OrganizationFactory(name="杭州新材料有限公司", region=region(HANGZHOU))


@pytest.fixture
def owner(enterprise):
    return member_of(enterprise)


@pytest.fixture
def key(enterprise, owner):
    return api_token_for(enterprise, user=owner)[1]


@pytest.fixture
def headers(auth, key):
    return auth(key)


@pytest.fixture
def other_enterprise():
    return OrganizationFactory(name="杭州竞争对手有限公司", region=region(HANGZHOU))


@pytest.fixture
def outsider_headers(auth, other_enterprise):
    return auth(api_token_for(other_enterprise)[1])


def valid_need(**overrides):
    modes = list(CooperationMode.objects.order_by("position").values_list("code", flat=True)[:2])
    data = {
        "title": "锂电池正极材料回收率提升",
        "summary": "寻求提升废旧锂电池正极材料回收率的技术方案。",
        "problem": "现有湿法回收工艺的锂回收率仅为85%，希望提升到95%以上。",
        "confidential_details": "现有产线参数：浸出温度80℃。",
        "field": direction(3).code,
        "region": NINGBO,
        "cooperation_modes": modes,
        "budget_min": "50.00",
        "budget_max": "200.00",
        "deadline": (timezone.localdate() + timedelta(days=90)).isoformat(),
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["Token tb_not-a-real-key", "Token "])
def test_unknown_token_is_401_in_the_error_format(client, value):
    response = client.get(NEEDS, headers={"authorization": value})
    assert response.status_code == 401
    body = error_body(response)
    assert body["code"] == "authentication_failed"
    assert body["fields"] == {}
    assert isinstance(body["message"], str) and body["message"]
    assert response.headers["WWW-Authenticate"] == "Token"


def test_revoked_token_is_401(client, enterprise, owner, auth):
    token, key = api_token_for(enterprise, user=owner)
    assert client.get(NEEDS, headers=auth(key)).status_code == 200
    api_token_revoke(token=token, actor=actor_for(user=owner))
    response = client.get(NEEDS, headers=auth(key))
    assert response.status_code == 401
    assert error_body(response)["code"] == "authentication_failed"


def test_token_of_a_deactivated_user_is_401(client, owner, key, auth):
    owner.is_active = False
    owner.save()
    response = client.get(NEEDS, headers=auth(key))
    assert response.status_code == 401
    assert error_body(response)["code"] == "authentication_failed"


def test_token_use_is_recorded(client, enterprise, headers):
    token = ApiToken.objects.get(organization=enterprise)
    assert token.last_used_at is None
    assert client.get(NEEDS, headers=headers).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_anonymous_cannot_write(client):
    response = client.post(NEEDS, valid_need(), content_type="application/json")
    assert response.status_code == 401
    assert error_body(response)["code"] == "not_authenticated"
    assert Need.objects.count() == 0


# --- creating ---------------------------------------------------------------------------------


def test_create_need_by_codes(client, enterprise, owner, headers):
    payload = valid_need()
    response = client.post(NEEDS, payload, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["kind"] == "need"
    assert body["organization"] == enterprise.pk
    assert body["field"] == payload["field"]
    assert body["region"] == NINGBO
    assert body["cooperation_modes"] == payload["cooperation_modes"]
    assert body["confidential_details"] == payload["confidential_details"]
    assert body["budget_min"] == "50.00" and body["budget_max"] == "200.00"
    assert body["published_at"] is None
    assert 0 < body["completeness"] <= 100

    need = Need.objects.get()
    assert body["id"] == need.pk
    assert body["url"] == f"/needs/{need.pk}/"
    assert need.organization == enterprise
    assert need.created_by == owner
    assert need.status == ListingStatus.DRAFT
    assert need.field.code == payload["field"]
    assert sorted(need.cooperation_modes.values_list("code", flat=True)) == sorted(
        payload["cooperation_modes"]
    )
    assert "锂电池" in need.search_text.split()
    assert list(need.revisions.values_list("action", flat=True)) == ["created"]


def test_create_defaults_region_to_the_organization(client, enterprise, headers):
    payload = valid_need(region=None, cooperation_modes=None)
    response = client.post(NEEDS, payload, content_type="application/json", headers=headers)
    assert response.status_code == 201
    assert response.json()["region"] == HANGZHOU
    assert response.json()["cooperation_modes"] == []


def test_token_creates_for_its_own_organization_only(client, enterprise, owner, auth):
    """The user belongs to two organizations; the token speaks for one of them."""
    second = OrganizationFactory(region=region(NINGBO))
    Membership.objects.create(user=owner, organization=second, role=Membership.Role.ADMIN)
    headers = auth(api_token_for(enterprise, user=owner)[1])

    response = client.post(NEEDS, valid_need(), content_type="application/json", headers=headers)
    assert response.status_code == 201
    assert response.json()["organization"] == enterprise.pk

    response = client.post(
        NEEDS,
        valid_need(organization=second.pk),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["organization"]
    assert Need.objects.count() == 1


def test_session_user_of_several_organizations_must_choose(client, enterprise, owner):
    Membership.objects.create(
        user=owner, organization=OrganizationFactory(), role=Membership.Role.ADMIN
    )
    client.force_login(owner)
    response = client.post(NEEDS, valid_need(), content_type="application/json")
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["organization"]
    response = client.post(
        NEEDS, valid_need(organization=enterprise.pk), content_type="application/json"
    )
    assert response.status_code == 201
    assert Need.objects.get().organization == enterprise


def _past():
    return (timezone.localdate() - timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "bad_fields"),
    [
        pytest.param({"title": None}, {"title": [REQUIRED_MESSAGE]}, id="missing-title"),
        pytest.param({"title": ""}, {"title": ["该字段不能为空。"]}, id="blank-title"),
        pytest.param(
            {"title": "长" * 201},
            {"title": ["标题不能超过 200 个字（现在 201 个）。"]},
            id="long-title",
        ),
        pytest.param({"problem": None}, {"problem": [REQUIRED_MESSAGE]}, id="missing-problem"),
        pytest.param(
            {"field": "999999"},
            {"field": ["属性 code 为 999999 的对象不存在。"]},
            id="unknown-field",
        ),
        pytest.param(
            {"field": "0101"}, {"field": ["属性 code 为 0101 的对象不存在。"]}, id="level-2-field"
        ),
        pytest.param({"region": "999999"}, {"region": None}, id="unknown-region"),
        pytest.param({"cooperation_modes": ["barter"]}, {"cooperation_modes": None}, id="mode"),
        pytest.param({"budget_min": "300", "budget_max": "200"}, {"budget_max": None}, id="budget"),
        pytest.param({"budget_min": "-1"}, {"budget_min": None}, id="negative-budget"),
        pytest.param(
            {"budget_min": "0"},
            {"budget_min": ["预算下限（万元）必须大于 0，且不超过 1000000（即 100 亿元）。"]},
            id="zero-budget",
        ),
        pytest.param(
            {"budget_max": "1000000.01"},
            {"budget_max": ["预算上限（万元）必须大于 0，且不超过 1000000（即 100 亿元）。"]},
            id="budget-over-ten-billion-yuan",
        ),
        pytest.param(
            {"budget_max": "123456789012"},
            {"budget_max": ["预算上限（万元）必须大于 0，且不超过 1000000（即 100 亿元）。"]},
            id="budget-too-many-digits",
        ),
        pytest.param({"deadline": _past()}, {"deadline": None}, id="past-deadline"),
        pytest.param({"deadline": "明天"}, {"deadline": None}, id="bad-date"),
    ],
)
def test_bad_input_is_400_naming_each_field(client, headers, overrides, bad_fields):
    response = client.post(
        NEEDS, valid_need(**overrides), content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "invalid"
    assert set(body["fields"]) == set(bad_fields)
    for name, messages in bad_fields.items():
        assert len(body["fields"][name]) == 1
        if messages is not None:
            assert body["fields"][name] == messages
    assert Listing.objects.count() == 0
    assert ListingRevision.objects.count() == 0


def test_several_bad_fields_are_all_named(client, headers):
    response = client.post(
        NEEDS,
        valid_need(title=None, field="zz", summary="长" * 2001, cooperation_modes=["barter"]),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert set(error_body(response)["fields"]) == {
        "title",
        "field",
        "summary",
        "cooperation_modes",
    }
    assert Need.objects.count() == 0


@pytest.mark.parametrize("body", ["[null, null]", '"a need"', "42"])
def test_a_body_that_is_not_an_object_is_400(client, enterprise, owner, headers, body):
    need = NeedFactory(organization=enterprise, created_by=owner, status=ListingStatus.DRAFT)
    for method, url in (("post", NEEDS), ("put", need_url(need)), ("patch", need_url(need))):
        response = getattr(client, method)(
            url, body, content_type="application/json", headers=headers
        )
        assert response.status_code == 400
        assert error_body(response)["code"] == "invalid"
        assert list(error_body(response)["fields"]) == ["non_field_errors"]
    assert Need.objects.count() == 1


def test_read_only_fields_are_ignored_on_create(client, headers):
    response = client.post(
        NEEDS,
        valid_need(status="published", completeness=100, kind="talent"),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201
    need = Need.objects.get()
    assert (need.status, need.kind) == (ListingStatus.DRAFT, "need")
    assert need.completeness < 100


# --- lifecycle --------------------------------------------------------------------------------


def _draft(client, headers):
    response = client.post(NEEDS, valid_need(), content_type="application/json", headers=headers)
    assert response.status_code == 201
    return Need.objects.get(pk=response.json()["id"])


def test_submit_then_region_staff_publishes(client, headers):
    need = _draft(client, headers)  # in Ningbo: Zhejiang's provincial office covers it
    response = client.post(need_url(need, "submit"), headers=headers)
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"

    staff = cast_staff(ZHEJIANG)
    client.force_login(staff)
    response = client.post(
        need_url(need, "review"), {"decision": "approve"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "published"
    assert body["published_at"] is not None and body["expires_at"] is not None
    need.refresh_from_db()
    assert need.status == ListingStatus.PUBLISHED
    assert need.reviewed_by == staff
    assert list(need.revisions.values_list("action", flat=True)) == [
        "approved",
        "submitted",
        "created",
    ]


def test_city_staff_reviews_its_own_city(client):
    need = NeedFactory(
        status=ListingStatus.SUBMITTED,
        published_at=None,
        expires_at=None,
        organization=OrganizationFactory(region=region(NINGBO)),
    )
    client.force_login(cast_staff(NINGBO))
    response = client.post(
        need_url(need, "review"), {"decision": "approve"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "published"


@pytest.mark.parametrize("staff_region", [GUANGDONG, SHENZHEN, HANGZHOU])
def test_staff_of_another_region_gets_404(client, staff_region):
    """A submitted Ningbo listing does not exist for other provinces' or other cities' staff."""
    need = NeedFactory(
        status=ListingStatus.SUBMITTED,
        published_at=None,
        expires_at=None,
        organization=OrganizationFactory(region=region(NINGBO)),
    )
    client.force_login(cast_staff(staff_region))
    response = client.post(
        need_url(need, "review"), {"decision": "approve"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert error_body(response)["code"] == "not_found"
    need.refresh_from_db()
    assert need.status == ListingStatus.SUBMITTED
    assert need.reviewed_by is None


def test_owner_cannot_review_own_listing(client, enterprise, headers):
    need = NeedFactory(
        organization=enterprise, status=ListingStatus.SUBMITTED, published_at=None, expires_at=None
    )
    response = client.post(
        need_url(need, "review"),
        {"decision": "approve"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 403
    assert error_body(response)["code"] == "permission_denied"
    need.refresh_from_db()
    assert need.status == ListingStatus.SUBMITTED


def test_return_needs_a_note(client):
    need = NeedFactory(status=ListingStatus.SUBMITTED, published_at=None, expires_at=None)
    client.force_login(cast_staff(ZHEJIANG))
    for payload in ({"decision": "return"}, {"decision": "return", "note": "   "}):
        response = client.post(need_url(need, "review"), payload, content_type="application/json")
        assert response.status_code == 400
        body = error_body(response)
        assert list(body["fields"]) == ["note"]
        assert len(body["fields"]["note"]) == 1
    need.refresh_from_db()
    assert need.status == ListingStatus.SUBMITTED

    response = client.post(
        need_url(need, "review"),
        {"decision": "return", "note": "请补充目标指标。"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert response.json()["review_note"] == "请补充目标指标。"


def test_review_decision_must_be_a_choice(client):
    need = NeedFactory(status=ListingStatus.SUBMITTED, published_at=None, expires_at=None)
    client.force_login(cast_staff(ZHEJIANG))
    response = client.post(
        need_url(need, "review"), {"decision": "publish"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["decision"]


def conflict(message):
    """The body of a 409: the request is well-formed, the listing's state does not allow it."""
    return {"status": 409, "code": "conflict", "message": message, "fields": {}}


def test_submit_twice_is_409_conflict(client, headers):
    need = _draft(client, headers)
    assert client.post(need_url(need, "submit"), headers=headers).status_code == 200
    response = client.post(need_url(need, "submit"), headers={**headers, "accept-language": "en"})
    assert response.status_code == 409
    assert error_body(response) == conflict("Only drafts and returned listings can be submitted.")


@pytest.mark.parametrize(
    "status", [ListingStatus.PUBLISHED, ListingStatus.RETURNED, ListingStatus.CLOSED]
)
def test_reviewing_a_listing_not_awaiting_review_is_409_conflict(client, status):
    need = NeedFactory(region=region(HANGZHOU), status=status)
    client.force_login(cast_staff(ZHEJIANG))
    response = client.post(
        need_url(need, "review"),
        {"decision": "approve"},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 409
    assert error_body(response) == conflict("This listing is not awaiting review.")
    need.refresh_from_db()
    assert need.status == status


def test_closing_a_closed_listing_is_409_conflict(client, enterprise, headers):
    need = NeedFactory(organization=enterprise, status=ListingStatus.CLOSED)
    response = client.post(need_url(need, "close"), headers={**headers, "accept-language": "en"})
    assert response.status_code == 409
    assert error_body(response) == conflict("This listing is already closed.")


def test_reconfirming_before_the_window_opens_is_409_conflict(client, enterprise, headers):
    need = NeedFactory(organization=enterprise, status=ListingStatus.PUBLISHED)
    expires_at = need.expires_at
    response = client.post(
        need_url(need, "reconfirm"), headers={**headers, "accept-language": "en"}
    )
    assert response.status_code == 409
    assert error_body(response) == conflict(
        "Re-confirmation opens 30 days before the listing expires."
    )
    need.refresh_from_db()
    assert need.expires_at == expires_at


def test_pending_organization_keeps_drafts_but_cannot_submit(client):
    pending = OrganizationFactory(status=Organization.Status.PENDING)
    need = NeedFactory(
        organization=pending, status=ListingStatus.DRAFT, published_at=None, expires_at=None
    )
    client.force_login(member_of(pending))
    response = client.post(need_url(need, "submit"), headers={"accept-language": "en"})
    assert response.status_code == 409
    assert error_body(response) == conflict(
        "Your organization is awaiting verification by the local CAST office; "
        "you can keep drafts until then."
    )
    need.refresh_from_db()
    assert need.status == ListingStatus.DRAFT


def test_patching_a_published_listing_stores_a_pending_revision(client, enterprise, headers):
    need = NeedFactory(organization=enterprise, title="高镍正极回收")
    response = client.patch(
        need_url(need),
        {"title": "新的标题：高镍正极回收"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    body = response.json()
    # The response says the edit awaits review, and still shows the published version.
    assert (body["status"], body["title"]) == ("published", "高镍正极回收")
    assert body["pending_revision"]["status"] == "submitted"
    assert body["pending_revision"]["fields"] == ["title"]
    need.refresh_from_db()
    assert (need.status, need.title) == (ListingStatus.PUBLISHED, "高镍正极回收")
    assert need.pending_changes["title"] == "新的标题：高镍正极回收"

    client.logout()
    public = client.get(need_url(need)).json()
    assert (public["title"], public["pending_revision"]) == ("高镍正极回收", None)
    assert [row["title"] for row in client.get(NEEDS).json()["results"]] == ["高镍正极回收"]


def test_review_returns_or_approves_a_pending_revision(client, enterprise, headers):
    need = NeedFactory(organization=enterprise, title="高镍正极回收")
    client.patch(
        need_url(need),
        {"title": "高镍正极材料回收"},
        content_type="application/json",
        headers=headers,
    )
    staff = cast_staff(ZHEJIANG)
    client.force_login(staff)
    returned = client.post(
        need_url(need, "review"),
        {"decision": "return", "note": "标题请与摘要一致"},
        content_type="application/json",
    )
    assert returned.status_code == 200
    body = returned.json()
    assert (body["status"], body["title"], body["review_note"]) == (
        "published",
        "高镍正极回收",
        "标题请与摘要一致",
    )
    assert body["pending_revision"]["status"] == "returned"
    conflict_response = client.post(
        need_url(need, "review"), {"decision": "approve"}, content_type="application/json"
    )
    assert conflict_response.status_code == 409

    client.logout()
    owner_view = client.get(need_url(need), headers=headers).json()
    assert owner_view["pending_revision"]["status"] == "returned"
    resubmitted = client.patch(
        need_url(need), {"summary": "摘要也改了"}, content_type="application/json", headers=headers
    )
    assert resubmitted.json()["pending_revision"]["fields"] == ["title", "summary"]

    client.force_login(staff)
    approved = client.post(
        need_url(need, "review"), {"decision": "approve"}, content_type="application/json"
    ).json()
    assert (approved["status"], approved["title"], approved["summary"]) == (
        "published",
        "高镍正极材料回收",
        "摘要也改了",
    )
    assert approved["pending_revision"] is None
    assert list(need.revisions.values_list("action", flat=True)[:4]) == [
        "changes_approved",
        "changes_submitted",
        "changes_returned",
        "changes_submitted",
    ]


def test_field_errors_and_rules_across_fields_come_back_together(client, headers):
    response = client.post(
        NEEDS,
        valid_need(title="长" * 201, budget_min="300", budget_max="200"),
        content_type="application/json",
        headers=headers,
    )
    assert error_body(response)["fields"] == {
        "title": ["标题不能超过 200 个字（现在 201 个）。"],
        "budget_max": ["预算上限（万元）不能低于预算下限（万元）。"],
    }
    assert Listing.objects.count() == 0


def test_owner_list_with_pending_revisions_does_not_grow_in_queries(
    client, enterprise, headers, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            need = NeedFactory(organization=enterprise)
            client.patch(
                need_url(need),
                {"title": "改过的标题"},
                content_type="application/json",
                headers=headers,
            )

    add(2)
    few, _count = _list_query_count(client, NEEDS, headers=headers)
    add(8)
    many, count = _list_query_count(client, NEEDS, headers=headers)
    assert count == 10 and few == many
    with django_assert_max_num_queries(few):
        results = client.get(NEEDS, headers=headers).json()["results"]
    assert {row["pending_revision"]["fields"][0] for row in results} == {"title"}


def test_patch_with_invalid_budget_changes_nothing(client, enterprise, headers):
    need = NeedFactory(organization=enterprise, status=ListingStatus.DRAFT, budget_min=10)
    response = client.patch(
        need_url(need), {"budget_max": "5"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["budget_max"]
    need.refresh_from_db()
    assert need.budget_max is None


# --- a token acts only for its organization ---------------------------------------------------


def test_cannot_edit_another_organizations_published_need(client, other_enterprise, headers):
    need = NeedFactory(organization=other_enterprise, title="别人的需求")
    response = client.patch(
        need_url(need), {"title": "被篡改"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 403
    assert error_body(response)["code"] == "permission_denied"
    need.refresh_from_db()
    assert need.title == "别人的需求"
    assert need.status == ListingStatus.PUBLISHED


@pytest.mark.parametrize(
    "status", [ListingStatus.DRAFT, ListingStatus.SUBMITTED, ListingStatus.RETURNED]
)
def test_cannot_see_another_organizations_unpublished_need(
    client, other_enterprise, headers, status
):
    need = NeedFactory(
        organization=other_enterprise, status=status, published_at=None, expires_at=None
    )
    response = client.get(need_url(need), headers=headers)
    assert response.status_code == 404
    assert error_body(response)["code"] == "not_found"
    assert client.get(NEEDS, headers=headers).json()["count"] == 0
    for action in ("submit", "close"):
        assert client.post(need_url(need, action), headers=headers).status_code == 404
    assert client.delete(need_url(need), headers=headers).status_code == 404
    assert Need.objects.filter(pk=need.pk, status=status).exists()


def test_token_does_not_carry_the_users_other_memberships(client, enterprise, owner, auth):
    """The token's creator also works for a CAST office and another company: the token doesn't."""
    sister = OrganizationFactory(region=region(HANGZHOU))
    Membership.objects.create(user=owner, organization=sister, role=Membership.Role.ADMIN)
    office = OrganizationFactory(kind=Organization.Kind.CAST_OFFICE, region=region(ZHEJIANG))
    Membership.objects.create(user=owner, organization=office, role=Membership.Role.MEMBER)
    sister_draft = NeedFactory(
        organization=sister, status=ListingStatus.DRAFT, published_at=None, expires_at=None
    )
    submitted = NeedFactory(status=ListingStatus.SUBMITTED, published_at=None, expires_at=None)
    headers = auth(api_token_for(enterprise, user=owner)[1])

    assert client.get(need_url(sister_draft), headers=headers).status_code == 404
    response = client.post(
        need_url(submitted, "review"),
        {"decision": "approve"},
        content_type="application/json",
        headers=headers,
    )
    # An enterprise's token has no review scope: refused before the listing is even looked up.
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == ListingStatus.SUBMITTED

    # The same person signed in sees both.
    client.force_login(owner)
    assert client.get(need_url(sister_draft)).status_code == 200
    assert client.get(need_url(submitted)).status_code == 200


def test_cast_office_token_reviews_its_region(client, auth):
    office = OrganizationFactory(kind=Organization.Kind.CAST_OFFICE, region=region(ZHEJIANG))
    headers = auth(api_token_for(office)[1])
    need = NeedFactory(status=ListingStatus.SUBMITTED, published_at=None, expires_at=None)
    response = client.post(
        need_url(need, "review"),
        {"decision": "approve"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "published"


# --- confidential details ---------------------------------------------------------------------


def test_confidential_details_only_for_owner_staff_and_granted(
    client, enterprise, headers, outsider_headers, other_enterprise, auth
):
    need = NeedFactory(organization=enterprise)

    assert client.get(need_url(need), headers=headers).json()["confidential_details"] == SECRET
    assert (
        client.get(need_url(need), headers=outsider_headers).json()["confidential_details"] is None
    )
    assert client.get(need_url(need)).json()["confidential_details"] is None
    listed = client.get(NEEDS, headers=outsider_headers).json()["results"]
    assert [(row["id"], row["confidential_details"]) for row in listed] == [(need.pk, None)]

    client.force_login(cast_staff(ZHEJIANG))
    assert client.get(need_url(need)).json()["confidential_details"] == SECRET
    assert client.get(NEEDS).json()["results"][0]["confidential_details"] == SECRET
    client.force_login(cast_staff(GUANGDONG))
    assert client.get(need_url(need)).json()["confidential_details"] is None
    client.logout()

    DetailAccessRequest.objects.create(
        listing=need,
        organization=other_enterprise,
        requested_by=UserFactory(),
        message="合作洽谈",
        status=DetailAccessRequest.Status.GRANTED,
    )
    assert client.get(need_url(need), headers=outsider_headers).json()["confidential_details"] == (
        SECRET
    )


# --- listing, filters, ordering, pagination ---------------------------------------------------


def test_anonymous_lists_live_listings_only(client, enterprise):
    live = NeedFactory(organization=enterprise)
    for status in (
        ListingStatus.DRAFT,
        ListingStatus.SUBMITTED,
        ListingStatus.RETURNED,
        ListingStatus.CLOSED,
    ):
        NeedFactory(organization=enterprise, status=status)
    NeedFactory(organization=enterprise, expires_at=timezone.now() - timedelta(days=1))
    AchievementFactory(organization=enterprise)  # another repository

    response = client.get(NEEDS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [live.pk]
    assert client.get(NEEDS, {"status": "draft"}).json()["count"] == 0


def test_owner_lists_own_listings_in_every_state_and_filters_by_status(client, enterprise, headers):
    for status in ListingStatus.values:
        NeedFactory(organization=enterprise, status=status)
    NeedFactory(status=ListingStatus.DRAFT)  # someone else's draft
    assert client.get(NEEDS, headers=headers).json()["count"] == len(ListingStatus.values)
    body = client.get(NEEDS, {"status": "draft"}, headers=headers).json()
    assert body["count"] == 1
    assert body["results"][0]["status"] == "draft"
    response = client.get(NEEDS, {"status": "lost"}, headers=headers)
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["status"]


def test_keyword_search_in_chinese(client, settings, tmp_path):
    # An index of its own: what other tests left in the shared one would be related listings.
    settings.SEARCH_INDEX_DIR = str(tmp_path)
    battery = NeedFactory(title="废旧锂电池回收技术", summary="寻求高效的正极材料回收工艺。")
    NeedFactory(title="智能温室控制系统", summary="需要农业物联网传感器方案。")
    NeedFactory(title="锂矿开采废水处理", summary="高盐废水零排放。")

    def ids(query):
        return [row["id"] for row in client.get(NEEDS, {"q": query}).json()["results"]]

    assert ids("锂电池回收") == [battery.pk]
    assert ids("锂电池 回收") == [battery.pk]
    assert ids("回收 正极材料") == [battery.pk]
    assert len(ids("废水")) == 1
    assert ids("量子计算") == []


def test_field_filter_by_level_1_and_level_2_prefix(client):
    first = field_of_domain("01")
    sibling = Field.objects.filter(parent=first.parent).exclude(pk=first.pk).order_by("code")[0]
    cousin = (
        Field.objects.filter(level=Field.Level.DIRECTION, parent__parent=first.parent.parent)
        .exclude(parent=first.parent)
        .order_by("code")[0]
    )
    elsewhere = field_of_domain("02")
    listings = {f.code: NeedFactory(field=f).pk for f in (first, sibling, cousin, elsewhere)}

    def ids(code):
        response = client.get(NEEDS, {"field": code})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(first.code) == {listings[first.code]}
    assert ids(first.parent.code) == {listings[first.code], listings[sibling.code]}
    assert ids(first.parent.parent.code) == {
        listings[first.code],
        listings[sibling.code],
        listings[cousin.code],
    }
    assert ids(elsewhere.parent.parent.code) == {listings[elsewhere.code]}
    response = client.get(NEEDS, {"field": "999999"})
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["field"]


def test_region_filter_province_includes_its_cities(client):
    def need_in(code):
        return NeedFactory(organization=OrganizationFactory(region=region(code))).pk

    hangzhou, ningbo, zhejiang, shenzhen = (
        need_in(HANGZHOU),
        need_in(NINGBO),
        need_in(ZHEJIANG),
        need_in(SHENZHEN),
    )

    def ids(code):
        return {row["id"] for row in client.get(NEEDS, {"region": code}).json()["results"]}

    assert ids(ZHEJIANG) == {hangzhou, ningbo, zhejiang}
    assert ids(HANGZHOU) == {hangzhou}
    assert ids(GUANGDONG) == {shenzhen}
    assert client.get(NEEDS, {"region": "000000"}).status_code == 400


def test_cooperation_mode_filter(client):
    transfer, license_ = CooperationMode.objects.order_by("position")[:2]
    both = NeedFactory()
    both.cooperation_modes.set([transfer, license_])
    only_license = NeedFactory()
    only_license.cooperation_modes.set([license_])
    NeedFactory()

    def ids(code):
        return {
            row["id"] for row in client.get(NEEDS, {"cooperation_mode": code}).json()["results"]
        }

    assert ids(transfer.code) == {both.pk}
    assert ids(license_.code) == {both.pk, only_license.pk}
    # No duplicates when joining through the many-to-many table.
    assert client.get(NEEDS, {"cooperation_mode": license_.code}).json()["count"] == 2


def test_maturity_min_on_achievements(client):
    low = AchievementFactory(maturity=3)
    mid = AchievementFactory(maturity=6)
    high = AchievementFactory(maturity=9)
    AchievementFactory(maturity=None)

    def ids(value):
        response = client.get("/api/v1/achievements/", {"maturity_min": value})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(6) == {mid.pk, high.pk}
    assert ids(1) == {low.pk, mid.pk, high.pk}
    assert ids(10) == set()


def test_ordering_by_completeness(client):
    for score in (40, 90, 10, 70):
        NeedFactory(completeness=score)
    scores = [
        row["completeness"]
        for row in client.get(NEEDS, {"ordering": "-completeness"}).json()["results"]
    ]
    assert scores == [90, 70, 40, 10]
    scores = [
        row["completeness"]
        for row in client.get(NEEDS, {"ordering": "completeness"}).json()["results"]
    ]
    assert scores == [10, 40, 70, 90]


def test_default_ordering_is_newest_first(client):
    now = timezone.now()
    old = NeedFactory(published_at=now - timedelta(days=5))
    new = NeedFactory(published_at=now - timedelta(days=1))
    middle = NeedFactory(published_at=now - timedelta(days=3))
    assert [row["id"] for row in client.get(NEEDS).json()["results"]] == [new.pk, middle.pk, old.pk]


def test_pagination(client):
    NeedFactory.create_batch(5)
    body = client.get(NEEDS, {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert "page=2" in body["next"] and "page_size=2" in body["next"]
    last = client.get(NEEDS, {"page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1
    assert last["next"] is None
    seen = {
        row["id"]
        for page in (1, 2, 3)
        for row in client.get(NEEDS, {"page_size": 2, "page": page}).json()["results"]
    }
    assert len(seen) == 5
    assert client.get(NEEDS, {"page_size": 2, "page": 4}).status_code == 404


def test_page_size_is_capped_at_100(client):
    NeedFactory.create_batch(3)
    assert len(client.get(NEEDS, {"page_size": 1000}).json()["results"]) == 3
    assert len(client.get(NEEDS).json()["results"]) == 3


def _list_query_count(client, url, **kwargs):
    cache.clear()  # the totals are counted, not read from the cache (repositories.counts)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("who", ["anonymous", "token", "staff"])
def test_list_query_count_does_not_grow_with_rows(
    client, enterprise, headers, who, django_assert_max_num_queries
):
    modes = list(CooperationMode.objects.all()[:3])
    kwargs = {"headers": headers} if who == "token" else {}
    if who == "staff":
        client.force_login(cast_staff(ZHEJIANG))

    def add(n):
        for i in range(n):
            need = NeedFactory(
                organization=enterprise if i % 2 else OrganizationFactory(),
                field=direction(i % 7),
            )
            need.cooperation_modes.set(modes)

    add(5)
    client.get(NEEDS, **kwargs)  # the token's first use is recorded once; not part of the bound
    few, count = _list_query_count(client, NEEDS, **kwargs)
    assert count == 5
    add(20)
    many, count = _list_query_count(client, NEEDS, **kwargs)
    assert count == 25
    assert few == many
    # count + page + cooperation modes; a token adds its lookup, its creator's membership, the
    # creator's role (what the token may do), the granted-details ids and a second count (the
    # live listings, shared by every caller, and its own others); a session adds session,
    # user, memberships, the office's cities, the person's mandates in force (a technology
    # manager sees the listings in scope) and the second count.
    bound = {"anonymous": 3, "token": 8, "staff": 10}[who]
    assert many == bound
    cache.clear()
    with django_assert_max_num_queries(bound):
        assert len(client.get(NEEDS, {"page_size": 25}, **kwargs).json()["results"]) == 25


def test_talent_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    society = OrganizationFactory(kind=Organization.Kind.SOCIETY)
    for _ in range(3):
        TalentFactory().societies.set([society])
    few, _count = _list_query_count(client, "/api/v1/talents/")
    for _ in range(12):
        TalentFactory().societies.set([society])
    many, count = _list_query_count(client, "/api/v1/talents/")
    assert count == 15
    assert few == many
    with django_assert_max_num_queries(few):
        client.get("/api/v1/talents/")


# --- deleting and closing ---------------------------------------------------------------------


def test_delete_draft_is_204(client, headers):
    need = _draft(client, headers)
    response = client.delete(need_url(need), headers=headers)
    assert response.status_code == 204
    assert not Listing.objects.filter(pk=need.pk).exists()


@pytest.mark.parametrize(
    "status",
    [
        ListingStatus.PUBLISHED,
        ListingStatus.SUBMITTED,
        ListingStatus.RETURNED,
        ListingStatus.CLOSED,
    ],
)
def test_delete_of_anything_but_a_draft_is_409_conflict(client, enterprise, headers, status):
    need = NeedFactory(organization=enterprise, status=status)
    response = client.delete(need_url(need), headers={**headers, "accept-language": "en"})
    assert response.status_code == 409
    assert error_body(response) == conflict(
        "Only unsubmitted drafts can be deleted; close the listing instead."
    )
    assert Need.objects.filter(pk=need.pk, status=status).exists()


def test_delete_another_organizations_published_need_is_403(client, other_enterprise, headers):
    need = NeedFactory(organization=other_enterprise)
    response = client.delete(need_url(need), headers=headers)
    assert response.status_code == 403
    assert Need.objects.filter(pk=need.pk).exists()


def test_close_published_listing(client, enterprise, headers):
    need = NeedFactory(organization=enterprise)
    response = client.post(need_url(need, "close"), headers=headers)
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert client.get(NEEDS).json()["count"] == 0
    response = client.patch(
        need_url(need), {"title": "重新打开"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 403


# --- the other repositories -------------------------------------------------------------------


def test_create_and_publish_an_achievement(client, headers):
    response = client.post(
        "/api/v1/achievements/",
        {
            "title": "高效锂回收萃取剂",
            "summary": "一种新型萃取剂。",
            "description": "回收率达到98%。",
            "maturity": 7,
            "ip_status": "invention_patent",
            "field": direction(3).code,
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["status"], body["maturity"]) == ("achievement", "draft", 7)
    achievement = Achievement.objects.get()
    assert (
        client.post(f"/api/v1/achievements/{achievement.pk}/submit/", headers=headers).json()[
            "status"
        ]
        == "submitted"
    )
    client.force_login(cast_staff(HANGZHOU))
    response = client.post(
        f"/api/v1/achievements/{achievement.pk}/review/",
        {"decision": "approve"},
        content_type="application/json",
    )
    assert response.json()["status"] == "published"
    client.logout()
    assert client.get("/api/v1/achievements/").json()["count"] == 1


def test_achievement_maturity_out_of_scale_is_400(client, headers):
    response = client.post(
        "/api/v1/achievements/",
        {"title": "成果", "summary": "摘要", "description": "说明", "maturity": 10},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["maturity"]
    assert Achievement.objects.count() == 0


def test_create_project_and_check_seeking(client, headers):
    payload = {
        "title": "固态电池中试项目",
        "summary": "寻找中试基地与资金。",
        "description": "已完成实验室验证。",
        "stage": "pilot",
        "seeking": ["pilot_site", "funding"],
    }
    response = client.post(
        "/api/v1/projects/", payload, content_type="application/json", headers=headers
    )
    assert response.status_code == 201, response.json()
    assert response.json()["seeking"] == ["pilot_site", "funding"]
    assert Project.objects.get().seeking == ["pilot_site", "funding"]

    response = client.post(
        "/api/v1/projects/",
        {**payload, "seeking": ["luck"], "stage": "dream"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert set(error_body(response)["fields"]) == {"seeking", "stage"}
    assert Project.objects.count() == 1


def test_create_talent_with_societies(client, headers):
    society = OrganizationFactory(kind=Organization.Kind.SOCIETY)
    payload = {
        "title": "李教授",
        "summary": "材料学专家。",
        "institution_name": "浙江大学",
        "disciplines": "材料科学",
        "research_interests": "锂电池材料",
        "societies": [society.pk],
    }
    response = client.post(
        "/api/v1/talents/", payload, content_type="application/json", headers=headers
    )
    assert response.status_code == 201, response.json()
    assert response.json()["societies"] == [society.pk]
    assert list(Talent.objects.get().societies.all()) == [society]

    enterprise_id = OrganizationFactory().pk
    response = client.post(
        "/api/v1/talents/",
        {**payload, "societies": [enterprise_id]},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["societies"]
    assert Talent.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "factory"),
    [
        ("/api/v1/achievements/", AchievementFactory),
        ("/api/v1/projects/", ProjectFactory),
        ("/api/v1/talents/", TalentFactory),
    ],
)
def test_other_repositories_list_live_listings_to_anonymous(client, url, factory):
    live = factory()
    factory(status=ListingStatus.DRAFT)
    NeedFactory()
    body = client.get(url).json()
    assert [row["id"] for row in body["results"]] == [live.pk]
    assert body["results"][0]["confidential_details"] is None
    assert client.get(f"{url}{live.pk}/").status_code == 200


def test_kinds_do_not_leak_across_endpoints(client):
    need = NeedFactory()
    assert client.get(f"/api/v1/achievements/{need.pk}/").status_code == 404
    assert client.get(need_url(need)).status_code == 200


# --- throttling -------------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings, monkeypatch):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"},
    }
    api_settings.reload()
    # The throttle classes read the rates once, at import.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", api_settings.DEFAULT_THROTTLE_RATES)
    # Restoring the settings afterwards reloads api_settings again (DRF listens to
    # setting_changed), and monkeypatch puts the class attribute back.


def test_anonymous_burst_is_throttled(client, low_rates):
    assert [client.get(NEEDS).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(NEEDS)
    assert response.status_code == 429
    assert error_body(response)["code"] == "throttled"
    assert int(response.headers["Retry-After"]) > 0


def test_token_burst_is_throttled(client, headers, low_rates):
    statuses = [client.get(NEEDS, headers=headers).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    # A token's quota is its own, not the anonymous one.
    assert client.get(NEEDS).status_code == 200


def test_ordering_has_a_unique_tiebreaker(client):
    NeedFactory.create_batch(3, completeness=50)
    with CaptureQueriesContext(connection) as queries:
        client.get(NEEDS, {"ordering": "-completeness", "page_size": 2})
    page_query = next(q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"])
    order_by = page_query.rsplit("ORDER BY", 1)[1].split("LIMIT")[0]
    assert '"id"' in order_by or "listing_ptr_id" in order_by


def test_malformed_json_is_400_parse_error(client, headers):
    response = client.post(NEEDS, "{not json", content_type="application/json", headers=headers)
    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "parse_error"
    assert body["fields"] == {}
    assert Need.objects.count() == 0


def test_patch_cooperation_modes_is_reflected_in_the_response(client, enterprise, headers):
    first, second, third = CooperationMode.objects.order_by("position")[:3]
    need = NeedFactory(organization=enterprise, status=ListingStatus.DRAFT)
    need.cooperation_modes.set([first])
    response = client.patch(
        need_url(need),
        {"cooperation_modes": [second.code, third.code]},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    assert sorted(response.json()["cooperation_modes"]) == sorted([second.code, third.code])
    assert sorted(need.cooperation_modes.values_list("code", flat=True)) == sorted(
        [second.code, third.code]
    )
    assert client.get(need_url(need), headers=headers).json()["cooperation_modes"] == [
        second.code,
        third.code,
    ]


def test_a_token_stops_working_when_its_creator_leaves_the_organization(client, enterprise):
    admin = member_of(enterprise)
    creator = member_of(enterprise, role=Membership.Role.ADMIN)
    _token, key = api_token_for(enterprise, user=creator)
    headers = {"Authorization": f"Token {key}"}
    assert client.get(NEEDS, headers=headers).status_code == 200
    membership = Membership.objects.get(user=creator, organization=enterprise)
    membership_remove(membership=membership, actor=actor_for(user=admin))
    response = client.get(NEEDS, headers=headers)
    assert response.status_code == 401
    assert error_body(response)["code"] == "authentication_failed"
