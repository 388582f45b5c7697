"""Organization services: joining (入驻), verification by region, members and API tokens."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from organizations import services
from organizations.models import ApiToken, Membership, Organization, validate_credit_code
from organizations.permissions import organization_can_administer
from organizations.selectors import (
    actor_for,
    api_token_authenticate,
    organization_list_for_review,
)
from outcomes.models import OutcomeEvent
from taxonomy.models import Field
from tests.factories import (
    GUANGDONG,
    HANGZHOU,
    NINGBO,
    SHENZHEN,
    ZHEJIANG,
    OrganizationFactory,
    UserFactory,
    api_token_for,
    cast_staff,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db

VALID_CREDIT_CODE = "91330100MA27U1234X"


def registration(**overrides):
    data = {
        "name": "杭州锂想科技有限公司",
        "kind": Organization.Kind.ENTERPRISE,
        "region": region(HANGZHOU),
        "credit_code": VALID_CREDIT_CODE,
        "contact_name": "张经理",
        "contact_phone": "13900000000",
    }
    data.update(overrides)
    return data


def pending(region_code=HANGZHOU, **kwargs):
    return OrganizationFactory(
        status=Organization.Status.PENDING, region=region(region_code), **kwargs
    )


# --- registering ------------------------------------------------------------------------------


def test_register_creates_pending_organization_with_user_as_admin():
    user = UserFactory()
    fields = list(Field.objects.filter(level=Field.Level.DOMAIN)[:2])
    organization = services.organization_register(user=user, data=registration(), fields=fields)
    assert organization.status == Organization.Status.PENDING
    assert list(organization.fields.order_by("code")) == fields
    membership = Membership.objects.get(organization=organization)
    assert (membership.user, membership.role, membership.status) == (
        user,
        Membership.Role.ADMIN,
        Membership.Status.ACTIVE,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": Organization.Kind.CAST_OFFICE}, "kind"),
        ({"credit_code": "91330100MA27I1234X"}, "credit_code"),  # I is not used in codes
        ({"credit_code": "91330100ma27u1234x"}, "credit_code"),
        ({"credit_code": "91330100MA27U1234"}, "credit_code"),
        ({"name": ""}, "name"),
        ({"contact_phone": ""}, "contact_phone"),
        ({"website": "not a url"}, "website"),
    ],
)
def test_register_refuses_bad_data_and_creates_nothing(overrides, field):
    with pytest.raises(ValidationError) as caught:
        services.organization_register(user=UserFactory(), data=registration(**overrides))
    assert field in caught.value.message_dict
    assert Organization.objects.count() == 0
    assert Membership.objects.count() == 0


def test_register_refuses_duplicate_name():
    OrganizationFactory(name="杭州锂想科技有限公司")
    with pytest.raises(ValidationError) as caught:
        services.organization_register(user=UserFactory(), data=registration())
    assert list(caught.value.message_dict) == ["name"]
    assert Organization.objects.count() == 1


# --- verification -----------------------------------------------------------------------------


@pytest.mark.parametrize("staff_region", [ZHEJIANG, HANGZHOU])
def test_staff_of_the_province_or_city_verifies(staff_region):
    organization = pending(HANGZHOU)
    staff = cast_staff(staff_region)
    services.organization_review(
        organization=organization, actor=actor_for(user=staff), approve=True
    )
    organization.refresh_from_db()
    assert organization.status == Organization.Status.VERIFIED
    assert organization.reviewed_by == staff
    assert organization.reviewed_at is not None
    event = OutcomeEvent.objects.get(subject_type="organization", subject_id=organization.pk)
    assert (event.name, event.actor, event.region_id) == (
        OutcomeEvent.Name.ORGANIZATION_VERIFIED,
        staff,
        organization.region_id,
    )


@pytest.mark.parametrize("staff_region", [GUANGDONG, SHENZHEN, NINGBO])
def test_staff_of_another_region_cannot_verify(staff_region):
    organization = pending(HANGZHOU)
    with pytest.raises(PermissionDenied):
        services.organization_review(
            organization=organization, actor=actor_for(user=cast_staff(staff_region)), approve=True
        )
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING
    assert organization.reviewed_by is None


def test_staff_of_an_unverified_office_cannot_verify():
    office = OrganizationFactory(
        kind=Organization.Kind.CAST_OFFICE,
        region=region(ZHEJIANG),
        status=Organization.Status.PENDING,
    )
    staff = member_of(office, role=Membership.Role.MEMBER)
    with pytest.raises(PermissionDenied):
        services.organization_review(
            organization=pending(HANGZHOU), actor=actor_for(user=staff), approve=True
        )


def test_enterprise_admin_cannot_verify_its_neighbours():
    with pytest.raises(PermissionDenied):
        services.organization_review(
            organization=pending(HANGZHOU),
            actor=actor_for(user=member_of(OrganizationFactory())),
            approve=True,
        )


def test_reject_requires_a_reason():
    organization = pending()
    actor = actor_for(user=cast_staff(ZHEJIANG))
    for note in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            services.organization_review(
                organization=organization, actor=actor, approve=False, note=note
            )
        assert list(caught.value.message_dict) == ["note"]
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING

    services.organization_review(
        organization=organization, actor=actor, approve=False, note=" 信用代码与名称不符 "
    )
    organization.refresh_from_db()
    assert organization.status == Organization.Status.REJECTED
    assert organization.review_note == "信用代码与名称不符"


def test_only_pending_organizations_are_reviewed():
    organization = OrganizationFactory(region=region(HANGZHOU))  # already verified
    with pytest.raises(ValidationError):
        services.organization_review(
            organization=organization,
            actor=actor_for(user=cast_staff(ZHEJIANG)),
            approve=False,
            note="再看一次",
        )
    organization.refresh_from_db()
    assert organization.status == Organization.Status.VERIFIED


def test_cast_offices_are_verified_by_platform_operators_only():
    office = pending(HANGZHOU, kind=Organization.Kind.CAST_OFFICE)
    with pytest.raises(PermissionDenied):
        services.organization_review(
            organization=office, actor=actor_for(user=cast_staff(ZHEJIANG)), approve=True
        )
    operator = UserFactory(is_superuser=True, is_staff=True)
    services.organization_review(organization=office, actor=actor_for(user=operator), approve=True)
    office.refresh_from_db()
    assert office.status == Organization.Status.VERIFIED


def test_review_queue_is_scoped_to_the_offices_regions():
    hangzhou, ningbo, shenzhen = pending(HANGZHOU), pending(NINGBO), pending(SHENZHEN)
    pending(HANGZHOU, kind=Organization.Kind.CAST_OFFICE)
    OrganizationFactory(region=region(HANGZHOU))  # verified: not in the queue

    def queue(user):
        return set(organization_list_for_review(actor=actor_for(user=user)))

    assert queue(cast_staff(ZHEJIANG)) == {hangzhou, ningbo}
    assert queue(cast_staff(HANGZHOU)) == {hangzhou}
    assert queue(cast_staff(GUANGDONG)) == {shenzhen}
    assert queue(member_of(OrganizationFactory())) == set()


# --- editing ----------------------------------------------------------------------------------


def test_rejected_organization_edited_by_admin_goes_back_to_pending():
    organization = OrganizationFactory(
        status=Organization.Status.REJECTED, review_note="缺少信用代码", credit_code=""
    )
    admin = member_of(organization)
    services.organization_update(
        organization=organization,
        actor=actor_for(user=admin),
        data={"credit_code": VALID_CREDIT_CODE},
    )
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING
    assert organization.credit_code == VALID_CREDIT_CODE


def test_only_admins_edit():
    organization = OrganizationFactory(status=Organization.Status.REJECTED)
    colleague = member_of(organization, role=Membership.Role.MEMBER)
    for user in (colleague, member_of(OrganizationFactory()), cast_staff(ZHEJIANG)):
        with pytest.raises(PermissionDenied):
            services.organization_update(
                organization=organization, actor=actor_for(user=user), data={"name": "改名"}
            )
    organization.refresh_from_db()
    assert organization.status == Organization.Status.REJECTED
    assert organization.name != "改名"


# --- members ----------------------------------------------------------------------------------


def test_join_request_then_admin_approves():
    organization = OrganizationFactory()
    admin = member_of(organization)
    applicant = UserFactory()
    membership = services.membership_request(user=applicant, organization=organization)
    assert (membership.role, membership.status) == (
        Membership.Role.MEMBER,
        Membership.Status.PENDING,
    )
    assert organization.id not in actor_for(user=applicant).organization_ids

    with pytest.raises(ValidationError):
        services.membership_request(user=applicant, organization=organization)

    services.membership_approve(membership=membership, actor=actor_for(user=admin))
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert organization.id in actor_for(user=applicant).organization_ids
    assert organization.id not in actor_for(user=applicant).admin_organization_ids


def test_non_admin_cannot_approve_or_remove():
    organization = OrganizationFactory()
    member_of(organization)
    colleague = member_of(organization, role=Membership.Role.MEMBER)
    membership = services.membership_request(user=UserFactory(), organization=organization)
    for user in (colleague, member_of(OrganizationFactory())):
        with pytest.raises(PermissionDenied):
            services.membership_approve(membership=membership, actor=actor_for(user=user))
        with pytest.raises(PermissionDenied):
            services.membership_remove(membership=membership, actor=actor_for(user=user))
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING


def test_last_admin_cannot_be_removed_but_one_of_two_can():
    organization = OrganizationFactory()
    admin = member_of(organization)
    only_admin = Membership.objects.get(user=admin)
    with pytest.raises(ValidationError):
        services.membership_remove(membership=only_admin, actor=actor_for(user=admin))
    assert Membership.objects.filter(pk=only_admin.pk).exists()

    second = member_of(organization)
    services.membership_remove(membership=only_admin, actor=actor_for(user=second))
    assert not Membership.objects.filter(pk=only_admin.pk).exists()
    assert list(organization.memberships.values_list("user", flat=True)) == [second.pk]


def test_admin_removes_a_member():
    organization = OrganizationFactory()
    admin = member_of(organization)
    colleague = member_of(organization, role=Membership.Role.MEMBER)
    membership = Membership.objects.get(user=colleague)
    services.membership_remove(membership=membership, actor=actor_for(user=admin))
    assert organization.id not in actor_for(user=colleague).organization_ids


# --- API tokens -------------------------------------------------------------------------------


def test_token_create_stores_only_the_hash():
    organization = OrganizationFactory()
    admin = member_of(organization)
    token, key = services.api_token_create(
        organization=organization, actor=actor_for(user=admin), name="  ERP 对接  "
    )
    assert key.startswith("tb_") and len(key) > 40
    assert token.name == "ERP 对接"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[3:11]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(value) for value in stored.values()}
    assert api_token_authenticate(key=key) == token
    assert api_token_authenticate(key=key + "x") is None


def test_token_create_refusals():
    organization = OrganizationFactory()
    colleague = member_of(organization, role=Membership.Role.MEMBER)
    with pytest.raises(PermissionDenied):
        services.api_token_create(
            organization=organization, actor=actor_for(user=colleague), name="ERP"
        )
    with pytest.raises(ValidationError) as caught:
        services.api_token_create(
            organization=organization, actor=actor_for(user=member_of(organization)), name="  "
        )
    assert list(caught.value.message_dict) == ["name"]
    unverified = pending()
    with pytest.raises(ValidationError):
        services.api_token_create(
            organization=unverified, actor=actor_for(user=member_of(unverified)), name="ERP"
        )
    assert ApiToken.objects.count() == 0


def test_token_revoke():
    organization = OrganizationFactory()
    admin = member_of(organization)
    token, key = api_token_for(organization, user=admin)
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(
            token=token,
            actor=actor_for(user=member_of(organization, role=Membership.Role.MEMBER)),
        )
    assert api_token_authenticate(key=key) == token
    services.api_token_revoke(token=token, actor=actor_for(user=admin))
    assert api_token_authenticate(key=key) is None


def test_token_use_is_recorded_at_most_once_a_minute():
    token, _key = api_token_for(OrganizationFactory())
    services.api_token_touch(token=token)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    services.api_token_touch(token=token)
    token.refresh_from_db()
    assert token.last_used_at == first
    token.last_used_at = timezone.now() - timedelta(minutes=2)
    services.api_token_touch(token=token)
    token.refresh_from_db()
    assert token.last_used_at > first


# --- the Actor --------------------------------------------------------------------------------


def test_actor_of_provincial_office_covers_its_cities():
    actor = actor_for(user=cast_staff(ZHEJIANG))
    zhejiang = region(ZHEJIANG)
    assert actor.review_region_ids == {zhejiang.id} | set(
        zhejiang.children.values_list("id", flat=True)
    )
    assert actor.can_review_region(region(NINGBO).id)
    assert not actor.can_review_region(region(SHENZHEN).id)
    city = actor_for(user=cast_staff(HANGZHOU))
    assert city.review_region_ids == {region(HANGZHOU).id}


def test_token_actor_is_bounded_by_the_token_organization():
    enterprise = OrganizationFactory()
    user = member_of(enterprise)
    Membership.objects.create(user=user, organization=OrganizationFactory())
    office = OrganizationFactory(kind=Organization.Kind.CAST_OFFICE, region=region(ZHEJIANG))
    Membership.objects.create(user=user, organization=office)
    user.is_superuser = True
    user.save()
    token, _key = api_token_for(enterprise, user=user)

    actor = actor_for(user=user, token=token)
    assert actor.organization_ids == {enterprise.id}
    # Its creator administers the enterprise: the token manages its webhooks, but never what
    # only a person may do (members, tokens, the profile).
    assert actor.admin_organization_ids == {enterprise.id}
    assert actor.via_token and not actor.is_person
    assert not organization_can_administer(actor=actor, organization_id=enterprise.id)
    assert actor.review_region_ids == frozenset()
    assert not actor.is_superuser
    assert len(actor_for(user=user).organization_ids) == 3
    with pytest.raises(PermissionDenied):
        services.api_token_create(organization=enterprise, actor=actor, name="由令牌创建")


def test_a_token_of_a_member_who_is_not_an_administrator_manages_nothing():
    enterprise = OrganizationFactory()
    creator = member_of(enterprise)
    token, _key = api_token_for(enterprise, user=creator)
    # The creator steps down to member: the token keeps acting for them, with their rights.
    Membership.objects.filter(user=creator).update(role=Membership.Role.MEMBER)
    assert actor_for(user=creator, token=token).admin_organization_ids == frozenset()


def test_changing_the_identity_of_a_verified_organization_needs_verification_again():
    organization = OrganizationFactory(name="杭州锂想科技有限公司", credit_code=VALID_CREDIT_CODE)
    admin = member_of(organization)
    services.organization_update(
        organization=organization, actor=actor_for(user=admin), data={"description": "新的简介"}
    )
    assert organization.status == Organization.Status.VERIFIED
    services.organization_update(
        organization=organization,
        actor=actor_for(user=admin),
        data={"name": "杭州锂想新能源科技有限公司"},
    )
    assert organization.status == Organization.Status.PENDING


@pytest.mark.parametrize(
    ("code", "valid"),
    [("91330100MA27U1234X", True), ("91330100MA27U12340", False), ("91330100MA27U1234", False)],
)
def test_credit_codes_are_checked_to_their_check_character(code, valid):
    if valid:
        validate_credit_code(code)
    else:
        with pytest.raises(ValidationError):
            validate_credit_code(code)


def test_administrators_change_roles_but_keep_one_administrator():
    organization = OrganizationFactory()
    admin = member_of(organization)
    colleague = member_of(organization, role=Membership.Role.MEMBER)
    colleague_membership = Membership.objects.get(user=colleague)
    with pytest.raises(PermissionDenied):
        services.membership_set_role(
            membership=colleague_membership,
            actor=actor_for(user=colleague),
            role=Membership.Role.ADMIN,
        )
    services.membership_set_role(
        membership=colleague_membership, actor=actor_for(user=admin), role=Membership.Role.ADMIN
    )
    assert actor_for(user=colleague).admin_organization_ids == {organization.id}
    admin_membership = Membership.objects.get(user=admin)
    services.membership_set_role(
        membership=admin_membership, actor=actor_for(user=admin), role=Membership.Role.MEMBER
    )
    with pytest.raises(ValidationError):
        services.membership_set_role(
            membership=Membership.objects.get(user=colleague),
            actor=actor_for(user=colleague),
            role=Membership.Role.MEMBER,
        )
    assert Membership.objects.get(user=colleague).role == Membership.Role.ADMIN
