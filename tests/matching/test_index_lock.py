"""A publish never hangs on the search index: while another process holds the embedded index's
write lock, the publish that indexes inline (no task queue) gives up after
SEARCH_REQUEST_LOCK_WAIT, the listing is published and stays dirty, and the sweep indexes it
once the lock is free."""

import logging
import subprocess
import sys

import pytest

from matching.models import Match
from matching.tasks import index_and_match_dirty, sweep_dirty_index
from organizations.models import Organization
from repositories import services as listing_services
from repositories.models import Listing, ListingStatus
from search.backends import get_backend
from tests.factories import AchievementFactory, NeedFactory, OrganizationFactory, cast_staff
from tests.matching.test_matching_flow import ANSWER, NEED

pytestmark = pytest.mark.django_db

# Takes the index's write lock as any other writer would (BEGIN IMMEDIATE: a worker, a sweep, a
# rebuild), says so, and holds it until told on stdin, or at most `safety` seconds: long enough
# for a bounded publish to give up many times over, short enough for an unbounded one (the bug)
# to get the lock back and index, so that the test fails on the state instead of hanging.
HOLDER = """
import select, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE state SET version = version")
print("held", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))
conn.execute("ROLLBACK")
print("released", flush=True)
"""


@pytest.fixture
def index(settings, tmp_path, real_model):
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    # Small, so the test is quick; the default is a few seconds.
    settings.SEARCH_REQUEST_LOCK_WAIT = 0.2
    return get_backend()


@pytest.fixture
def hold_index_lock(index, settings):
    """hold_index_lock() → the process holding the index's write lock; released by
    release(process), or at the latest when the test ends."""
    holders = []

    def hold(safety=20):
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                HOLDER,
                str(settings.SEARCH_INDEX_DIR / "index.sqlite3"),
                str(safety),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        holders.append(process)
        assert process.stdout.readline() == "held\n"
        return process

    yield hold
    for process in holders:
        release(process)


def release(process):
    if process.poll() is None:
        process.stdin.write("go\n")
        process.stdin.flush()
    process.wait(timeout=30)


def test_a_publish_gives_up_on_a_held_index_and_the_sweep_indexes_it_later(
    index, hold_index_lock, django_capture_on_commit_callbacks, actor, caplog
):
    answer = AchievementFactory(
        organization=OrganizationFactory(kind=Organization.Kind.INSTITUTION), **ANSWER
    )
    index_and_match_dirty(limit=None)
    need = NeedFactory(status=ListingStatus.SUBMITTED, **NEED)
    staff = cast_staff(need.region.code)
    holder = hold_index_lock()

    with (
        caplog.at_level(logging.WARNING, logger="matching.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        listing_services.listing_review(listing=need, actor=actor(staff), approve=True)

    # The publish came back while the other process still held the lock…
    assert holder.poll() is None
    need.refresh_from_db()
    assert need.status == ListingStatus.PUBLISHED
    # …and left the need dirty, unindexed and unmatched, saying why and after how long.
    assert need.indexed_at is None
    assert Listing.objects.filter(pk=need.pk, indexed_at__isnull=True).exists()
    assert f"need:{need.pk}" not in get_backend().ids()
    assert not Match.objects.filter(need=need).exists()
    (record,) = [r for r in caplog.records if r.name == "matching.tasks"]
    assert record.levelno == logging.WARNING
    assert f"index_and_match_listing({need.pk},) gave up" in record.getMessage()
    assert "over 0.2 s" in record.getMessage()
    assert "sweep will retry" in record.getMessage()

    release(holder)
    assert holder.stdout.read() == "released\n"
    sweep_dirty_index()
    need.refresh_from_db()
    assert need.indexed_at is not None
    assert f"need:{need.pk}" in get_backend().ids()
    assert Match.objects.filter(need=need, supply_listing=answer).exists()


def test_an_approved_revision_waits_for_the_sweep_and_the_old_version_stays_searchable(
    index, hold_index_lock, django_capture_on_commit_callbacks, actor
):
    """The revised text replaces the old in one write: until the sweep can write, searches
    still find the listing (as it was), never nothing."""
    need = NeedFactory(**NEED)
    index_and_match_dirty(limit=None)
    need = listing_services.listing_update(
        listing=need, actor=actor(need.created_by), data={"title": "LED手电筒红外感应开关改进"}
    )
    staff = cast_staff(need.region.code)
    holder = hold_index_lock()

    with django_capture_on_commit_callbacks(execute=True):
        listing_services.listing_review(listing=need, actor=actor(staff), approve=True)

    assert holder.poll() is None
    need.refresh_from_db()
    assert need.title == "LED手电筒红外感应开关改进"
    assert need.indexed_at < need.updated_at
    assert f"need:{need.pk}" in get_backend().ids()

    release(holder)
    sweep_dirty_index()
    need.refresh_from_db()
    assert need.indexed_at >= need.updated_at
