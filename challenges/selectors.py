"""Reads of challenges, scoped to the Actor (challenges.permissions says who sees what)."""

from collections import defaultdict
from datetime import timedelta
from string import ascii_uppercase

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from challenges.models import (
    CHALLENGE_PUBLIC,
    Application,
    Challenge,
    ChallengeStatus,
    NdaAcceptance,
    PanelAssignment,
    PanelMember,
    Question,
    Score,
)
from challenges.permissions import (
    application_can_read,
    challenge_can_read,
    challenge_can_vet,
    challenge_is_sponsor,
)
from deals.models import Deal, Milestone
from matching.models import Match
from organizations.models import Membership, Organization
from organizations.selectors import Actor


def _with_counts(queryset: QuerySet[Challenge]) -> QuerySet[Challenge]:
    return queryset.select_related("sponsor", "region__parent", "field").annotate(
        # Every application filed and not withdrawn: decided ones (awarded, declined) count.
        application_count=Count(
            "applications",
            filter=Q(
                applications__status__in=[
                    Application.Status.SUBMITTED,
                    Application.Status.AWARDED,
                    Application.Status.DECLINED,
                ]
            ),
            distinct=True,
        )
    )


def challenge_list_public(
    *, field_id=None, region_id=None, status: str | None = None
) -> QuerySet[Challenge]:
    """Published and closed challenges, the open ones first, the newest first."""
    queryset = Challenge.objects.filter(status__in=CHALLENGE_PUBLIC)
    if status:
        queryset = queryset.filter(status=status)
    if field_id:
        queryset = queryset.filter(
            Q(field_id=field_id)
            | Q(field__parent_id=field_id)
            | Q(field__parent__parent_id=field_id)
        )
    if region_id:
        queryset = queryset.filter(Q(region_id=region_id) | Q(region__parent_id=region_id))
    return _with_counts(queryset).order_by(
        Case(
            When(status=ChallengeStatus.PUBLISHED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "-published_at",
        "-id",
    )


def challenge_list_visible(*, actor: Actor) -> QuerySet[Challenge]:
    """The public ones, the actor's organization's own, and those it vets (not drafts)."""
    visible = Q(status__in=CHALLENGE_PUBLIC) | Q(sponsor_id__in=actor.organization_ids)
    if actor.is_superuser:
        visible |= ~Q(status=ChallengeStatus.DRAFT)
    elif actor.review_region_ids:
        visible |= Q(region_id__in=actor.review_region_ids) & ~Q(status=ChallengeStatus.DRAFT)
        visible |= Q(government_list=True, region__parent_id__in=actor.review_region_ids) & ~Q(
            status=ChallengeStatus.DRAFT
        )
    return _with_counts(Challenge.objects.filter(visible))


def challenge_get(*, actor: Actor, pk) -> Challenge:
    challenge = _with_counts(Challenge.objects.filter(pk=pk)).first()
    if challenge is None or not challenge_can_read(actor=actor, challenge=challenge):
        raise Http404
    return challenge


def challenge_vetting_queue(*, actor: Actor) -> list[Challenge]:
    """Challenges awaiting the actor's vetting or co-signature, oldest first."""
    if not actor.is_staff_reviewer:
        return []
    candidates = _with_counts(
        Challenge.objects.filter(
            status__in=[ChallengeStatus.SUBMITTED, ChallengeStatus.COSIGNING]
        ).order_by("submitted_at", "id")
    )
    return [c for c in candidates if challenge_can_vet(actor=actor, challenge=c)]


def challenge_list_sponsored(*, actor: Actor) -> QuerySet[Challenge]:
    return _with_counts(Challenge.objects.filter(sponsor_id__in=actor.organization_ids)).order_by(
        "-created_at", "-id"
    )


def nda_accepted(*, actor: Actor, challenge: Challenge) -> bool:
    return NdaAcceptance.objects.filter(
        challenge=challenge, organization_id__in=actor.organization_ids
    ).exists()


def question_list_visible(*, actor: Actor, challenge: Challenge) -> QuerySet[Question]:
    """Answered questions for everyone; unanswered ones for the sponsor, the staff and the
    asker."""
    questions = Question.objects.filter(challenge=challenge)
    if challenge_is_sponsor(actor=actor, challenge=challenge) or challenge_can_vet(
        actor=actor, challenge=challenge
    ):
        return questions
    return questions.filter(~Q(answer="") | Q(organization_id__in=actor.organization_ids))


def application_list_for(*, actor: Actor, challenge: Challenge) -> QuerySet[Application]:
    """All of a challenge's applications for the sponsor and the staff; an applicant's own."""
    applications = Application.objects.filter(challenge=challenge).select_related("applicant")
    if challenge_is_sponsor(actor=actor, challenge=challenge) or challenge_can_vet(
        actor=actor, challenge=challenge
    ):
        return applications
    return applications.filter(applicant_id__in=actor.organization_ids)


def application_list_own(*, actor: Actor) -> QuerySet[Application]:
    return Application.objects.filter(applicant_id__in=actor.organization_ids).select_related(
        "challenge", "applicant"
    )


def application_get(*, actor: Actor, pk) -> Application:
    application = (
        Application.objects.filter(pk=pk)
        .select_related("challenge__region__parent", "applicant")
        .first()
    )
    if application is None or not application_can_read(actor=actor, application=application):
        raise Http404
    return application


def staffed_office_regions(challenges) -> frozenset[int]:
    """The regions (among those above the challenges' regions) with a verified, staffed CAST
    office, in one query: what challenges.permissions needs to tell who vets a government
    list, for a whole page at once."""
    region_ids = set()
    for challenge in challenges:
        parent = challenge.region.parent if challenge.government_list else None
        if parent is not None:
            region_ids.add(parent.pk)
            if parent.parent_id:
                region_ids.add(parent.parent_id)
    if not region_ids:
        return frozenset()
    return frozenset(
        Organization.objects.filter(
            kind=Organization.Kind.CAST_OFFICE,
            status=Organization.Status.VERIFIED,
            region_id__in=region_ids,
            memberships__status=Membership.Status.ACTIVE,
        ).values_list("region_id", flat=True)
    )


# --- the review panel ----------------------------------------------------------------------


def anonymous_label(index: int) -> str:
    """申请 A, B, … Z, AA, AB …: what a blind panel reads instead of the applicant."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = ascii_uppercase[rest] + letters
    return _("Application %(letter)s") % {"letter": letters}


def application_labels(*, challenge: Challenge) -> dict[int, str]:
    """Application id → its anonymous label, stable (by filing order)."""
    ids = (
        Application.objects.filter(challenge=challenge)
        .exclude(status=Application.Status.WITHDRAWN)
        .order_by("submitted_at", "id")
        .values_list("pk", flat=True)
    )
    return {pk: anonymous_label(n) for n, pk in enumerate(ids)}


def panel_list(*, challenge: Challenge) -> QuerySet[PanelMember]:
    return PanelMember.objects.filter(challenge=challenge).select_related("user")


def panel_member_of(*, actor: Actor, challenge: Challenge) -> PanelMember | None:
    if not actor.is_authenticated or actor.via_token:
        return None
    return PanelMember.objects.filter(challenge=challenge, user_id=actor.user.pk).first()


def review_assignments(*, actor: Actor, challenge: Challenge) -> list[PanelAssignment]:
    """The panel member's own assignments, each with `label` (the applicant's name, or its
    anonymous label in blind review: then `applicant_shown` is False and no name or team is
    to be shown), `own_scores` and `blocked` (why the member may not score it)."""
    member = panel_member_of(actor=actor, challenge=challenge)
    if member is None:
        return []
    labels = application_labels(challenge=challenge) if challenge.blind_review else {}
    assignments = list(
        PanelAssignment.objects.filter(member=member)
        .exclude(application__status=Application.Status.WITHDRAWN)
        .select_related("application__applicant")
        .prefetch_related("application__milestones", "scores__criterion")
        .order_by("application__submitted_at", "application_id")
    )
    for assignment in assignments:
        application = assignment.application
        assignment.applicant_shown = not challenge.blind_review
        if challenge.blind_review:
            assignment.label = labels.get(application.pk, "?")
        else:
            assignment.label = application.applicant.name
        assignment.own_scores = {score.criterion_id: score for score in assignment.scores.all()}
        if application.applicant_id in actor.organization_ids:
            assignment.blocked = _(
                "You belong to the applicant organization: you may never score its application."
            )
        elif assignment.conflict == PanelAssignment.Conflict.DECLARED:
            assignment.blocked = _(
                "You declared a conflict of interest with this application: you may not score it."
            )
        else:
            assignment.blocked = ""
    return assignments


def application_ranking(*, challenge: Challenge) -> list[dict]:
    """The live and decided applications by the weighted mean of the scores received (0–10),
    the unscored last. Each row: application, mean (None unscored), reviews (how many panel
    members scored it), label (anonymous)."""
    applications = list(
        Application.objects.filter(challenge=challenge)
        .exclude(status=Application.Status.WITHDRAWN)
        .select_related("applicant", "deal")
        .order_by("submitted_at", "id")
    )
    sums = (
        Score.objects.filter(assignment__application__challenge=challenge)
        .values("assignment_id", "assignment__application_id")
        .annotate(total=Sum(F("value") * F("criterion__weight")))
    )
    per_application = defaultdict(list)
    for row in sums:
        per_application[row["assignment__application_id"]].append(row["total"] / 100)
    rows = []
    for index, application in enumerate(applications):
        means = per_application.get(application.pk, [])
        rows.append(
            {
                "application": application,
                "label": anonymous_label(index),
                "mean": round(sum(means) / len(means), 2) if means else None,
                "reviews": len(means),
            }
        )
    rows.sort(key=lambda row: (row["mean"] is None, -(row["mean"] or 0)))
    return rows


# --- public figures ------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def organization_figures(*, organization_ids) -> dict[int, dict]:
    """Per organization, as a sponsor and as an applicant: applications filed, the award rate
    (awarded among those decided) and delivery on time (the share of the winners' challenge
    deal milestones accepted by their due date, among those due or accepted). Four queries,
    however many organizations."""
    ids = set(organization_ids)
    today = timezone.localdate()
    empty = {"applications": 0, "awarded": 0, "award_rate": None, "milestones_due": 0}
    figures = {
        pk: {
            "as_sponsor": dict(empty, on_time=0, on_time_rate=None),
            "as_applicant": dict(empty, on_time=0, on_time_rate=None),
        }
        for pk in ids
    }
    if not ids:
        return figures
    counted = dict(
        applications=Count("id"),
        awarded=Count("id", filter=Q(status=Application.Status.AWARDED)),
        decided=Count(
            "id",
            filter=Q(status__in=[Application.Status.AWARDED, Application.Status.DECLINED]),
        ),
    )
    live = Application.objects.exclude(status=Application.Status.WITHDRAWN)
    for side, key in (("as_sponsor", "challenge__sponsor_id"), ("as_applicant", "applicant_id")):
        for row in live.filter(**{f"{key}__in": ids}).values(key).annotate(**counted):
            target = figures[row[key]][side]
            target.update(
                applications=row["applications"],
                awarded=row["awarded"],
                award_rate=_rate(row["awarded"], row["decided"]),
            )
    milestones = Milestone.objects.filter(deal__origin=Deal.Origin.CHALLENGE)
    measured = dict(
        due=Count("id", filter=Q(due_on__lte=today) | Q(status=Milestone.Status.ACCEPTED)),
        on_time=Count(
            "id",
            filter=Q(status=Milestone.Status.ACCEPTED, accepted_at__date__lte=F("due_on")),
        ),
    )
    sides = (("as_sponsor", "deal__demand_party_id"), ("as_applicant", "deal__supply_party_id"))
    for side, key in sides:
        for row in milestones.filter(**{f"{key}__in": ids}).values(key).annotate(**measured):
            target = figures[row[key]][side]
            target.update(
                milestones_due=row["due"],
                on_time=row["on_time"],
                on_time_rate=_rate(row["on_time"], row["due"]),
            )
    return figures


def need_offers_challenge(*, need) -> bool:
    """A live need published CHALLENGE_OFFER_AFTER_DAYS ago or more, with no good match (one
    the staff rejected does not count) and no challenge made of it yet: its owner is offered
    to turn it into a challenge."""
    if not need.is_live or need.published_at is None:
        return False
    if need.published_at > timezone.now() - timedelta(days=settings.CHALLENGE_OFFER_AFTER_DAYS):
        return False
    if Challenge.objects.filter(need=need).exclude(status=ChallengeStatus.CANCELLED).exists():
        return False
    good = settings.CHALLENGE_OFFER_GOOD_MATCH_DEGREE
    return not (
        Match.objects.filter(need=need, degree__gte=good)
        .exclude(status=Match.Status.REJECTED)
        .exists()
    )
