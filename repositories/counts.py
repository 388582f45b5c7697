"""Counting listings at the size of a national platform.

Counting 300,000 listings, or the tens of thousands that hold a common word, reads every one
of them: the home page's figures and the lists' totals are kept in the cache (Redis, shared by
every worker) for COUNT_SECONDS instead, under a generation that any saved or deleted listing
or organization moves on, so a change shows at once. Listings also leave the counts by
expiring, which no save announces: that shows within COUNT_SECONDS. Without Redis each process
keeps its own copies, so another process's change shows within COUNT_SECONDS there too.

A keyword query is counted up to KEYWORD_COUNT_CAP: past that the total would cost more than
the page itself, and nobody reads a thousand results of one query (the browse page says
"more than 1,000", the API's `count` stops there and so do its pages).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.functional import cached_property

COUNT_SECONDS = 60
KEYWORD_COUNT_CAP = 1000
GENERATION_KEY = "listings:generation"
# Timestamps in a query's SQL (the "live" condition reads the clock): left out of cache keys.
_TIMESTAMP = re.compile(r"'?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(\+00:00)?'?(::timestamptz)?")


def listings_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = 1
        cache.add(GENERATION_KEY, generation, timeout=None)
    return generation


def listings_generation_advance(**kwargs) -> None:
    """Receiver: a listing or an organization was saved or deleted."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, 2, timeout=None)


def connect_receivers() -> None:
    from organizations.models import Organization
    from repositories.models import MODEL_BY_KIND, Listing

    for model in (Listing, *MODEL_BY_KIND.values(), Organization):
        for signal in (post_save, post_delete):
            signal.connect(listings_generation_advance, sender=model, dispatch_uid=f"count-{model}")
    m2m_changed.connect(
        listings_generation_advance,
        sender=Listing.cooperation_modes.through,
        dispatch_uid="count-modes",
    )


def cached(name: str, compute, *, parts=()):
    """compute(), kept COUNT_SECONDS under this generation of the listings."""
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()
    key = f"listings:{name}:{listings_generation()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, COUNT_SECONDS)
    return value


def query_key(queryset: QuerySet) -> str:
    """The query's SQL without its timestamps: the same list asked again gives the same key."""
    return _TIMESTAMP.sub("?", str(queryset.query))


def count_listings(queryset: QuerySet, *, cap: int | None = None) -> int:
    """The number of rows, up to `cap` + 1 (more than `cap`), from the cache when it can."""

    plain = queryset.order_by()

    def compute():
        return plain.count() if cap is None else plain[: cap + 1].count()

    try:
        key = query_key(plain)
    except EmptyResultSet:  # a condition no row can meet (an empty list of ids)
        return 0
    return cached("count", compute, parts=(cap, key))


class _Rows(Sequence):
    """A page's rows, read when first used: a page whose HTML is in the cache never is."""

    def __init__(self, read):
        self._read, self._rows = read, None

    def _all(self):
        if self._rows is None:
            self._rows = list(self._read())
        return self._rows

    def __getitem__(self, index):
        return self._all()[index]

    def __len__(self):
        return len(self._all())


class ListingPaginator(Paginator):
    """Pages of listings with a cached total, counted up to KEYWORD_COUNT_CAP for a keyword
    query (`count_capped` then says that more matched; the pages end there). A page's rows
    are read when first used."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(_Rows(lambda: self.object_list[bottom:top]), number, self)

    @cached_property
    def cap(self):
        listings = self.object_list
        by_keywords = getattr(listings, "ranked_by_keywords", False) or getattr(
            listings, "count_capped_by_keywords", False
        )
        return KEYWORD_COUNT_CAP if by_keywords else None

    @cached_property
    def _counted(self):
        # Parts that together hold the list's rows, each counted (and cached) on its own: the
        # part every reader shares stays in the cache for all of them.
        parts = getattr(self.object_list, "count_parts", None) or [self.object_list]
        return sum(count_listings(part, cap=self.cap) for part in parts)

    @cached_property
    def count(self):
        return self._counted if self.cap is None else min(self._counted, self.cap)

    @cached_property
    def count_capped(self):
        return self.cap is not None and self._counted > self.cap
