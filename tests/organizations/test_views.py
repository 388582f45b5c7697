"""The organization pages: registering (入驻), verification, members, API tokens, visibility."""

import hashlib

import pytest
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from organizations.models import ApiToken, Membership, Organization
from taxonomy.models import Field
from tests.factories import (
    GUANGDONG,
    HANGZHOU,
    NINGBO,
    ZHEJIANG,
    OrganizationFactory,
    UserFactory,
    api_token_for,
    cast_staff,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db

REGISTER = reverse("organizations:register")
VALID_CREDIT_CODE = "91330100MA27U1234X"
REQUIRED = "该字段是必填项。"


def detail(organization):
    return reverse("organizations:detail", args=[organization.pk])


def message_levels(response):
    """Levels of the messages this request added (not those left over from earlier ones)."""
    return [message.level for message in get_messages(response.wsgi_request)._queued_messages]


def form_data(**overrides):
    data = {
        "name": "杭州锂想科技有限公司",
        "kind": Organization.Kind.ENTERPRISE,
        "region": region(HANGZHOU).pk,
        "credit_code": VALID_CREDIT_CODE,
        "description": "专注锂电池材料回收。",
        "website": "https://lixiang.example.cn",
        "contact_name": "张经理",
        "contact_phone": "13900000000",
        "contact_email": "zhang@lixiang.example.cn",
        "parent": "",
        "fields_of_interest": [],
        "business_licence": SimpleUploadedFile(
            "营业执照.pdf", b"%PDF-1.4\n%scan\n", content_type="application/pdf"
        ),
    }
    data.update(overrides)
    return data


@pytest.fixture
def user(client):
    user = UserFactory()
    client.force_login(user)
    return user


# --- registering (入驻) -------------------------------------------------------------------------


def test_register_page_needs_login(client):
    response = client.get(REGISTER)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_register_page_does_not_offer_cast_office(client, user):
    response = client.get(REGISTER)
    assert response.status_code == 200
    kinds = [value for value, _label in response.context["form"].fields["kind"].choices]
    assert Organization.Kind.CAST_OFFICE not in kinds
    assert Organization.Kind.ENTERPRISE in kinds


def test_register_success(client, user):
    fields = list(Field.objects.filter(level__lte=2).order_by("code")[:2])
    response = client.post(REGISTER, form_data(fields_of_interest=[f.pk for f in fields]))
    organization = Organization.objects.get()
    assert response.status_code == 302
    assert response.url == detail(organization)
    assert organization.status == Organization.Status.PENDING
    assert organization.region.code == HANGZHOU
    assert list(organization.fields.order_by("code")) == fields
    membership = Membership.objects.get(organization=organization)
    assert (membership.user, membership.role, membership.status) == (
        user,
        Membership.Role.ADMIN,
        Membership.Status.ACTIVE,
    )
    assert message_levels(response) == [constants.SUCCESS]
    # The new admin sees the pending organization at once.
    page = client.get(detail(organization))
    assert page.status_code == 200
    assert page.context["is_admin"] is True


def test_register_service_team_under_a_society(client, user):
    society = OrganizationFactory(kind=Organization.Kind.SOCIETY, name="浙江省材料学会")
    response = client.post(
        REGISTER,
        form_data(kind=Organization.Kind.SERVICE_TEAM, credit_code="", parent=society.pk),
    )
    assert response.status_code == 302
    team = Organization.objects.get(kind=Organization.Kind.SERVICE_TEAM)
    assert team.parent == society


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        pytest.param({"name": ""}, {"name": [REQUIRED]}, id="empty-name"),
        pytest.param({"name": "   "}, {"name": [REQUIRED]}, id="blank-name"),
        pytest.param({"credit_code": "91330100MA27I1234X"}, {"credit_code": None}, id="bad-code"),
        pytest.param({"credit_code": "9133010"}, {"credit_code": None}, id="short-code"),
        pytest.param({"credit_code": ""}, {"credit_code": None}, id="enterprise-without-code"),
        pytest.param(
            {"kind": Organization.Kind.INVESTOR, "credit_code": ""},
            {"credit_code": None},
            id="investor-without-code",
        ),
        pytest.param(
            {"kind": Organization.Kind.SERVICE_TEAM, "credit_code": ""},
            {"parent": None},
            id="service-team-without-society",
        ),
        pytest.param({"region": ""}, {"region": [REQUIRED]}, id="no-region"),
        pytest.param({"contact_phone": ""}, {"contact_phone": [REQUIRED]}, id="no-phone"),
        pytest.param({"contact_email": "zhang@"}, {"contact_email": None}, id="bad-email"),
        pytest.param(
            {"kind": Organization.Kind.CAST_OFFICE},
            {"kind": ["选择一个有效的选项。 cast_office 不在可用的选项中。"]},
            id="cast-office",
        ),
    ],
)
def test_register_bad_input_rerenders_with_errors(client, user, overrides, errors):
    response = client.post(REGISTER, form_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == set(errors)
    for name, messages in errors.items():
        assert len(form.errors[name]) == 1
        if messages is not None:
            assert form.errors[name] == messages
        assert f'data-field="{name}"' in response.content.decode()
    assert Organization.objects.count() == 0
    assert Membership.objects.count() == 0


def test_register_service_team_with_an_unverified_society_is_refused(client, user):
    society = OrganizationFactory(
        kind=Organization.Kind.SOCIETY, status=Organization.Status.PENDING
    )
    response = client.post(
        REGISTER,
        form_data(kind=Organization.Kind.SERVICE_TEAM, credit_code="", parent=society.pk),
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"parent"}
    assert Organization.objects.count() == 1


def test_register_duplicate_name(client, user):
    OrganizationFactory(name="杭州锂想科技有限公司")
    response = client.post(REGISTER, form_data())
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name"}
    assert Organization.objects.count() == 1
    assert not Membership.objects.filter(user=user).exists()


# --- verification -----------------------------------------------------------------------------


def _review(client, organization, decision, note=""):
    return client.post(
        reverse("organizations:review", args=[organization.pk]),
        {"decision": decision, "note": note, "next": detail(organization)},
    )


@pytest.mark.parametrize("staff_region", [ZHEJIANG, HANGZHOU])
def test_staff_of_the_region_verifies(client, staff_region):
    organization = OrganizationFactory(status=Organization.Status.PENDING, region=region(HANGZHOU))
    staff = cast_staff(staff_region)
    client.force_login(staff)
    page = client.get(detail(organization))
    assert page.status_code == 200
    assert page.context["can_review"] is True

    response = _review(client, organization, "approve")
    assert response.status_code == 302
    assert response.url == detail(organization)
    assert message_levels(response) == [constants.SUCCESS]
    organization.refresh_from_db()
    assert organization.status == Organization.Status.VERIFIED
    assert organization.reviewed_by == staff


@pytest.mark.parametrize("staff_region", [GUANGDONG, NINGBO])
def test_staff_of_another_region_is_refused(client, staff_region):
    organization = OrganizationFactory(status=Organization.Status.PENDING, region=region(HANGZHOU))
    client.force_login(cast_staff(staff_region))
    response = _review(client, organization, "approve")
    assert response.status_code == 302
    assert message_levels(response) == [constants.ERROR]
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING
    assert organization.reviewed_by is None


def test_reject_requires_a_reason(client):
    organization = OrganizationFactory(status=Organization.Status.PENDING, region=region(HANGZHOU))
    client.force_login(cast_staff(ZHEJIANG))
    response = _review(client, organization, "reject")
    assert message_levels(response) == [constants.ERROR]
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING

    response = _review(client, organization, "reject", note="营业执照与名称不符")
    assert message_levels(response) == [constants.SUCCESS]
    organization.refresh_from_db()
    assert organization.status == Organization.Status.REJECTED
    assert organization.review_note == "营业执照与名称不符"


def test_review_without_decision_is_an_error(client):
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    client.force_login(cast_staff(ZHEJIANG))
    response = client.post(reverse("organizations:review", args=[organization.pk]), {})
    assert response.status_code == 302
    assert response.url == reverse("repositories:review_queue")
    assert message_levels(response) == [constants.ERROR]
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING


def test_review_ignores_an_offsite_next(client):
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    client.force_login(cast_staff(ZHEJIANG))
    response = client.post(
        reverse("organizations:review", args=[organization.pk]),
        {"decision": "approve", "next": "https://evil.example.com/"},
    )
    assert response.url == reverse("repositories:review_queue")


def test_review_is_post_only(client):
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    client.force_login(cast_staff(ZHEJIANG))
    assert client.get(reverse("organizations:review", args=[organization.pk])).status_code == 405


def test_rejected_organization_edited_by_admin_goes_back_to_pending(client):
    organization = OrganizationFactory(
        name="杭州锂想科技有限公司",
        status=Organization.Status.REJECTED,
        review_note="请补充信用代码",
        credit_code="",
    )
    admin = member_of(organization)
    client.force_login(admin)
    page = client.get(detail(organization))
    assert page.status_code == 200
    assert "请补充信用代码" in page.content.decode()
    response = client.post(reverse("organizations:edit", args=[organization.pk]), form_data())
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING
    assert organization.credit_code == VALID_CREDIT_CODE


def test_edit_with_bad_data_keeps_rejected_status(client):
    organization = OrganizationFactory(status=Organization.Status.REJECTED, credit_code="")
    client.force_login(member_of(organization))
    response = client.post(
        reverse("organizations:edit", args=[organization.pk]),
        form_data(name=organization.name, credit_code=""),
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"credit_code"}
    organization.refresh_from_db()
    assert organization.status == Organization.Status.REJECTED


def test_only_admins_open_the_edit_page(client):
    organization = OrganizationFactory()
    client.force_login(member_of(organization, role=Membership.Role.MEMBER))
    assert client.get(reverse("organizations:edit", args=[organization.pk])).status_code == 403
    response = client.post(
        reverse("organizations:edit", args=[organization.pk]), form_data(name="改名")
    )
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name != "改名"


# --- members ----------------------------------------------------------------------------------


def _decide(client, membership, action):
    return client.post(
        reverse("organizations:membership_decide", args=[membership.pk]), {"action": action}
    )


def test_join_request_then_admin_approves(client):
    organization = OrganizationFactory()
    admin = member_of(organization)
    applicant = UserFactory()
    client.force_login(applicant)
    response = client.post(reverse("organizations:join", args=[organization.pk]))
    assert response.status_code == 302
    assert message_levels(response) == [constants.SUCCESS]
    membership = Membership.objects.get(user=applicant)
    assert membership.status == Membership.Status.PENDING
    assert membership.role == Membership.Role.MEMBER

    response = client.post(reverse("organizations:join", args=[organization.pk]))
    assert message_levels(response) == [constants.ERROR]
    assert Membership.objects.filter(user=applicant).count() == 1

    client.force_login(admin)
    page = client.get(detail(organization))
    assert membership in page.context["members"]
    response = _decide(client, membership, "approve")
    assert response.status_code == 302
    assert message_levels(response) == [constants.SUCCESS]
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE


def test_cannot_ask_to_join_an_unverified_organization(client, user):
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    response = client.post(reverse("organizations:join", args=[organization.pk]))
    assert response.status_code == 404
    assert not Membership.objects.filter(user=user).exists()


def test_non_admin_cannot_approve_or_remove(client):
    organization = OrganizationFactory()
    member_of(organization)
    colleague = member_of(organization, role=Membership.Role.MEMBER)
    membership = Membership.objects.create(
        user=UserFactory(), organization=organization, status=Membership.Status.PENDING
    )
    client.force_login(colleague)
    response = _decide(client, membership, "approve")
    assert message_levels(response) == [constants.ERROR]
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING
    response = _decide(client, membership, "remove")
    assert message_levels(response) == [constants.ERROR]
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_last_admin_cannot_be_removed(client):
    organization = OrganizationFactory()
    admin = member_of(organization)
    own = Membership.objects.get(user=admin)
    client.force_login(admin)
    response = _decide(client, own, "remove")
    assert message_levels(response) == [constants.ERROR]
    assert Membership.objects.filter(pk=own.pk).exists()


def test_admin_removes_a_member(client):
    organization = OrganizationFactory()
    admin = member_of(organization)
    colleague = member_of(organization, role=Membership.Role.MEMBER)
    client.force_login(admin)
    response = _decide(client, Membership.objects.get(user=colleague), "remove")
    assert message_levels(response) == [constants.SUCCESS]
    assert not Membership.objects.filter(user=colleague).exists()


# --- API tokens -------------------------------------------------------------------------------


def test_token_created_in_the_ui_is_shown_once_and_stored_hashed(client):
    organization = OrganizationFactory()
    admin = member_of(organization)
    client.force_login(admin)
    url = reverse("organizations:token_create", args=[organization.pk])
    form_page = client.get(url).content.decode()
    # Reviewing is offered only to a CAST office's tokens.
    assert 'value="write"' in form_page and 'value="review"' not in form_page
    response = client.post(url, {"name": "ERP 对接", "scopes": ["write"], "valid_days": "90"})
    assert response.status_code == 200
    key = response.context["key"]
    assert key.startswith("tb_")
    assert f'id="api-key">{key}</pre>' in response.content.decode()

    token = ApiToken.objects.get()
    assert (token.organization, token.created_by, token.name) == (organization, admin, "ERP 对接")
    assert token.scopes == ["write"]
    assert (token.expires_at - timezone.now()).days == 89
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(value) for value in ApiToken.objects.values().get().values()}

    page = client.get(detail(organization))
    assert key not in page.content.decode()
    assert token.prefix in page.content.decode()
    assert "发布和修改信息、回复匹配" in page.content.decode()
    client.logout()
    api = client.get("/api/v1/needs/", headers={"authorization": f"Token {key}"})
    assert api.status_code == 200


