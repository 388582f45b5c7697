"""Reads of roadshows, scoped to the Actor (roadshows.permissions says who sees what)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import Match
from matching.services import explanation_text
from organizations.selectors import Actor
from repositories.models import Listing, ListingKind, ListingStatus
from roadshows.models import (
    ROADSHOW_PUBLIC,
    Intent,
    Meeting,
    PanelMember,
    Pitch,
    Question,
    Registration,
    Roadshow,
    RoadshowStatus,
    Score,
)
from roadshows.permissions import (
    roadshow_can_read,
    roadshow_is_attendee,
    roadshow_is_host,
    roadshow_is_presenter,
)


def _with_counts(queryset: QuerySet[Roadshow]) -> QuerySet[Roadshow]:
    return queryset.select_related("host", "field", "region").annotate(
        pitch_count=Count("pitches", filter=Q(pitches__status=Pitch.Status.SELECTED), distinct=True)
    )


def roadshow_list_public(*, past: bool = False) -> QuerySet[Roadshow]:
    """Upcoming (and live) published roadshows, the soonest first; or the past ones, the
    latest first."""
    now = timezone.now()
    if past:
        queryset = Roadshow.objects.filter(
            Q(status=RoadshowStatus.HELD) | Q(status=RoadshowStatus.PUBLISHED, ends_at__lte=now)
        ).order_by("-starts_at", "-id")
    else:
        queryset = Roadshow.objects.filter(
            status=RoadshowStatus.PUBLISHED, ends_at__gt=now
        ).order_by("starts_at", "id")
    return _with_counts(queryset)


def roadshow_list_visible(*, actor: Actor) -> QuerySet[Roadshow]:
    """The public ones and the actor's organization's own (drafts included)."""
    return _with_counts(
        Roadshow.objects.filter(
            Q(status__in=ROADSHOW_PUBLIC) | Q(host_id__in=actor.organization_ids)
        )
    )


def roadshow_get(*, actor: Actor, pk) -> Roadshow:
    roadshow = _with_counts(Roadshow.objects.filter(pk=pk)).first()
    if roadshow is None or not roadshow_can_read(actor=actor, roadshow=roadshow):
        raise Http404
    return roadshow


def roadshow_list_hosted(*, actor: Actor) -> QuerySet[Roadshow]:
    return _with_counts(Roadshow.objects.filter(host_id__in=actor.organization_ids)).order_by(
        "-starts_at", "-id"
    )


def pitch_list_visible(*, actor: Actor) -> QuerySet[Pitch]:
    """Selected pitches of public roadshows for all; every pitch of a roadshow the actor's
    organization hosts; the actor's organization's own pitches."""
    return Pitch.objects.filter(
        Q(status=Pitch.Status.SELECTED, roadshow__status__in=ROADSHOW_PUBLIC)
        | Q(roadshow__host_id__in=actor.organization_ids)
        | Q(organization_id__in=actor.organization_ids)
    ).select_related("roadshow", "organization", "listing")


def programme(*, roadshow: Roadshow) -> QuerySet[Pitch]:
    return (
        Pitch.objects.filter(roadshow=roadshow, status=Pitch.Status.SELECTED)
        .select_related("organization", "listing__field__parent__parent")
        .order_by("position", "slot_starts_at", "id")
    )


def registration_list_visible(*, actor: Actor) -> QuerySet[Registration]:
    """The host's roadshows' registrations; a person's own (a token: its organization's)."""
    own = Q(organization_id__in=actor.organization_ids)
    if actor.is_authenticated and not actor.via_token:
        own &= Q(user=actor.user)
    return Registration.objects.filter(
        Q(roadshow__host_id__in=actor.organization_ids) | own
    ).select_related("roadshow", "organization", "user")


def meeting_list_visible(*, actor: Actor) -> QuerySet[Meeting]:
    """Meetings where the actor's organization presents or attends."""
    return Meeting.objects.filter(
        Q(presenter_id__in=actor.organization_ids) | Q(attendee_id__in=actor.organization_ids)
    ).select_related("pitch__roadshow", "pitch__listing", "presenter", "attendee")


def intent_list_visible(*, actor: Actor) -> QuerySet[Intent]:
    return Intent.objects.filter(
        Q(pitch__organization_id__in=actor.organization_ids)
        | Q(organization_id__in=actor.organization_ids)
    ).select_related("pitch__roadshow", "pitch__listing", "pitch__organization", "organization")


