from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from notifications.models import Notification
from organizations.models import Organization
from repositories import services
from repositories.models import Listing, ListingRevision, ListingStatus, Need
from repositories.tasks import remind_expiring_listings
from taxonomy.models import CooperationMode
from tests.factories import (
    HANGZHOU,
    SHENZHEN,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    direction,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db

NEED_DATA = {
    "title": "锂电池回收中钴镍高效分离",
    "summary": "寻求湿法回收工艺中钴镍分离的新方法，提高回收率并降低酸耗。",
    "problem": "现有萃取工艺钴镍回收率低于90%，酸耗高。",
}


@pytest.fixture
def enterprise():
    return OrganizationFactory(region=region(HANGZHOU))


@pytest.fixture
def author(enterprise):
    return member_of(enterprise)


def test_create_makes_a_draft_with_history_and_search_tokens(enterprise, author, actor):
    need = services.listing_create(
        kind="need", actor=actor(author), organization=enterprise, data=NEED_DATA
    )
    assert need.status == ListingStatus.DRAFT
    assert need.region == enterprise.region
    assert " 钴 " in f" {need.search_text} " and "回收" in need.search_text.split()
    assert list(need.revisions.values_list("action", flat=True)) == ["created"]
    assert need.revisions.get().changes["title"] == ["", NEED_DATA["title"]]


def test_only_members_create_for_an_organization(enterprise, actor):
    outsider = member_of(OrganizationFactory())
    with pytest.raises(PermissionDenied):
        services.listing_create(
            kind="need", actor=actor(outsider), organization=enterprise, data=NEED_DATA
        )
    assert Need.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"budget_min": Decimal("50"), "budget_max": Decimal("10")}, "budget_max"),
        ({"deadline": timezone.localdate() - timedelta(days=1)}, "deadline"),
        ({"title": ""}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"problem": ""}, "problem"),
        ({"budget_min": Decimal("-1")}, "budget_min"),
    ],
)
def test_bad_values_are_refused_by_field(enterprise, author, actor, extra, field):
    with pytest.raises(ValidationError) as error:
        services.listing_create(
            kind="need", actor=actor(author), organization=enterprise, data={**NEED_DATA, **extra}
        )
    assert field in error.value.message_dict
    assert Listing.objects.count() == 0


def test_submit_needs_a_verified_organization(author, enterprise, actor):
    enterprise.status = Organization.Status.PENDING
    enterprise.save()
    need = services.listing_create(
        kind="need", actor=actor(author), organization=enterprise, data=NEED_DATA
    )
    with pytest.raises(ValidationError):
        services.listing_submit(listing=need, actor=actor(author))
    need.refresh_from_db()
    assert need.status == ListingStatus.DRAFT


def test_review_publishes_with_a_validity_period(author, enterprise, actor, settings):
    staff = cast_staff("330000")
    need = services.listing_create(
        kind="need", actor=actor(author), organization=enterprise, data=NEED_DATA
    )
    services.listing_submit(listing=need, actor=actor(author))
    services.listing_review(listing=need, actor=actor(staff), approve=True)
    need.refresh_from_db()
    assert need.status == ListingStatus.PUBLISHED
    assert need.reviewed_by == staff
    validity = need.expires_at - need.published_at
    assert abs(validity - timedelta(days=settings.LISTING_VALIDITY_DAYS)) < timedelta(seconds=5)
    assert Listing.objects.live().filter(pk=need.pk).exists()