def test_token_revoked_in_the_ui_stops_working(client):
    organization = OrganizationFactory()
    admin = member_of(organization)
    token, key = api_token_for(organization, user=admin)
    client.force_login(admin)
    response = client.post(reverse("organizations:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert message_levels(response) == [constants.SUCCESS]
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token not in client.get(detail(organization)).context["tokens"]
    client.logout()
    assert (
        client.get("/api/v1/needs/", headers={"authorization": f"Token {key}"}).status_code == 401
    )


@pytest.mark.parametrize("who", ["member", "outsider", "staff"])
def test_non_admin_cannot_create_or_revoke_tokens(client, who):
    organization = OrganizationFactory()
    token, _key = api_token_for(organization)
    user = {
        "member": lambda: member_of(organization, role=Membership.Role.MEMBER),
        "outsider": lambda: member_of(OrganizationFactory()),
        "staff": lambda: cast_staff(ZHEJIANG),
    }[who]()
    client.force_login(user)
    url = reverse("organizations:token_create", args=[organization.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "偷偷的", "valid_days": "90"}).status_code == 403
    assert ApiToken.objects.count() == 1

    response = client.post(reverse("organizations:token_revoke", args=[token.pk]))
    assert message_levels(response) == [constants.ERROR]
    token.refresh_from_db()
    assert token.revoked_at is None


def test_unverified_organization_cannot_create_tokens(client):
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    client.force_login(member_of(organization))
    page = client.get(detail(organization))
    assert reverse("organizations:token_create", args=[organization.pk]) not in (
        page.content.decode()
    )
    response = client.post(
        reverse("organizations:token_create", args=[organization.pk]),
        {"name": "ERP", "valid_days": "90"},
    )
    assert response.status_code == 200
    assert "认证" in " ".join(response.context["form"].non_field_errors())
    assert ApiToken.objects.count() == 0


def test_a_token_form_with_errors_comes_back_as_typed(client):
    organization = OrganizationFactory()
    client.force_login(member_of(organization))
    response = client.post(
        reverse("organizations:token_create", args=[organization.pk]),
        {"name": "", "scopes": ["webhooks"], "valid_days": "365"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["name"]
    assert form["scopes"].value() == ["webhooks"] and form["valid_days"].value() == "365"
    response = client.post(
        reverse("organizations:token_create", args=[organization.pk]),
        {"name": "ERP", "scopes": ["review"], "valid_days": "7"},
    )
    assert set(response.context["form"].errors) == {"scopes", "valid_days"}
    assert ApiToken.objects.count() == 0


# --- who sees an organization -----------------------------------------------------------------


@pytest.mark.parametrize("status", [Organization.Status.PENDING, Organization.Status.REJECTED])
def test_unverified_organization_is_hidden_from_outsiders(client, status):
    organization = OrganizationFactory(status=status, region=region(HANGZHOU))
    assert client.get(detail(organization)).status_code == 404
    for user in (
        UserFactory(),
        member_of(OrganizationFactory()),
        cast_staff(GUANGDONG),
        cast_staff(NINGBO),
    ):
        client.force_login(user)
        assert client.get(detail(organization)).status_code == 404
    assert organization not in client.get(reverse("organizations:list")).context["page"]


@pytest.mark.parametrize("status", [Organization.Status.PENDING, Organization.Status.REJECTED])
def test_unverified_organization_is_visible_to_members_and_region_staff(client, status):
    organization = OrganizationFactory(status=status, region=region(HANGZHOU))
    for user in (
        member_of(organization),
        member_of(organization, role=Membership.Role.MEMBER),
        cast_staff(ZHEJIANG),
        cast_staff(HANGZHOU),
        UserFactory(is_superuser=True),
    ):
        client.force_login(user)
        response = client.get(detail(organization))
        assert response.status_code == 200
        assert response.context["organization"] == organization


def test_pending_applicant_does_not_see_a_pending_organization(client):
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    applicant = UserFactory()
    Membership.objects.create(
        user=applicant, organization=organization, status=Membership.Status.PENDING
    )
    client.force_login(applicant)
    assert client.get(detail(organization)).status_code == 404


def test_verified_organization_is_public_and_listed(client):
    organization = OrganizationFactory(kind=Organization.Kind.SOCIETY)
    OrganizationFactory(status=Organization.Status.PENDING)
    response = client.get(detail(organization))
    assert response.status_code == 200
    assert "members" not in response.context
    listed = client.get(reverse("organizations:list")).context["page"]
    assert list(listed) == [organization]
    filtered = client.get(reverse("organizations:list"), {"kind": "enterprise"}).context["page"]
    assert list(filtered) == []


def test_cast_office_admin_can_edit_its_profile(client):
    office = OrganizationFactory(
        kind=Organization.Kind.CAST_OFFICE,
        region=region(ZHEJIANG),
        name="浙江省科协",
        credit_code="",
    )
    client.force_login(member_of(office))
    response = client.post(
        reverse("organizations:edit", args=[office.pk]),
        form_data(
            name="浙江省科协",
            kind=Organization.Kind.CAST_OFFICE,
            region=region(ZHEJIANG).pk,
            credit_code="",
            description="负责全省科技成果转化服务。",
        ),
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.description == "负责全省科技成果转化服务。"
    assert office.kind == Organization.Kind.CAST_OFFICE


@pytest.mark.parametrize("kind", [Organization.Kind.CAST_OFFICE, Organization.Kind.SOCIETY])
def test_the_type_is_settled_at_registration(client, kind):
    organization = OrganizationFactory(name="杭州锂想科技有限公司", credit_code=VALID_CREDIT_CODE)
    client.force_login(member_of(organization))
    response = client.post(
        reverse("organizations:edit", args=[organization.pk]), form_data(kind=kind)
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.kind == Organization.Kind.ENTERPRISE
    assert organization.is_verified


def test_an_admin_promotes_a_member_from_the_organization_page(client):
    organization = OrganizationFactory()
    admin = member_of(organization)
    colleague = member_of(organization, role=Membership.Role.MEMBER)
    membership = Membership.objects.get(user=colleague)
    client.force_login(admin)
    assert (
        "make_admin"
        in client.get(reverse("organizations:detail", args=[organization.pk])).content.decode()
    )
    _decide(client, membership, "make_admin")
    membership.refresh_from_db()
    assert membership.role == Membership.Role.ADMIN
    response = _decide(client, membership, "bogus")
    assert message_levels(response) == [constants.ERROR]
    assert Membership.objects.filter(pk=membership.pk).exists()
