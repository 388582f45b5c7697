"""Reads of credit: an organization's standing computed afresh from the outcome log, with the
events behind it, and the appeals an actor may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from credit import rules
from credit.models import CreditAppeal, CreditStanding
from organizations.models import Organization
from organizations.selectors import Actor
from outcomes.models import OutcomeEvent

N = OutcomeEvent.Name


@dataclass(frozen=True)
class Line:
    """One event behind a standing, as the public may see it: what and when, the points and
    their weight, and the other party's kind (never its name)."""

    event_id: int
    occurred_at: datetime
    name: str
    label: str
    points: int
    weight: float
    counterpart_kind: str

    @property
    def weighted(self) -> float:
        return self.points * self.weight


@dataclass(frozen=True)
class Group:
    label: str
    count: int
    points: int
    weighted: float


@dataclass
class Standing:
    organization_id: int | None
    computed_at: datetime
    score: float | None
    level: str
    level_label: str
    good: float
    bad: float
    lines: list[Line] = field(default_factory=list)

    @property
    def event_count(self) -> int:
        return len(self.lines)

    @property
    def enough_history(self) -> bool:
        return self.score is not None

    @property
    def groups(self) -> list[Group]:
        """The lines by what happened, the weightiest first."""
        by_label = defaultdict(list)
        for line in self.lines:
            by_label[str(line.label)].append(line)
        groups = [
            Group(
                label=label,
                count=len(lines),
                points=sum(line.points for line in lines),
                weighted=round(sum(line.weighted for line in lines), 2),
            )
            for label, lines in by_label.items()
        ]
        return sorted(groups, key=lambda g: (-abs(g.weighted), g.label))


def weight_at(*, occurred_at: datetime, at: datetime) -> float:
    """Halves every CREDIT_HALF_LIFE_DAYS; 1 for an event happening now."""
    age_days = max((at - occurred_at).total_seconds(), 0) / 86400
    return 0.5 ** (age_days / settings.CREDIT_HALF_LIFE_DAYS)


def _visible_reviews(reviews: list[OutcomeEvent], at: datetime) -> set[int]:
    """The ids of the reviews that are no longer hidden at `at`: the other side's review is in,
    or ORDER_REVIEW_WINDOW_DAYS have passed since the order was completed (double-blind)."""
    if not reviews:
        return set()
    related = OutcomeEvent.objects.filter(
        subject_type="order",
        subject_id__in={r.subject_id for r in reviews},
        name__in=[N.ORDER_REVIEWED, *rules.COMPLETION_NAMES],
        occurred_at__lte=at,
    ).values_list("id", "name", "subject_id", "occurred_at")
    reviews_of, completed_at = defaultdict(set), {}
    for pk, name, subject_id, occurred_at in related:
        if name == N.ORDER_REVIEWED:
            reviews_of[subject_id].add(pk)
        else:
            completed_at[subject_id] = max(occurred_at, completed_at.get(subject_id, occurred_at))
    window = timedelta(days=settings.ORDER_REVIEW_WINDOW_DAYS)
    visible = set()
    for review in reviews:
        both_in = len(reviews_of[review.subject_id] - {review.pk}) > 0
        ends = completed_at.get(review.subject_id, review.occurred_at) + window
        if both_in or at >= ends:
            visible.add(review.pk)
    return visible