def test_return_needs_a_reason_and_keeps_it(author, enterprise, actor):
    staff = cast_staff("330000")
    need = NeedFactory(organization=enterprise, created_by=author, status=ListingStatus.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        services.listing_review(listing=need, actor=actor(staff), approve=False, note="  ")
    assert "note" in error.value.message_dict
    services.listing_review(listing=need, actor=actor(staff), approve=False, note="请补充目标指标")
    need.refresh_from_db()
    assert (need.status, need.review_note) == (ListingStatus.RETURNED, "请补充目标指标")
    services.listing_submit(listing=need, actor=actor(author))
    assert Need.objects.get(pk=need.pk).status == ListingStatus.SUBMITTED


def test_staff_of_another_region_cannot_review(author, enterprise, actor):
    need = NeedFactory(organization=enterprise, created_by=author, status=ListingStatus.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.listing_review(listing=need, actor=actor(cast_staff("440000")), approve=True)
    assert Need.objects.get(pk=need.pk).status == ListingStatus.SUBMITTED


def test_an_edit_that_changes_nothing_records_nothing(author, enterprise, actor):
    need = NeedFactory(organization=enterprise, created_by=author)
    services.listing_update(listing=need, actor=actor(author), data={"title": need.title})
    assert need.revisions.count() == 0
    assert Need.objects.get(pk=need.pk).status == ListingStatus.PUBLISHED


def test_reconfirm_opens_thirty_days_before_expiry(author, enterprise, actor):
    need = NeedFactory(organization=enterprise, created_by=author)
    with pytest.raises(ValidationError):
        services.listing_reconfirm(listing=need, actor=actor(author))
    need.expires_at = timezone.now() - timedelta(days=1)
    need.save()
    assert need.is_expired and not Listing.objects.live().filter(pk=need.pk).exists()
    services.listing_reconfirm(listing=need, actor=actor(author))
    need.refresh_from_db()
    assert need.is_live
    assert need.revisions.first().action == ListingRevision.Action.RECONFIRMED


def test_delete_only_unsubmitted_drafts(author, enterprise, actor):
    published = NeedFactory(organization=enterprise, created_by=author)
    with pytest.raises(ValidationError):
        services.listing_delete(listing=published, actor=actor(author))
    draft = NeedFactory(organization=enterprise, created_by=author, status=ListingStatus.DRAFT)
    services.listing_delete(listing=draft, actor=actor(author))
    assert list(Need.objects.values_list("pk", flat=True)) == [published.pk]


def test_closed_listings_cannot_be_edited(author, enterprise, actor):
    need = NeedFactory(organization=enterprise, created_by=author)
    services.listing_close(listing=need, actor=actor(author))
    with pytest.raises(PermissionDenied):
        services.listing_update(
            listing=need, actor=actor(author), data={"title": "新标题新标题新标题"}
        )


def test_completeness_rises_as_the_author_adds_what_the_hints_ask(enterprise, author, actor):
    bare = services.listing_create(
        kind="need", actor=actor(author), organization=enterprise, data=NEED_DATA
    )
    full = services.listing_create(
        kind="need",
        actor=actor(author),
        organization=enterprise,
        data={
            **NEED_DATA,
            "title": "锂电池回收中钴镍高效分离工艺",
            "summary": NEED_DATA["summary"] * 3,
            "background": "公司年处理废旧锂电池两万吨，现有湿法工艺酸耗高、钴镍分离不彻底，"
            "产品纯度达不到电池级要求，急需升级改造。",
            "problem": "现有萃取工艺钴镍回收率低于90%，" * 8,
            "target_indicators": "钴回收率≥98%，镍回收率≥98%",
            "constraints": "不新增危废",
            "budget_negotiable": True,
            "deadline": timezone.localdate() + timedelta(days=90),
            "field": direction(),
        },
        cooperation_modes=list(CooperationMode.objects.all()[:1]),
    )
    assert bare.completeness < 50
    assert full.completeness == 100


def test_region_of_a_listing_may_differ_from_its_organization(enterprise, author, actor):
    need = services.listing_create(
        kind="need",
        actor=actor(author),
        organization=enterprise,
        data={**NEED_DATA, "region": region(SHENZHEN)},
    )
    assert need.region.code == SHENZHEN


def test_owners_are_reminded_once_to_reconfirm_a_listing_about_to_expire(author, enterprise, actor):
    soon = NeedFactory(organization=enterprise, created_by=author, title="快到期的需求")
    soon.expires_at = timezone.now() + timedelta(days=10)
    soon.save()
    NeedFactory(organization=enterprise, created_by=author, title="还早的需求")
    NeedFactory(
        organization=enterprise, created_by=author, status=ListingStatus.DRAFT, title="草稿"
    )

    assert remind_expiring_listings() == 1
    assert remind_expiring_listings() == 0
    reminder = Notification.objects.get(topic=Notification.Topic.LISTING_EXPIRING)
    assert reminder.user == author and "快到期的需求" in reminder.title
    assert reminder.url == soon.get_absolute_url()

    # A re-confirmed listing starts a new period and will be reminded again at its end.
    services.listing_reconfirm(listing=soon, actor=actor(author))
    soon.refresh_from_db()
    assert soon.reconfirm_reminded_at is None
    soon.expires_at = timezone.now() + timedelta(days=5)
    soon.save()
    assert remind_expiring_listings() == 1
