"""The repositories announce every change once, record outcomes in the same transaction, and
the listeners (matching, subscriptions, webhooks) take it from there."""

import pytest
from django.db import transaction

from outcomes.models import OutcomeEvent
from repositories import services
from repositories.models import ListingKind, ListingStatus
from repositories.signals import listing_changed, listing_changes_deferred
from tests.factories import (
    HANGZHOU,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    member_of,
    region,
)
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    listing_ids = []

    def listen(*, listing_id, **kwargs):
        listing_ids.append(listing_id)

    listing_changed.connect(listen, weak=False)
    yield listing_ids
    listing_changed.disconnect(listen)


@pytest.fixture
def enterprise():
    return OrganizationFactory(region=region(HANGZHOU))


@pytest.fixture
def author(enterprise):
    return member_of(enterprise)


def test_closing_a_listing_tells_the_index(enterprise, author, actor, announced):
    need = NeedFactory(organization=enterprise, created_by=author)
    services.listing_close(listing=need, actor=actor(author))
    assert announced == [need.pk]


def test_an_imported_row_is_announced_once(enterprise, author, announced):
    services.listing_import_row(
        kind=ListingKind.NEED,
        organization=enterprise,
        user=author,
        external_id="n-1",
        data={
            "title": "锂电池回收中钴镍高效分离",
            "summary": "寻求湿法回收工艺中钴镍分离的新方法。",
            "problem": "钴镍回收率低于90%，酸耗高。",
        },
        cooperation_modes=[],
        status=ListingStatus.PUBLISHED,
    )
    assert len(announced) == 1


def test_a_bulk_load_announces_nothing_row_by_row(enterprise, author, announced):
    with listing_changes_deferred():
        services.listing_import_row(
            kind=ListingKind.NEED,
            organization=enterprise,
            user=author,
            external_id="n-2",
            data={
                "title": "高温合金叶片精密铸造",
                "summary": "寻求高温合金叶片精密铸造的新工艺。",
                "problem": "叶片铸造缺陷率高，需要新工艺。",
            },
            cooperation_modes=[],
            status=ListingStatus.PUBLISHED,
        )
    assert announced == []


def test_publishing_records_the_outcome_and_sends_the_listing_published_webhook(
    enterprise, author, actor, django_capture_on_commit_callbacks
):
    endpoint = webhook_endpoint_create(
        organization=enterprise,
        actor=actor(author),
        url="https://erp.example.cn/hooks",
        events=["listing.published"],
    )
    need = NeedFactory(organization=enterprise, created_by=author, status=ListingStatus.SUBMITTED)
    staff = cast_staff(HANGZHOU)
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_review(listing=need, actor=actor(staff), approve=True)
    event = OutcomeEvent.objects.get(name=OutcomeEvent.Name.LISTING_PUBLISHED)
    assert (event.subject_type, event.subject_id) == ("listing", need.pk)
    assert (event.organization, event.region_id, event.actor) == (enterprise, need.region_id, staff)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event == "listing.published"
    assert delivery.payload["listing"]["id"] == need.pk
    assert delivery.payload["listing"]["title"] == need.title


def test_the_outcome_is_written_in_the_transaction_of_the_change(enterprise, author, actor):
    need = NeedFactory(organization=enterprise, created_by=author, status=ListingStatus.SUBMITTED)
    staff = cast_staff(HANGZHOU)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.listing_review(listing=need, actor=actor(staff), approve=True)
        raise RuntimeError("the change fails after the review")
    need.refresh_from_db()
    assert need.status == ListingStatus.SUBMITTED
    assert not OutcomeEvent.objects.exists()
