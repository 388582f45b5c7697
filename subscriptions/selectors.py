"""Reads of subscriptions: a person's own, which ones a new listing meets, and previews."""

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from organizations.models import Membership
from repositories.models import Listing
from subscriptions.keywords import keyword_phrases, keywords_match, phrase_tokens
from subscriptions.models import Subscription, SubscriptionHit
from taxonomy.models import Field, Region
from taxonomy.selectors import within_regions_q

PREVIEW_SCAN = 500  # at most this many of the latest candidates are checked for keywords
_SCAN_BATCH = 50


def _with_criteria(queryset: QuerySet[Subscription]) -> QuerySet[Subscription]:
    return queryset.prefetch_related(
        Prefetch("fields", queryset=Field.objects.select_related("parent__parent")),
        Prefetch("regions", queryset=Region.objects.select_related("parent")),
    )


def subscription_list(*, user: User) -> QuerySet[Subscription]:
    """The person's subscriptions, newest first, with their fields and regions loaded."""
    return _with_criteria(Subscription.objects.filter(user=user))


def subscription_get(*, user: User, pk: int) -> Subscription:
    """One of the person's own subscriptions, else 404 (never reveal someone else's)."""
    subscription = _with_criteria(Subscription.objects.filter(user=user, pk=pk)).first()
    if subscription is None:
        raise Http404
    return subscription


def _kind_q(kind: str) -> Q:
    """Subscriptions to every kind (an empty list) or to this one."""
    if connection.features.supports_json_field_contains:
        chosen = Q(kinds__contains=[kind])
    else:
        # SQLite cannot look inside a JSON array; the quoted value is unambiguous in its text.
        chosen = Q(kinds__icontains=f'"{kind}"')
    return Q(kinds=[]) | chosen


def _any_or_one_of(link_model, column, ids):
    """The subscription has no rows in the link table, or one whose `column` is in `ids`."""
    own = link_model.objects.filter(subscription_id=OuterRef("pk"))
    return ~Exists(own) | Exists(own.filter(**{f"{column}__in": ids}))


def subscriptions_match_listing(listing: Listing) -> list[Subscription]:
    """The active subscriptions that a newly published listing meets.

    Kind, fields (a domain or industry covers its descendants) and regions (a province
    covers its cities) are filtered in the database; keywords are then checked in Python
    against the listing's search_text tokens. Only live listings match, and never for the
    listing's author or the active members of its own organization.
    """
    if not listing.is_live:
        return []
    field_ids = [node.pk for node in listing.field.lineage()] if listing.field_id else []
    region_ids = [listing.region_id]
    if listing.region.parent_id:
        region_ids.append(listing.region.parent_id)
    colleagues = Membership.objects.filter(
        user_id=OuterRef("user_id"),
        organization_id=listing.organization_id,
        status=Membership.Status.ACTIVE,
    )
    candidates = (
        Subscription.objects.filter(is_active=True, user__is_active=True)
        .filter(_kind_q(listing.kind))
        .filter(_any_or_one_of(Subscription.fields.through, "field_id", field_ids))
        .filter(_any_or_one_of(Subscription.regions.through, "region_id", region_ids))
        .exclude(user_id=listing.created_by_id)
        .exclude(Exists(colleagues))
        .only("id", "user_id", "name", "frequency", "keyword_tokens")
        .order_by("pk")
    )
    return [s for s in candidates if keywords_match(s.keyword_tokens, listing.search_text)]


def subscription_preview(
    *,
    user: User,
    kinds: Iterable[str] = (),
    fields: Iterable[Field] = (),
    regions: Iterable[Region] = (),
    keywords: str = "",
    limit: int = 10,
) -> list[Listing]:
    """The latest live listings that these criteria meet, as they would be pushed to `user`.

    The same rules as subscriptions_match_listing, run the other way round: the database
    narrows by kind, field, region and (by substring) keyword; the exact token check then
    runs over the newest candidates.
    """
    listings = Listing.objects.live()
    if kinds:
        listings = listings.filter(kind__in=list(kinds))
    fields = list(fields)
    if fields:
        listings = listings.filter(
            Q(field__in=fields) | Q(field__parent__in=fields) | Q(field__parent__parent__in=fields)
        )
    regions = list(regions)
    if regions:
        listings = listings.filter(within_regions_q(regions))
    phrases = [tokens for tokens in map(phrase_tokens, keyword_phrases(keywords)) if tokens]
    if phrases:
        any_phrase = Q()
        for tokens in phrases:
            every_token = Q()
            for token in tokens:
                every_token &= Q(search_text__contains=token)
            any_phrase |= every_token
        listings = listings.filter(any_phrase)
    own_organizations = Membership.objects.filter(
        user=user, status=Membership.Status.ACTIVE
    ).values("organization_id")
    listings = (
        listings.exclude(organization_id__in=own_organizations)
        .exclude(created_by=user)
        .select_related("organization", "region__parent", "field")
        .order_by("-published_at", "-id")
    )
    found = []
    for offset in range(0, PREVIEW_SCAN, _SCAN_BATCH):
        batch = list(listings[offset : offset + _SCAN_BATCH])
        for listing in batch:
            if keywords_match(phrases, listing.search_text):
                found.append(listing)
                if len(found) == limit:
                    return found
        if len(batch) < _SCAN_BATCH:
            break
    return found


def subscription_criteria(subscription: Subscription) -> dict[str, Any]:
    """A saved subscription's criteria, as subscription_preview takes them."""
    return {
        "kinds": subscription.kinds,
        "fields": list(subscription.fields.all()),
        "regions": list(subscription.regions.all()),
        "keywords": subscription.keywords,
    }


def subscription_hits_recent(*, user: User, limit: int = 20) -> list[SubscriptionHit]:
    """The latest live listings the person's subscriptions found, each listing once."""
    hits = (
        SubscriptionHit.objects.filter(subscription__user=user)
        .filter(listing__in=Listing.objects.live())
        .select_related("listing", "subscription")
        .order_by("-created_at", "-id")
    )
    seen, recent = set(), []
    for hit in hits[: limit * 3]:
        if hit.listing_id not in seen:
            seen.add(hit.listing_id)
            recent.append(hit)
        if len(recent) == limit:
            break
    return recent
