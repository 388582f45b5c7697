"""Reads of listings, every one scoped to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.query import ModelIterable
from django.http import Http404
from django.utils import timezone

from repositories import counts
from repositories.models import (
    MODEL_BY_KIND,
    DetailAccessRequest,
    Listing,
    ListingKind,
    ListingStatus,
    PendingStatus,
)
from search.backends.base import reciprocal_rank_fusion
from search.ranking import rank_by_keywords, rank_by_meaning
from search.text import tokenize

if TYPE_CHECKING:
    from organizations.selectors import Actor

# Keyword results ranked by BM25 from the search index; any further matches follow by date.
RELEVANCE_DEPTH = 500
# Fewer listings than this holding every word of the query: add those that hold some of the
# words or say the same thing in other words, after them.
FEW_RESULTS = 5
BROADENED_RESULTS = 20
# e5 cosine of a short query to a passage or title: below the floor, or further than the
# margin below the best hit, a listing is about something else (measured: the related ones
# 0.87-0.91, unrelated passages up to 0.867).
SEMANTIC_MIN_SIMILARITY = 0.87
SEMANTIC_MARGIN = 0.04

# Statuses a reviewer sees in their region: everything but the author's private drafts.
REVIEWER_STATUSES = [
    ListingStatus.SUBMITTED,
    ListingStatus.PUBLISHED,
    ListingStatus.RETURNED,
    ListingStatus.CLOSED,
]


def _live_q():
    return Q(status=ListingStatus.PUBLISHED, expires_at__gt=timezone.now())


def listing_visibility_q(*, actor: Actor) -> Q:
    """Live listings for everyone; any state of one's own; the non-draft ones of one's region."""
    if actor.is_superuser:
        return Q()
    visible = _live_q()
    if actor.organization_ids:
        visible |= Q(organization_id__in=actor.organization_ids)
    if actor.mandated_listings:
        visible |= Q(pk__in=list(actor.mandated_listings))
    if actor.review_region_ids:
        visible |= Q(region_id__in=actor.review_region_ids, status__in=REVIEWER_STATUSES)
    return visible


def _with_relations(queryset):
    return queryset.select_related(
        "organization", "field__parent__parent", "region__parent"
    ).prefetch_related("cooperation_modes")


def listing_get(*, actor: Actor, kind: str, pk: int) -> Listing:
    """The listing if the actor may see it, else 404 (never reveal that it exists)."""
    model = MODEL_BY_KIND.get(kind)
    if model is None:
        raise Http404
    queryset = _with_relations(model.objects.filter(listing_visibility_q(actor=actor)))
    listing = queryset.filter(pk=pk).first()
    if listing is None:
        raise Http404
    return listing


def keyword_q(query: str) -> Q:
    """Every token of the query must occur in the listing's tokenized text (on PostgreSQL
    through its GIN index: repositories.lookups)."""
    tokens = tuple(dict.fromkeys(tokenize(query)))
    return Q(search_text__holds_tokens=tokens) if tokens else Q()


@dataclass
class KeywordResults:
    listings: QuerySet
    # True when too few listings held every word and related ones were added after them.
    broadened: bool = False


class KeywordRankedQuerySet(QuerySet):
    """Listings holding every word: `ranked_pks` (BM25 order from the search index) first, then
    the others newest first.

    Ordering all the listings that hold a common word by their rank would read every one of
    them (tens of thousands at 300,000 listings) for each page. A page is read instead from the
    ranked ids: those that `unranked` (the listings before the keywords narrowed them) holds
    and whose tokens hold every word, looked up by primary key in growing batches; once they
    run out, from the others in date order (an index). The SQL orders by date; reading the
    whole queryset puts the ranked ones first in Python. Another order (order_by) makes it a
    plain queryset. Narrow the listings before the keywords, not after.
    """

    ranked_by_keywords = True
    ranked_pks: tuple = ()
    tokens: frozenset = frozenset()
    unranked: QuerySet | None = None

    @classmethod
    def of(cls, listings: QuerySet, *, query: str, ranked_pks) -> KeywordRankedQuerySet:
        every_word = listings.filter(keyword_q(query)).order_by("-published_at", "-id")
        ranked = cls(
            model=every_word.model,
            query=every_word.query.chain(),
            using=every_word._db,
            hints=every_word._hints,
        )
        ranked._prefetch_related_lookups = every_word._prefetch_related_lookups
        ranked.ranked_pks = tuple(ranked_pks)
        ranked.tokens = frozenset(tokenize(query))
        ranked.unranked = listings.order_by().prefetch_related(None).select_related(None)
        return ranked

    def _clone(self):
        clone = super()._clone()
        clone.ranked_pks, clone.tokens, clone.unranked = self.ranked_pks, self.tokens, self.unranked
        return clone

    def order_by(self, *field_names):
        clone = super().order_by(*field_names)
        clone.__class__ = QuerySet
        return clone

    def _fetch_all(self):
        ranked = self._result_cache is None and self._iterable_class is ModelIterable
        super()._fetch_all()
        if ranked and self.ranked_pks:
            ranks = {pk: rank for rank, pk in enumerate(self.ranked_pks)}
            self._result_cache.sort(key=lambda listing: ranks.get(listing.pk, len(ranks)))

    def __getitem__(self, k):
        if isinstance(k, int) and k >= 0 and self._result_cache is None:
            return self[k : k + 1][0]
        if (
            not isinstance(k, slice)
            or k.step is not None
            or k.stop is None
            or self._result_cache is not None
            or self.query.is_sliced
        ):
            return super().__getitem__(k)
        start, stop = k.start or 0, k.stop
        present = self.ranked_present(stop)
        page = list(self.filter(pk__in=present[start:stop])) if start < len(present) else []
        if len(page) < stop - start and len(present) < stop:
            # Every ranked id was looked at: the others follow in date order.
            rest = self.exclude(pk__in=present).order_by("-published_at", "-id")
            offset = max(0, start - len(present))
            page += list(rest[offset : offset + (stop - start) - len(page)])
        return page

    def ranked_present(self, wanted: int) -> list[int]:
        """The first `wanted` ranked ids that this queryset holds (all of them when fewer);
        the ids looked at so far are remembered for the next call."""
        looked = self.__dict__.setdefault("_looked", {"position": 0, "present": []})
        batch = max(2 * wanted, 40)
        while looked["position"] < len(self.ranked_pks) and len(looked["present"]) < wanted:
            ids = self.ranked_pks[looked["position"] : looked["position"] + batch]
            texts = dict(self.unranked.filter(pk__in=ids).values_list("pk", "search_text"))
            looked["present"] += [
                pk for pk in ids if pk in texts and self.tokens <= set(texts[pk].split())
            ]
            looked["position"] += batch
            batch *= 4
        return looked["present"]


def _ranking_cached(*, kind, query, index_filters):
    """rank_by_keywords, kept COUNT_SECONDS for everyone: a popular query is ranked once a
    minute, not on every page (BM25 over 40,000 holders of a common word costs ~50 ms on
    300,000 listings). Listings indexed since come after the ranked ones, newest first."""
    return counts.cached(
        "ranking",
        lambda: rank_by_keywords(
            kind=kind, query=query, limit=RELEVANCE_DEPTH, filters=index_filters
        ),
        parts=(kind, tuple(tokenize(query)), sorted((index_filters or {}).items())),
    )


def _holding_most_words(listings, pks, query):
    """Of `pks` (in order), those whose text holds at least half of the query's words: one
    common word shared (检测, 技术) says little."""
    words = set(tokenize(query))
    needed = (len(words) + 1) // 2
    texts = dict(listings.filter(pk__in=pks).values_list("pk", "search_text"))
    return [pk for pk in pks if pk in texts and len(words & set(texts[pk].split())) >= needed]


def listing_keyword_search(
    listings: QuerySet, *, kind: str, query: str, index_filters: dict[str, str] | None = None
) -> KeywordResults:
    """`listings` narrowed to the query, most relevant first (then newest).

    Listings holding every word come first, by BM25; when there are fewer than FEW_RESULTS,
    the listings best matching some of the words (BM25) or the meaning (e5) follow, fused by
    reciprocal rank. The browse pages and the API rank alike through this one function.
    `index_filters` narrow the ranking as `listings` are narrowed (province, field code), so
    that its depth is spent on listings that can be shown.
    """
    order = ["relevance_rank", "-published_at", "-id"]
    if not tokenize(query):
        return KeywordResults(listings.order_by("-published_at", "-id"))
    by_keywords = _ranking_cached(kind=kind, query=query, index_filters=index_filters)
    ranked = KeywordRankedQuerySet.of(listings, query=query, ranked_pks=by_keywords)
    # Enough ranked listings hold every word (the first page reads them anyway), or else up
    # to FEW_RESULTS rows are counted: not all of them.
    if (
        len(ranked.ranked_present(FEW_RESULTS)) >= FEW_RESULTS
        or ranked.order_by()[:FEW_RESULTS].count() >= FEW_RESULTS
    ):
        return KeywordResults(ranked)
    every_word = listings.filter(keyword_q(query))
    by_meaning = rank_by_meaning(
        kind=kind,
        query=query,
        limit=BROADENED_RESULTS,
        min_similarity=SEMANTIC_MIN_SIMILARITY,
        within_best=SEMANTIC_MARGIN,
        filters=index_filters,
    )
    exact = set(every_word.values_list("pk", flat=True))
    by_some_words = _holding_most_words(listings, by_keywords[: 2 * BROADENED_RESULTS], query)
    fused = reciprocal_rank_fusion(
        [[(pk, None) for pk in by_some_words], [(pk, None) for pk in by_meaning]]
    )
    related = [pk for pk, _score in fused if pk not in exact][:BROADENED_RESULTS]
    # Exact ones first in BM25 order (those the index did not rank by date), then the related
    # ones in fused order.
    exact_ranked = [pk for pk in by_keywords if pk in exact]
    unranked_rank = len(exact_ranked)
    ranks = {pk: rank for rank, pk in enumerate(exact_ranked)}
    ranks.update((pk, unranked_rank) for pk in exact - set(exact_ranked))
    ranks.update((pk, unranked_rank + 1 + rank) for rank, pk in enumerate(related))
    combined = listings.filter(pk__in=ranks).annotate(
        relevance_rank=Case(
            *(When(pk=pk, then=Value(rank)) for pk, rank in ranks.items()),
            output_field=IntegerField(),
        )
    )
    return KeywordResults(combined.order_by(*order), broadened=bool(related))


def listing_list_live(*, kind: str) -> QuerySet:
    """Live listings of one kind with what their cards show, newest first (the browse pages
    narrow and rank them with repositories.filters)."""
    # `kind` repeats what the child table says, so that the index of the newest published
    # listings of a kind (listing_published_newest) serves the order.
    listings = MODEL_BY_KIND[kind].objects.filter(_live_q(), kind=kind)
    return _with_relations(listings).order_by("-published_at", "-id")


def listing_list_visible(*, actor: Actor, kind: str) -> QuerySet:
    """Every listing of a kind that the actor may see, in any state (for the API)."""
    return MODEL_BY_KIND[kind].objects.filter(listing_visibility_q(actor=actor))


def listing_list_visible_parts(*, actor: Actor, kind: str) -> tuple[QuerySet, QuerySet] | None:
    """What listing_list_visible holds, as the live listings (the same for everyone) and the
    others the actor may see (their own, their region's): counting the two apart lets every
    organization share the count of the first (repositories.counts). None when there is one
    part only (a visitor, a superuser)."""
    if actor.is_superuser or not (actor.organization_ids or actor.review_region_ids):
        return None
    others = Q(pk__in=[])
    if actor.organization_ids:
        others |= Q(organization_id__in=actor.organization_ids)
    if actor.review_region_ids:
        others |= Q(region_id__in=actor.review_region_ids, status__in=REVIEWER_STATUSES)
    listings = MODEL_BY_KIND[kind].objects
    # Read through the organization's (or region's) index: `others` is spelled without the
    # live condition, which would let the planner read every listing holding the keywords.
    return listings.filter(_live_q()), listings.filter(others).exclude(_live_q())


def listing_list_mine(*, actor: Actor, status: str | None = None) -> QuerySet:
    listings = Listing.objects.filter(organization_id__in=actor.organization_ids)
    if status:
        listings = listings.filter(status=status)
    return listings.select_related("organization", "field", "region").order_by("-updated_at")


def _awaiting_review_q():
    return Q(status=ListingStatus.SUBMITTED) | Q(
        status=ListingStatus.PUBLISHED, pending_status=PendingStatus.SUBMITTED
    )


def listing_list_for_review(*, actor: Actor) -> QuerySet:
    """The review queue: submitted listings and pending revisions of published ones, in the
    regions the actor's CAST office covers."""
    listings = Listing.objects.filter(_awaiting_review_q())
    if not actor.is_superuser:
        listings = listings.filter(region_id__in=actor.review_region_ids)
    return listings.select_related("organization", "field", "region__parent").order_by(
        "submitted_at"
    )


def access_request_list_for_owner(*, actor: Actor) -> QuerySet:
    return (
        DetailAccessRequest.objects.filter(
            listing__organization_id__in=actor.organization_ids,
            status=DetailAccessRequest.Status.PENDING,
        )
        .select_related("listing", "organization", "requested_by")
        .order_by("created_at")
    )


def listing_counts_live() -> dict[str, int]:
    """Live listings per kind, for the home page: from the cache (repositories.counts), as
    counting them reads every live listing."""

    def compute():
        rows = Listing.objects.filter(_live_q()).values("kind").annotate(total=Count("id"))
        totals = {kind: 0 for kind in ListingKind.values}
        totals.update({row["kind"]: row["total"] for row in rows.order_by()})
        return totals

    return counts.cached("live-per-kind", compute)


def listing_ids_with_granted_details(*, actor: Actor) -> set[int]:
    """IDs of other organizations' listings whose details the actor's organizations were granted."""
    if not actor.organization_ids:
        return set()
    return set(
        DetailAccessRequest.objects.filter(
            organization_id__in=actor.organization_ids,
            status=DetailAccessRequest.Status.GRANTED,
        ).values_list("listing_id", flat=True)
    )
