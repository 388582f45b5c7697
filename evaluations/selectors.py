"""Reads about evaluations: those the actor may see, the public ones, the current round's
opinions and the result they give."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from evaluations import rubric
from evaluations.models import (
    Appeal,
    Evaluation,
    EvaluationStatus,
    Opinion,
    PanelMember,
    Report,
)
from orders.models import OrderStatus
from organizations.selectors import Actor
from repositories.models import ListingStatus


def evaluation_list_visible(*, actor: Actor) -> QuerySet[Evaluation]:
    """The evaluations of the actor's orders (either side) and, for the CAST staff, their
    region's — the orders' own rule."""
    evaluations = Evaluation.objects.select_related(
        "order", "order__buyer", "order__provider", "achievement"
    )
    if actor.is_superuser:
        return evaluations
    if not actor.is_authenticated:
        return evaluations.none()
    visible = Q(order__buyer_id__in=actor.organization_ids) | Q(
        order__provider_id__in=actor.organization_ids
    )
    if actor.review_region_ids:
        visible |= Q(order__region_id__in=actor.review_region_ids)
    return evaluations.filter(visible)


def evaluation_get(*, actor: Actor, pk: int) -> Evaluation:
    evaluation = evaluation_list_visible(actor=actor).filter(pk=pk).first()
    if evaluation is None:
        raise Http404
    return evaluation


def panel_seats(*, actor: Actor) -> QuerySet[PanelMember]:
    """The panels the person sits on with their own account, newest first."""
    if not actor.is_person:
        return PanelMember.objects.none()
    return (
        PanelMember.objects.filter(user=actor.user)
        .select_related("evaluation__order__buyer", "evaluation__order__provider")
        .select_related("evaluation__achievement__field")
        .order_by("-evaluation__created_at", "-id")
    )


def panel_seat_get(*, actor: Actor, pk: int) -> PanelMember:
    """One of the person's seats; 404 for anyone else, as if it did not exist."""
    seat = panel_seats(actor=actor).filter(pk=pk).first()
    if seat is None:
        raise Http404
    return seat


def evaluation_is_public(evaluation: Evaluation) -> bool:
    """Final once (an appeal does not hide it) and about a published achievement."""
    return (
        evaluation.final_at is not None
        and evaluation.achievement is not None
        and evaluation.achievement.status == ListingStatus.PUBLISHED
    )


def evaluation_public_get(*, actor: Actor, pk: int) -> Evaluation:
    """The public summary's evaluation: everyone once public; the parties and the staff
    earlier; 404 otherwise."""
    evaluation = (
        Evaluation.objects.select_related("order__provider", "order__buyer", "achievement")
        .filter(pk=pk)
        .first()
    )
    if evaluation is None:
        raise Http404
    if evaluation_is_public(evaluation):
        return evaluation
    return evaluation_get(actor=actor, pk=pk)


def evaluation_for_achievement(*, achievement_id: int) -> Evaluation | None:
    """The latest public evaluation of an achievement (the one its evaluated TRL comes from)."""
    return (
        Evaluation.objects.filter(
            achievement_id=achievement_id,
            final_at__isnull=False,
            achievement__status=ListingStatus.PUBLISHED,
        )
        .order_by("-final_at", "-id")
        .first()
    )


def latest_report(evaluation: Evaluation) -> Report | None:
    return evaluation.reports.order_by("-version").first()


def opinions_current(evaluation: Evaluation) -> dict[int, Opinion]:
    """The current round's opinions by panel member id."""
    return {
        opinion.member_id: opinion
        for opinion in Opinion.objects.filter(member__evaluation=evaluation, round=evaluation.round)
    }


@dataclass(frozen=True)
class Result:
    means: dict[str, Decimal]
    overall: Decimal
    level: int
    evaluated_maturity: int
    count: int


def result_from(opinions: list[Opinion]) -> Result | None:
    """The panel's result: the mean per criterion (two decimals), the weighted overall score,
    the level from the mean advancement, and the evaluated TRL — the median of the experts'
    TRLs, rounded down (an even panel split between 5 and 6 finds 5: not yet shown to be 6)."""
    if not opinions:
        return None
    means = {
        key: (Decimal(sum(getattr(o, key) for o in opinions)) / Decimal(len(opinions))).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        for key in rubric.KEYS
    }
    return Result(
        means=means,
        overall=rubric.overall_score(means),
        level=rubric.level_for(means["advancement"]),
        evaluated_maturity=math.floor(statistics.median(o.maturity for o in opinions)),
        count=len(opinions),
    )


def evaluation_work_is_open(evaluation: Evaluation) -> bool:
    """The provider works on an evaluation while its order is in progress or sent back for
    revision, or re-scores it after answering an appeal with a re-issue."""
    if evaluation.order.status in (OrderStatus.IN_PROGRESS, OrderStatus.REVISION_REQUESTED):
        return True
    return (
        evaluation.status == EvaluationStatus.SCORING
        and Appeal.objects.filter(evaluation=evaluation, decision=Appeal.Decision.REISSUE).exists()
    )
