"""Reads of matches, scoped to what the actor may see."""

from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.timezone import now

from matching.models import Match, MatchAnswer
from organizations.models import Organization
from organizations.selectors import Actor
from repositories.models import Listing, ListingStatus
from taxonomy.models import CooperationMode, Field


def _live_listing_q(relation: str) -> Q:
    """The listing at `relation` is live: published (its reviewed version) and not expired."""
    return Q(
        **{f"{relation}__status": ListingStatus.PUBLISHED, f"{relation}__expires_at__gt": now()}
    )


def match_visibility_q(*, actor: Actor) -> Q:
    """Both parties see their matches once the CAST staff approved and pushed them, never
    before, and only while the other side is live: a listing published and not expired, a
    team verified. A listing closed, expired or back in review (and a team renamed, awaiting
    verification again) no longer shows through its matches to the other side, whose view
    would otherwise carry text no reviewer has checked; its owner still sees them. The CAST
    staff of the need's region see all of that region's."""
    if actor.is_superuser:
        return Q()
    visible = Q(pk__in=[])
    if actor.organization_ids:
        need_side = Q(need__organization_id__in=actor.organization_ids)
        supply_side = Q(supply_listing__organization_id__in=actor.organization_ids) | Q(
            supply_team_id__in=actor.organization_ids
        )
        supply_live = _live_listing_q("supply_listing") | Q(
            supply_team__status=Organization.Status.VERIFIED
        )
        party = Q(status=Match.Status.APPROVED) & (
            (need_side & supply_live) | (supply_side & _live_listing_q("need"))
        )
        if not actor.review_region_ids:
            # Only matches of their own listings (or team) can be theirs: read through the
            # indexes of these columns, a few hundred matches instead of all (300,000 listings).
            own = list(
                Listing.objects.filter(organization_id__in=actor.organization_ids)
                .order_by()
                .values_list("pk", flat=True)
            )
            party &= (
                Q(need_id__in=own)
                | Q(supply_listing_id__in=own)
                | Q(supply_team_id__in=actor.organization_ids)
            )
        visible |= party
    if actor.review_region_ids:
        visible |= Q(region_id__in=actor.review_region_ids)
    return visible


def match_list(*, actor: Actor, queryset: QuerySet[Match] | None = None) -> QuerySet[Match]:
    queryset = Match.objects.all() if queryset is None else queryset
    return (
        queryset.filter(match_visibility_q(actor=actor))
        .select_related(
            "need__organization",
            "need__region__parent",
            "supply_listing__organization",
            "supply_team",
            "region__parent",
        )
        .prefetch_related("answers")
    )


def match_get(*, actor: Actor, pk: int) -> Match:
    match = match_list(actor=actor).filter(pk=pk).first()
    if match is None:
        raise Http404
    return match


def _awaiting_review_q(*, actor: Actor, prefix: str = "") -> Q:
    """Proposed matches in the actor's regions; `prefix` reaches them through a relation."""
    q = Q(**{f"{prefix}status": Match.Status.PROPOSED})
    if not actor.is_superuser:
        q &= Q(**{f"{prefix}region_id__in": actor.review_region_ids})
    return q


def match_review_queue(*, actor: Actor) -> QuerySet[Match]:
    """Proposed matches awaiting the actor's review, by need, each need's best first."""
    if not actor.is_staff_reviewer:
        return Match.objects.none()
    queryset = Match.objects.filter(_awaiting_review_q(actor=actor))
    return match_list(actor=actor, queryset=queryset).order_by("need_id", "-degree", "-score", "id")


def match_review_queue_needs(*, actor: Actor) -> QuerySet[Listing]:
    """The needs with proposals awaiting the actor's review, the one with the best proposal
    first; each carries `pending_matches`, best first, and `pending_count`."""
    queue = match_review_queue(actor=actor)
    pending = _awaiting_review_q(actor=actor, prefix="matches_as_need__")
    return (
        Listing.objects.filter(pk__in=queue.values("need_id"))
        .annotate(
            best_degree=Max("matches_as_need__degree", filter=pending),
            pending_count=Count("matches_as_need", filter=pending),
        )
        .select_related("organization", "region__parent")
        .prefetch_related(
            Prefetch(
                "matches_as_need",
                queryset=queue.order_by("-degree", "-score", "id"),
                to_attr="pending_matches",
            )
        )
        .order_by("-best_degree", "-pk")
    )


def need_has_proposals(*, need: Listing) -> bool:
    """Whether the matcher proposed anything for the need that the staff have not rejected."""
    return Match.objects.filter(need=need).exclude(status=Match.Status.REJECTED).exists()


def explanation_names() -> dict[str, dict]:
    """Cooperation modes and technical fields by code: two queries for all the explanations
    on a page."""
    return {
        "modes": {mode.code: mode for mode in CooperationMode.objects.all()},
        "fields": {field.code: field for field in Field.objects.all()},
    }


def match_statistics(*, actor: Actor) -> dict[str, Any]:
    """Counts of the matches the actor reviews: by status, and answers by kind and reason."""
    matches = Match.objects.filter(match_visibility_q(actor=actor))
    answers = MatchAnswer.objects.filter(match__in=matches)
    by_reason = dict(
        answers.filter(answer=MatchAnswer.Answer.NOT_RELEVANT)
        .values_list("reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "by_status": dict(matches.values_list("status").annotate(n=Count("id")).order_by()),
        "by_answer": dict(answers.values_list("answer").annotate(n=Count("id")).order_by()),
        "by_reason": by_reason,
        "reasons": [
            (label, by_reason[code])
            for code, label in MatchAnswer.Reason.choices
            if code in by_reason
        ],
    }
