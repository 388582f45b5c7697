"""Role × action × object: who may read, edit, approve, delete and see the details of what.

Every listing here belongs to one enterprise in Hangzhou (浙江省). The matrix is the rule
book; each test walks it through the web views.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from organizations.models import Membership, Organization
from repositories.models import DetailAccessRequest, Listing, ListingStatus
from repositories.permissions import listing_can_follow_review, listing_can_see_details
from tests.factories import (
    GUANGDONG,
    HANGZHOU,
    NINGBO,
    ZHEJIANG,
    NeedFactory,
    OrganizationFactory,
    UserFactory,
    cast_staff,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "owner",
    "colleague",
    "other_enterprise",
    "staff_of_region",
    "staff_of_other_city",
    "staff_of_other_province",
    "superuser",
]
STATES = ["draft", "submitted", "published", "returned", "closed", "expired"]
SECRET = "机密：配方比例"

EVERYONE = set(ROLES)
OWNERS = {"owner", "colleague", "superuser"}
REVIEWERS = {"staff_of_region", "superuser"}

CAN_READ = {
    "draft": OWNERS,
    "submitted": OWNERS | REVIEWERS,
    "published": EVERYONE,
    "returned": OWNERS | REVIEWERS,
    "closed": OWNERS | REVIEWERS,
    "expired": OWNERS | REVIEWERS,
}
CAN_EDIT = {state: {"owner", "colleague"} for state in STATES if state != "closed"} | {
    "closed": set()
}
CAN_APPROVE = {state: (REVIEWERS if state == "submitted" else set()) for state in STATES}
CAN_DELETE = {state: ({"owner", "colleague"} if state == "draft" else set()) for state in STATES}
CAN_SEE_DETAILS = {state: CAN_READ[state] & (OWNERS | REVIEWERS) for state in STATES}


@pytest.fixture
def world():
    enterprise = OrganizationFactory(region=region(HANGZHOU))
    owner = member_of(enterprise)
    users = {
        "anonymous": None,
        "owner": owner,
        "colleague": member_of(enterprise, role=Membership.Role.MEMBER),
        "other_enterprise": member_of(OrganizationFactory(region=region(HANGZHOU))),
        "staff_of_region": cast_staff(ZHEJIANG),
        "staff_of_other_city": cast_staff(NINGBO),
        "staff_of_other_province": cast_staff(GUANGDONG),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    listings = {}
    for state in STATES:
        status = ListingStatus.PUBLISHED if state == "expired" else state
        listing = NeedFactory(
            organization=enterprise,
            created_by=owner,
            status=status,
            title=f"状态{state}的需求",
            confidential_details=SECRET,
        )
        if state == "expired":
            listing.expires_at = timezone.now() - timedelta(days=1)
            listing.save()
        listings[state] = listing
    return users, listings


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _cases(table):
    return [(role, state, role in table[state]) for role in ROLES for state in STATES]


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(CAN_READ))
def test_read(client, world, role, state, allowed):
    users, listings = world
    response = _client(client, users[role]).get(listings[state].get_absolute_url())
    assert response.status_code == (200 if allowed else 404)


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(CAN_SEE_DETAILS))
def test_confidential_details(client, world, role, state, allowed):
    users, listings = world
    response = _client(client, users[role]).get(listings[state].get_absolute_url())
    assert (SECRET in response.content.decode()) is allowed


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(CAN_EDIT))
def test_edit(client, world, role, state, allowed):
    users, listings = world
    listing = listings[state]
    url = reverse("repositories:edit", kwargs={"kind": "need", "pk": listing.pk})
    response = _client(client, users[role]).post(
        url,
        {
            "title": "被改过的标题被改过的标题",
            "summary": "新摘要",
            "problem": "新问题",
            "region": listing.region_id,
            "organization": listing.organization_id,
        },
    )
    # A published listing keeps its live title: the edit waits as its pending revision.
    stored = Listing.objects.get(pk=listing.pk)
    revised_title = (stored.pending_changes or {}).get("title", stored.title)
    assert (revised_title == "被改过的标题被改过的标题") is allowed
    if not allowed:
        expected = {302} if role == "anonymous" else {403, 404}
        assert response.status_code in expected


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(CAN_APPROVE))
def test_approve(client, world, role, state, allowed):
    users, listings = world
    listing = listings[state]
    url = reverse("repositories:review", kwargs={"kind": "need", "pk": listing.pk})
    _client(client, users[role]).post(url, {"decision": "approve"})
    listing.refresh_from_db()
    published_by_review = listing.status == ListingStatus.PUBLISHED and listing.reviewed_at
    assert bool(published_by_review) is allowed


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(CAN_DELETE))
def test_delete(client, world, role, state, allowed):
    users, listings = world
    listing = listings[state]
    url = reverse("repositories:delete", kwargs={"kind": "need", "pk": listing.pk})
    _client(client, users[role]).post(url)
    assert Listing.objects.filter(pk=listing.pk).exists() is not allowed


@pytest.mark.parametrize("role", ROLES)
def test_review_queue_shows_only_the_region(client, world, role):
    users, listings = world
    response = _client(client, users[role]).get(reverse("repositories:review_queue"))
    if role in REVIEWERS:
        assert response.status_code == 200
        assert [item.pk for item in response.context["listings"]] == [listings["submitted"].pk]
    elif role.startswith("staff_"):
        assert response.status_code == 200
        assert list(response.context["listings"]) == []
    elif role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 403


def test_city_office_covers_its_city_only(client, world):
    users, listings = world
    ningbo_staff = User.objects.get(pk=users["staff_of_other_city"].pk)
    ningbo_need = NeedFactory(
        organization=OrganizationFactory(region=region(NINGBO)), status=ListingStatus.SUBMITTED
    )
    client.force_login(ningbo_staff)
    queue = client.get(reverse("repositories:review_queue")).context["listings"]
    assert [item.pk for item in queue] == [ningbo_need.pk]


def test_pending_organizations_are_reviewed_in_their_region_only(client, world):
    users, _ = world
    pending = OrganizationFactory(region=region(HANGZHOU), status=Organization.Status.PENDING)
    client.force_login(users["staff_of_region"])
    assert [
        o.pk for o in client.get(reverse("repositories:review_queue")).context["organizations"]
    ] == [pending.pk]
    client.force_login(users["staff_of_other_province"])
    assert list(client.get(reverse("repositories:review_queue")).context["organizations"]) == []


def test_a_granted_organization_sees_the_details_but_not_the_review(actor):
    listing = NeedFactory(region=region(HANGZHOU))
    reader = member_of(OrganizationFactory())
    DetailAccessRequest.objects.create(
        listing=listing,
        organization=reader.memberships.get().organization,
        requested_by=reader,
        message="想了解细节",
        status=DetailAccessRequest.Status.GRANTED,
    )
    owner = member_of(listing.organization)
    assert [
        (
            listing_can_see_details(actor=actor(user), listing=listing),
            listing_can_follow_review(actor=actor(user), listing=listing),
        )
        for user in (owner, reader, cast_staff(ZHEJIANG), UserFactory())
    ] == [(True, True), (True, False), (True, True), (False, False)]
