"""Reads of listings, every one scoped to what the actor may see."""

from datetime import timedelta

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404
from django.utils import timezone

from matching import indexing
from matching.text import tokenize
from repositories.models import (
    Achievement,
    DetailAccessRequest,
    Listing,
    ListingKind,
    ListingStatus,
    Need,
    Project,
    Talent,
)

# Keyword results ranked by BM25 from the search index; any further matches follow by date.
RELEVANCE_DEPTH = 500

MODEL_BY_KIND = {
    ListingKind.NEED: Need,
    ListingKind.ACHIEVEMENT: Achievement,
    ListingKind.PROJECT: Project,
    ListingKind.TALENT: Talent,
}

# Statuses a reviewer sees in their region: everything but the author's private drafts.
REVIEWER_STATUSES = [
    ListingStatus.SUBMITTED,
    ListingStatus.PUBLISHED,
    ListingStatus.RETURNED,
    ListingStatus.CLOSED,
]


def _live_q():
    return Q(status=ListingStatus.PUBLISHED, expires_at__gt=timezone.now())


def listing_visibility_q(*, actor):
    """Live listings for everyone; any state of one's own; the non-draft ones of one's region."""
    if actor.is_superuser:
        return Q()
    visible = _live_q()
    if actor.organization_ids:
        visible |= Q(organization_id__in=actor.organization_ids)
    if actor.review_region_ids:
        visible |= Q(region_id__in=actor.review_region_ids, status__in=REVIEWER_STATUSES)
    return visible


def _with_relations(queryset):
    return queryset.select_related(
        "organization", "field__parent__parent", "region__parent"
    ).prefetch_related("cooperation_modes")


def listing_get(*, actor, kind, pk):
    """The listing if the actor may see it, else 404 (never reveal that it exists)."""
    model = MODEL_BY_KIND.get(kind)
    if model is None:
        raise Http404
    queryset = _with_relations(model.objects.filter(listing_visibility_q(actor=actor)))
    listing = queryset.filter(pk=pk).first()
    if listing is None:
        raise Http404
    return listing


def keyword_q(query):
    """Every token of the query must occur in the listing's tokenized text."""
    condition = Q()
    for token in dict.fromkeys(tokenize(query)):
        condition &= Q(search_text__contains=token)
    return condition


def listing_search(
    *,
    kind,
    query="",
    field=None,
    region=None,
    cooperation_mode=None,
    maturity=None,
    published_within_days=None,
    queryset=None,
):
    """Live listings of one kind, filtered as the browse pages and the API offer: newest
    first, or with a keyword query the most relevant (BM25) first."""
    model = MODEL_BY_KIND[kind]
    listings = queryset if queryset is not None else model.objects.filter(_live_q())
    order = ["-published_at", "-id"]
    if query.strip():
        listings = listings.filter(keyword_q(query))
        ranked = indexing.listing_pks_by_relevance(kind, query, RELEVANCE_DEPTH)
        if ranked:
            listings = listings.annotate(
                relevance_rank=Case(
                    *(When(pk=pk, then=Value(rank)) for rank, pk in enumerate(ranked)),
                    default=Value(len(ranked)),
                    output_field=IntegerField(),
                )
            )
            order.insert(0, "relevance_rank")
    if field is not None:
        listings = listings.filter(field__code__startswith=field.code)
    if region is not None:
        listings = listings.filter(Q(region=region) | Q(region__parent=region))
    if cooperation_mode is not None:
        listings = listings.filter(cooperation_modes=cooperation_mode)
    if maturity and kind == ListingKind.ACHIEVEMENT:
        listings = listings.filter(maturity__gte=maturity)
    if published_within_days:
        since = timezone.now() - timedelta(days=published_within_days)
        listings = listings.filter(published_at__gte=since)
    return _with_relations(listings).distinct().order_by(*order)


def listing_list_visible(*, actor, kind):
    """Every listing of a kind that the actor may see, in any state (for the API)."""
    return MODEL_BY_KIND[kind].objects.filter(listing_visibility_q(actor=actor))


def listing_list_mine(*, actor, status=None):
    listings = Listing.objects.filter(organization_id__in=actor.organization_ids)
    if status:
        listings = listings.filter(status=status)
    return listings.select_related("organization", "field", "region").order_by("-updated_at")


def listing_list_for_review(*, actor):
    """The review queue: submitted listings in the regions the actor's CAST office covers."""
    listings = Listing.objects.filter(status=ListingStatus.SUBMITTED)
    if not actor.is_superuser:
        listings = listings.filter(region_id__in=actor.review_region_ids)
    return listings.select_related("organization", "field", "region__parent").order_by(
        "submitted_at"
    )


def listing_can_edit(*, actor, listing):
    return (
        listing.organization_id in actor.organization_ids and listing.status != ListingStatus.CLOSED
    )


def listing_can_review(*, actor, listing):
    return listing.status == ListingStatus.SUBMITTED and actor.can_review_region(listing.region_id)


def listing_can_see_details(*, actor, listing, granted_ids=None):
    """Confidential details: the owner, the region's reviewers, and organizations granted access.

    Pass `granted_ids` (from listing_ids_with_granted_details) when checking many listings.
    """
    if listing.organization_id in actor.organization_ids or actor.can_review_region(
        listing.region_id
    ):
        return True
    if granted_ids is None:
        granted_ids = listing_ids_with_granted_details(actor=actor)
    return listing.pk in granted_ids


def access_request_list_for_owner(*, actor):
    return (
        DetailAccessRequest.objects.filter(
            listing__organization_id__in=actor.organization_ids,
            status=DetailAccessRequest.Status.PENDING,
        )
        .select_related("listing", "organization", "requested_by")
        .order_by("created_at")
    )


def listing_counts_live():
    """Live listings per kind, for the home page."""
    rows = Listing.objects.filter(_live_q()).values("kind").annotate(total=Count("id"))
    counts = {kind: 0 for kind in ListingKind.values}
    counts.update({row["kind"]: row["total"] for row in rows})
    return counts


def listing_ids_with_granted_details(*, actor):
    """IDs of other organizations' listings whose details the actor's organizations were granted."""
    if not actor.organization_ids:
        return set()
    return set(
        DetailAccessRequest.objects.filter(
            organization_id__in=actor.organization_ids,
            status=DetailAccessRequest.Status.GRANTED,
        ).values_list("listing_id", flat=True)
    )
