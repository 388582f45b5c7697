"""What the repositories announce. Receivers (matching, subscriptions) only enqueue work."""

import threading
from contextlib import contextmanager

from django.dispatch import Signal

# Sent inside the transaction whenever a listing's content or state changes (published,
# edited, re-confirmed, closed, imported). Arguments: listing_id.
listing_changed = Signal()
# Sent after a bulk load (import, demo data) that announced no change of its own.
listings_bulk_changed = Signal()

_deferred = threading.local()


@contextmanager
def listing_changes_deferred():
    """Within this block listing changes are not announced one by one: a bulk load announces
    them together afterwards (listings_bulk_changed), so that they are indexed in batches."""
    _deferred.active = True
    try:
        yield
    finally:
        _deferred.active = False


def listing_changes_are_deferred():
    return getattr(_deferred, "active", False)
