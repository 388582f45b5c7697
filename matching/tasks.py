"""Celery tasks of the matching engine: each takes ids only and is safe to run twice."""

import logging
from collections.abc import Callable
from functools import partial

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction

from matching import indexing
from matching.services import matches_refresh
from search.backends import get_backend
from search.backends.base import IndexBusy

logger = logging.getLogger(__name__)


def _send(task, *args):
    try:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # No worker: the task runs here, inside the request (or command) that saved, so it
            # waits for the index's write lock only so long, and leaves the rest to the sweep.
            with get_backend().lock_wait_limit(settings.SEARCH_REQUEST_LOCK_WAIT):
                task.delay(*args)
        else:
            task.delay(*args)
    except IndexBusy as error:
        logger.warning("%s%s gave up: %s; the index sweep will retry", task.name, args, error)
    except Exception:
        # A save never fails for the index: the listing stays dirty and the sweep takes it.
        logger.exception("Could not run %s%s; the index sweep will retry", task.name, args)


def enqueue_on_commit(task: Task, *args: object) -> None:
    """Run the task once the current transaction commits; a broker outage, or an index held
    by another writer past SEARCH_REQUEST_LOCK_WAIT, is logged, never raised, and the sweep
    takes what it left."""
    transaction.on_commit(partial(_send, task, *args))


@shared_task(acks_late=True, ignore_result=True)
def index_and_match_listing(listing_id: int):
    """A listing changed: bring it into (or out of) the index, then propose its matches."""
    indexing.index_listing(listing_id)
    matches_refresh(listing_id=listing_id)


@shared_task(acks_late=True, ignore_result=True)
def index_team(organization_id: int):
    indexing.index_team(organization_id)


@shared_task(acks_late=True, ignore_result=True)
def sweep_dirty_index():
    """Every few minutes (beat): whatever a lost task or a broker outage left unindexed."""
    index_and_match_dirty(settings.MATCHING["sweep_batch"])


def index_and_match_dirty(
    limit: int | None, *, progress: Callable[[int], object] | None = None
) -> None:
    """Index dirty teams and listings (in batches), then propose matches for the listings."""
    for organization_id in indexing.dirty_team_ids(limit):
        indexing.index_team(organization_id)
    handled = indexing.index_dirty_listings(limit, progress=progress)
    for start in range(0, len(handled), indexing.BATCH):
        batch = handled[start : start + indexing.BATCH]
        # Embedded together as queries: a batch is several times faster than one at a time.
        vectors = indexing.query_vectors(batch)
        for listing_id in batch:
            matches_refresh(listing_id=listing_id, vectors=vectors.get(listing_id))


@shared_task(acks_late=True, ignore_result=True)
def index_and_match_all_dirty():
    """After a bulk load: every dirty listing, embedded in batches."""
    index_and_match_dirty(None)


@shared_task(acks_late=True, ignore_result=True)
def reconcile_index():
    """Daily (beat): the index against the database, then the sweep takes what it marked."""
    indexing.index_reconcile()
    sweep_dirty_index()


@shared_task(acks_late=True, ignore_result=True)
def rematch_live_needs():
    """Weekly (beat): needs meet the supply published since they were matched."""
    from repositories.models import Listing, ListingKind

    for listing_id in (
        Listing.objects.live().filter(kind=ListingKind.NEED).values_list("pk", flat=True)
    ):
        rematch_listing.delay(listing_id)


@shared_task(acks_late=True, ignore_result=True)
def rematch_listing(listing_id: int):
    matches_refresh(listing_id=listing_id)


@shared_task(ignore_result=True)
def retrain_ranker():
    """Nightly (beat): a new ranker model when enough new decisions exist; it becomes active
    only if it ranks held-back decisions better (matching.services.ranker_retrain)."""
    from matching.services import ranker_retrain

    ranker_retrain()