def credit_compute(*, organization: Organization | int, at: datetime | None = None) -> Standing:
    """The organization's standing at `at` (now), from the outcome log only.

    Every scored event of the last CREDIT_WINDOW_DAYS that names the organization gives its
    points (credit.rules) times a weight that halves every CREDIT_HALF_LIFE_DAYS; events an
    upheld appeal removed and reviews still hidden do not count. With fewer than
    CREDIT_MIN_EVENTS counted events there is no score: "not enough history".
    """
    organization_id = getattr(organization, "pk", organization)
    at = at or timezone.now()
    since = at - timedelta(days=settings.CREDIT_WINDOW_DAYS)
    events = list(
        OutcomeEvent.objects.filter(
            Q(organization_id=organization_id) | Q(counterpart_id=organization_id),
            name__in=rules.SCORED_NAMES,
            occurred_at__gt=since,
            occurred_at__lte=at,
        ).order_by("-occurred_at", "-id")
    )
    removed = set(
        OutcomeEvent.objects.filter(
            name=N.CREDIT_APPEAL_UPHELD, organization_id=organization_id, occurred_at__lte=at
        ).values_list("subject_id", flat=True)
    )
    visible = _visible_reviews([e for e in events if e.name == N.ORDER_REVIEWED], at)
    counted = []
    for event in events:
        if event.pk in removed or (event.name == N.ORDER_REVIEWED and event.pk not in visible):
            continue
        effect = rules.effect_for(event, organization_id)
        if effect is not None:
            counted.append((event, effect))
    others = {
        event.counterpart_id if event.organization_id == organization_id else event.organization_id
        for event, _effect in counted
    }
    kinds = dict(Organization.objects.filter(pk__in=others).values_list("pk", "kind"))
    kind_labels = dict(Organization.Kind.choices)
    lines = []
    good = bad = 0.0
    for event, effect in counted:
        other = (
            event.counterpart_id
            if event.organization_id == organization_id
            else event.organization_id
        )
        weight = weight_at(occurred_at=event.occurred_at, at=at)
        if effect.points > 0:
            good += effect.points * weight
        else:
            bad -= effect.points * weight
        lines.append(
            Line(
                event_id=event.pk,
                occurred_at=event.occurred_at,
                name=event.name,
                label=effect.label,
                points=effect.points,
                weight=weight,
                counterpart_kind=kind_labels.get(kinds.get(other), ""),
            )
        )
    score = None
    if len(lines) >= settings.CREDIT_MIN_EVENTS:
        score = rules.score_from(good=good, bad=bad, prior=settings.CREDIT_PRIOR_POINTS)
    level, level_label = rules.level_for(score)
    return Standing(
        organization_id=organization_id,
        computed_at=at,
        score=score,
        level=level,
        level_label=level_label,
        good=good,
        bad=bad,
        lines=lines,
    )


def credit_standing_get(*, organization_id: int) -> CreditStanding | None:
    return CreditStanding.objects.filter(organization_id=organization_id).first()


def appeal_can_file(*, actor: Actor, organization: Organization) -> bool:
    """A person of the organization, or its token (the API checks the `write` scope)."""
    return actor.is_authenticated and organization.pk in actor.organization_ids


def appeal_can_decide(*, actor: Actor, appeal: CreditAppeal) -> bool:
    return actor.is_authenticated and actor.can_review_region(appeal.organization.region_id)


def appeal_list_visible(*, actor: Actor) -> QuerySet[CreditAppeal]:
    """The actor's organizations' appeals and those its CAST office decides (all for a
    superuser)."""
    qs = CreditAppeal.objects.select_related("organization", "organization__region", "event")
    if actor.is_superuser:
        return qs
    visible = Q(organization_id__in=actor.organization_ids)
    if actor.review_region_ids:
        visible |= Q(organization__region_id__in=actor.review_region_ids)
    return qs.filter(visible)


def appeal_list_for_review(*, actor: Actor) -> QuerySet[CreditAppeal]:
    """Open appeals of organizations in the actor's regions, oldest first."""
    qs = CreditAppeal.objects.filter(status=CreditAppeal.Status.OPEN).select_related(
        "organization", "organization__region", "event"
    )
    if not actor.is_superuser:
        qs = qs.filter(organization__region_id__in=actor.review_region_ids)
    return qs.order_by("created_at", "id")


def appeal_open_event_ids(*, organization_id: int) -> set[int]:
    return set(
        CreditAppeal.objects.filter(
            organization_id=organization_id, status=CreditAppeal.Status.OPEN
        ).values_list("event_id", flat=True)
    )
