"""Reads about feedback, cases and surveys: the public case bank and its search, the cases beside
a need, what a party has to answer, the staff's queue, and the reasons counted."""

from __future__ import annotations

from datetime import datetime

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import Http404

from cases.models import Case, Feedback, FeedbackItem, Survey
from cases.permissions import case_can_read, survey_can_read
from organizations.selectors import Actor
from search.text import query_words
from taxonomy.models import Field, Region
from taxonomy.selectors import within_regions_q

RELATED_CASES_LIMIT = 3


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related(
        "demand_party", "supply_party", "field", "field__parent", "region", "region__parent"
    )


def case_list_public(
    *, query: str = "", field: Field | None = None, region: Region | None = None
) -> QuerySet[Case]:
    """Published cases, newest first; `field` covers its sub-fields, `region` (a province) its
    cities. Keywords are looked for in the title, the need and the solution."""
    cases = _cases().filter(status=Case.Status.PUBLISHED)
    if field is not None:
        cases = cases.filter(field__code__startswith=field.code)
    if region is not None:
        cases = cases.filter(within_regions_q(region))
    for word in query_words(query, limit=5):
        cases = cases.filter(
            Q(title__icontains=word)
            | Q(need_summary__icontains=word)
            | Q(solution_summary__icontains=word)
        )
    return cases.order_by("-published_at", "-id")


def case_get(*, actor: Actor, pk: int) -> Case:
    """A case the actor may read: published ones for everyone, drafts for the parties and the
    region's staff; 404 otherwise, as if it did not exist."""
    case = _cases().filter(pk=pk).first()
    if case is None or not case_can_read(actor=actor, case=case):
        raise Http404
    return case


def case_list_related(*, listing, limit: int = RELATED_CASES_LIMIT) -> list[Case]:
    """Up to `limit` published cases of the listing's field, those of its region first.

    One query on (status, field), the index's order: the few published cases of a direction."""
    if listing.field_id is None:
        return []
    same_region = ExpressionWrapper(Q(region_id=listing.region_id), output_field=BooleanField())
    return list(
        _cases()
        .filter(status=Case.Status.PUBLISHED, field_id=listing.field_id)
        .annotate(same_region=same_region)
        .order_by("-same_region", "-published_at", "-id")[:limit]
    )


def case_list_own(*, actor: Actor) -> QuerySet[Case]:
    """The cases of the actor's organizations' deals, in any status."""
    return (
        _cases()
        .filter(
            Q(demand_party_id__in=actor.organization_ids)
            | Q(supply_party_id__in=actor.organization_ids)
        )
        .order_by("-id")
    )


def case_list_for_review(*, actor: Actor) -> QuerySet[Case]:
    """Cases both parties agreed to publish, awaiting the staff of their region."""
    cases = _cases().filter(status=Case.Status.SUBMITTED)
    if not actor.is_superuser:
        cases = cases.filter(region_id__in=actor.review_region_ids)
    return cases.order_by("updated_at", "id")


def case_consented_ids(*, case: Case) -> set[int]:
    return set(case.consents.values_list("organization_id", flat=True))


def feedback_get(*, actor: Actor, pk: int) -> Feedback:
    """A party's own feedback form; 404 for anyone else."""
    feedback = (
        Feedback.objects.select_related("deal", "organization")
        .prefetch_related("items")
        .filter(pk=pk, organization_id__in=actor.organization_ids)
        .first()
    )
    if feedback is None:
        raise Http404
    return feedback


def feedback_list_own(*, actor: Actor) -> QuerySet[Feedback]:
    return (
        Feedback.objects.filter(organization_id__in=actor.organization_ids)
        .select_related("deal", "organization")
        .order_by("answered_at", "-requested_at")
    )


def feedback_reason_counts(
    *,
    kind: str = Feedback.Kind.REASON,
    outcome: str | None = None,
    region_ids: list[int] | None = None,
    since: datetime | None = None,
) -> dict[str, int]:
    """How often each reason (or success factor) was chosen in answered feedback, most first:
    for the funnel and the analytics pages."""
    items = FeedbackItem.objects.filter(kind=kind, feedback__answered_at__isnull=False)
    if outcome:
        items = items.filter(feedback__outcome=outcome)
    if region_ids is not None:
        items = items.filter(feedback__deal__region_id__in=region_ids)
    if since is not None:
        items = items.filter(feedback__answered_at__gte=since)
    rows = items.values("code").annotate(count=Count("id")).order_by("-count", "code")
    return {row["code"]: row["count"] for row in rows}


def _surveys() -> QuerySet[Survey]:
    return Survey.objects.select_related("deal", "deal__region", "organization", "answered_by")


def survey_get(*, actor: Actor, pk: int) -> Survey:
    """A survey the actor may read (the deal's parties, the region's staff); 404 otherwise."""
    survey = _surveys().filter(pk=pk).first()
    if survey is None or not survey_can_read(actor=actor, survey=survey):
        raise Http404
    return survey


def survey_list_own(*, actor: Actor) -> QuerySet[Survey]:
    return (
        _surveys()
        .filter(organization_id__in=actor.organization_ids)
        .order_by("answered_at", "-created_at")
    )


def survey_list_for_deal(*, deal_id: int) -> QuerySet[Survey]:
    return _surveys().filter(deal_id=deal_id).order_by("kind", "organization_id")


def survey_list_answered_for_staff(*, actor: Actor) -> QuerySet[Survey]:
    """Answered surveys of the deals in the staff's regions, newest first."""
    surveys = _surveys().filter(answered_at__isnull=False)
    if not actor.is_superuser:
        surveys = surveys.filter(deal__region_id__in=actor.review_region_ids)
    return surveys.order_by("-answered_at")
