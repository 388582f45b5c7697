"""Matching listens to what the lower apps announce and enqueues its work (never more)."""

from django.dispatch import receiver

from matching import tasks
from organizations.models import Organization
from organizations.signals import organization_changed
from repositories.signals import listing_changed, listings_bulk_changed


@receiver(listing_changed)
def index_changed_listing(*, listing_id, **kwargs):
    tasks.enqueue_on_commit(tasks.index_and_match_listing, listing_id)


@receiver(listings_bulk_changed)
def index_bulk_changed_listings(**kwargs):
    tasks.enqueue_on_commit(tasks.index_and_match_all_dirty)


@receiver(organization_changed)
def index_changed_team(*, organization_id, **kwargs):
    # Only expert service teams are matched; other organizations cost nothing to skip here.
    if Organization.objects.filter(
        pk=organization_id, kind=Organization.Kind.SERVICE_TEAM
    ).exists():
        tasks.enqueue_on_commit(tasks.index_team, organization_id)