def question_list_visible(*, actor: Actor, roadshow: Roadshow) -> QuerySet[Question]:
    """Public to the attendees: the host, the presenters and the validated attendees."""
    if not (
        roadshow_is_host(actor=actor, roadshow=roadshow)
        or roadshow_is_presenter(actor=actor, roadshow=roadshow)
        or roadshow_is_attendee(actor=actor, roadshow=roadshow)
    ):
        return Question.objects.none()
    return Question.objects.filter(pitch__roadshow=roadshow).select_related("pitch", "organization")


def own_supply(*, organization_ids) -> QuerySet[Listing]:
    """What an organization may pitch: its published projects and achievements."""
    return Listing.objects.filter(
        organization_id__in=organization_ids,
        kind__in=(ListingKind.ACHIEVEMENT, ListingKind.PROJECT),
        status=ListingStatus.PUBLISHED,
    ).order_by("title")


def panel_seat(*, actor: Actor, roadshow: Roadshow) -> bool:
    return (
        actor.is_person and PanelMember.objects.filter(roadshow=roadshow, user=actor.user).exists()
    )


@dataclass
class Ranked:
    pitch: Pitch
    score: float
    judges: int


def ranking(*, roadshow: Roadshow) -> list[Ranked]:
    """Each judge's weighted mean over the criteria (only a judge who scored them all), then
    the mean over judges; the best first."""
    weights = {c.pk: c.weight for c in roadshow.criteria.all()}
    if not weights:
        return []
    by_pitch: dict[int, dict[int, dict[int, int]]] = {}
    for score in Score.objects.filter(
        pitch__roadshow=roadshow, pitch__status=Pitch.Status.SELECTED
    ):
        by_pitch.setdefault(score.pitch_id, {}).setdefault(score.judge_id, {})[
            score.criterion_id
        ] = score.value
    pitches = {p.pk: p for p in programme(roadshow=roadshow)}
    total = sum(weights.values())
    rows = []
    for pitch_id, judges in by_pitch.items():
        means = [
            sum(weights[c] * v for c, v in values.items()) / total
            for values in judges.values()
            if set(values) == set(weights)
        ]
        if means and pitch_id in pitches:
            rows.append(Ranked(pitches[pitch_id], round(sum(means) / len(means), 2), len(means)))
    return sorted(rows, key=lambda row: (-row.score, row.pitch.pk))


def ranking_visible(*, actor: Actor, roadshow: Roadshow) -> bool:
    """The ranking is public after the event; the host sees it as it forms."""
    return roadshow.is_competition and (
        roadshow.status == RoadshowStatus.HELD or roadshow_is_host(actor=actor, roadshow=roadshow)
    )


@dataclass
class Suggestion:
    pitch: Pitch
    reason: str
    score: float


def suggestions_for(*, actor: Actor, roadshow: Roadshow, organization_id: int) -> list[Suggestion]:
    """Which pitches a validated attendee's organization should meet, and why: the matcher's
    matches of its published needs to the pitched listings first, then pitches in the fields of
    its needs (or the roadshow's). Reads stored matches only: no model is loaded."""
    if not roadshow_is_attendee(actor=actor, roadshow=roadshow):
        return []
    pitches = {
        p.listing_id: p
        for p in programme(roadshow=roadshow).exclude(organization_id=organization_id)
    }
    if not pitches:
        return []
    chosen: dict[int, Suggestion] = {}
    matches = (
        Match.objects.filter(
            need__organization_id=organization_id,
            need__status=ListingStatus.PUBLISHED,
            supply_listing_id__in=pitches,
            # Approved only: a proposal the CAST staff have not reviewed reaches nobody.
            status=Match.Status.APPROVED,
        )
        .select_related("need")
        .order_by("-score")
    )
    for match in matches:
        pitch = pitches[match.supply_listing_id]
        if pitch.pk in chosen:
            continue
        reason = _("It matches your need “%(need)s”: %(why)s") % {
            "need": match.need.title,
            "why": explanation_text(match),
        }
        chosen[pitch.pk] = Suggestion(pitch, reason, 1 + match.score)
    need_fields = Listing.objects.filter(
        organization_id=organization_id, kind=ListingKind.NEED, status=ListingStatus.PUBLISHED
    ).exclude(field=None)
    domains = {}
    for need in need_fields.select_related("field__parent__parent"):
        domains.setdefault(need.field.lineage()[0].pk, need)
    for pitch in pitches.values():
        if pitch.pk in chosen or pitch.listing.field_id is None:
            continue
        domain = pitch.listing.field.lineage()[0]
        if domain.pk in domains:
            chosen[pitch.pk] = Suggestion(
                pitch,
                _("It is in the field “%(field)s” of your need “%(need)s”.")
                % {"field": domain.name, "need": domains[domain.pk].title},
                0.5,
            )
    return sorted(chosen.values(), key=lambda s: -s.score)[: settings.ROADSHOW_MAX_SUGGESTIONS]
