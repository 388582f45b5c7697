"""Reads about demand analyses: those the actor may see, the CAST staff's queue, and which of
an owner's needs lack good matches (and so are offered an analysis)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from demand_analysis.models import (
    ANALYSIS_OPEN,
    AnalysisSource,
    DemandAnalysis,
)
from matching.models import Match
from organizations.selectors import Actor
from repositories.models import ListingStatus, Need


def analysis_list_visible(*, actor: Actor) -> QuerySet[DemandAnalysis]:
    """The analyses of the actor's needs, those its organizations write and, for the CAST
    staff, those of their region."""
    analyses = DemandAnalysis.objects.select_related(
        "need__organization", "analyst", "order", "region"
    )
    if actor.is_superuser:
        return analyses
    if not actor.is_authenticated:
        return analyses.none()
    visible = Q(need__organization_id__in=actor.organization_ids) | Q(
        analyst_id__in=actor.organization_ids
    )
    if actor.review_region_ids:
        visible |= Q(region_id__in=actor.review_region_ids)
    return analyses.filter(visible)


def analysis_get(*, actor: Actor, pk: int) -> DemandAnalysis:
    analysis = analysis_list_visible(actor=actor).filter(pk=pk).first()
    if analysis is None:
        raise Http404
    return analysis


def analysis_list_for_owner(*, actor: Actor) -> QuerySet[DemandAnalysis]:
    return analysis_list_visible(actor=actor).filter(
        need__organization_id__in=actor.organization_ids
    )


def analysis_list_for_analyst(*, actor: Actor) -> QuerySet[DemandAnalysis]:
    """What the actor's organizations write (the staff's own writing is in their queue)."""
    return analysis_list_visible(actor=actor).filter(analyst_id__in=actor.organization_ids)


def analysis_queue(*, actor: Actor) -> QuerySet[DemandAnalysis]:
    """The CAST staff's queue: analyses asked of the staff of their region, not yet decided by
    the owner, the oldest request first."""
    if not actor.is_staff_reviewer:
        return DemandAnalysis.objects.none()
    queue = analysis_list_visible(actor=actor).filter(
        source=AnalysisSource.CAST_STAFF, status__in=list(ANALYSIS_OPEN)
    )
    if not actor.is_superuser:
        queue = queue.filter(region_id__in=actor.review_region_ids)
    return queue.order_by("created_at", "id")


def analysis_list_for_need(*, actor: Actor, need: Need) -> QuerySet[DemandAnalysis]:
    return analysis_list_visible(actor=actor).filter(need=need)


def _good_match_q(need_ref) -> Q:
    """A match of degree DEMAND_ANALYSIS_GOOD_MATCH_DEGREE or more, not rejected."""
    return Q(need=need_ref, degree__gte=settings.DEMAND_ANALYSIS_GOOD_MATCH_DEGREE) & ~Q(
        status=Match.Status.REJECTED
    )


def need_lacks_good_matches(*, need: Need) -> bool:
    """Live, and no match (proposed or approved: one the staff rejected does not count) has a
    good degree: at once when the matcher proposed nothing at all, else once published
    DEMAND_ANALYSIS_OFFER_AFTER_DAYS ago (proposals may still be reviewed meanwhile)."""
    if not need.is_live or need.published_at is None or need.indexed_at is None:
        return False
    proposals = Match.objects.filter(need=need).exclude(status=Match.Status.REJECTED)
    if not proposals.exists():
        return True
    if need.published_at > timezone.now() - timedelta(
        days=settings.DEMAND_ANALYSIS_OFFER_AFTER_DAYS
    ):
        return False
    return not Match.objects.filter(_good_match_q(need)).exists()


def need_list_offered_analysis(*, actor: Actor) -> QuerySet[Need]:
    """The actor's live needs that lack good matches and have no analysis under way."""
    cutoff = timezone.now() - timedelta(days=settings.DEMAND_ANALYSIS_OFFER_AFTER_DAYS)
    good = Match.objects.filter(_good_match_q(OuterRef("pk")))
    proposals = Match.objects.filter(need=OuterRef("pk")).exclude(status=Match.Status.REJECTED)
    open_analysis = DemandAnalysis.objects.filter(
        need=OuterRef("pk"), status__in=list(ANALYSIS_OPEN)
    )
    return (
        Need.objects.filter(
            Q(published_at__lte=cutoff) | ~Exists(proposals),
            organization_id__in=actor.organization_ids,
            status=ListingStatus.PUBLISHED,
            expires_at__gt=timezone.now(),
            indexed_at__isnull=False,
        )
        .exclude(Exists(good))
        .exclude(Exists(open_analysis))
        .order_by("published_at", "id")
    )


def analysis_open_for_staff(*, need: Need) -> DemandAnalysis | None:
    """The request to the CAST staff still open on the need, if any."""
    return (
        DemandAnalysis.objects.filter(
            need=need, source=AnalysisSource.CAST_STAFF, status__in=list(ANALYSIS_OPEN)
        )
        .order_by("id")
        .first()
    )
