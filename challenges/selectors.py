"""Reads of challenges, scoped to the Actor (challenges.permissions says who sees what)."""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from challenges.models import (
    CHALLENGE_PUBLIC,
    Application,
    Challenge,
    ChallengeStatus,
    NdaAcceptance,
    Question,
)
from challenges.permissions import (
    application_can_read,
    challenge_can_read,
    challenge_can_vet,
    challenge_is_sponsor,
)
from organizations.selectors import Actor


def _with_counts(queryset: QuerySet[Challenge]) -> QuerySet[Challenge]:
    return queryset.select_related("sponsor", "region__parent", "field").annotate(
        application_count=Count(
            "applications",
            filter=Q(applications__status=Application.Status.SUBMITTED),
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
    """Challenges awaiting the actor's vetting, oldest first."""
    if not actor.is_staff_reviewer:
        return []
    candidates = _with_counts(
        Challenge.objects.filter(status=ChallengeStatus.SUBMITTED).order_by("submitted_at", "id")
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
