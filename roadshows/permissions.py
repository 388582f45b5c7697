"""Who may see and act on a roadshow, read from the Actor.

The host's members (or its API token) edit, publish, select pitches, validate registrations and
name the panel; a presenter acts on its own pitches (answers, meetings, intents); an attendee
whose registration the host validated sees the live-stream link, asks and requests meetings.
"""

from organizations.models import Organization
from organizations.selectors import Actor
from roadshows.models import ROADSHOW_PUBLIC, Pitch, Registration, Roadshow

HOST_KINDS = (
    Organization.Kind.CAST_OFFICE,
    Organization.Kind.SOCIETY,
    Organization.Kind.AGENCY,
    Organization.Kind.INVESTOR,
    Organization.Kind.INSTITUTION,
)


def can_host(organization: Organization) -> bool:
    return organization.is_verified and organization.kind in HOST_KINDS


def roadshow_is_host(*, actor: Actor, roadshow: Roadshow) -> bool:
    return roadshow.host_id in actor.organization_ids


def roadshow_can_read(*, actor: Actor, roadshow: Roadshow) -> bool:
    return roadshow.status in ROADSHOW_PUBLIC or roadshow_is_host(actor=actor, roadshow=roadshow)


def roadshow_validated_registrations(*, actor: Actor, roadshow: Roadshow):
    """The actor's validated registrations: a person's own; a token's organization's."""
    if not actor.is_authenticated:
        return Registration.objects.none()
    registrations = Registration.objects.filter(
        roadshow=roadshow,
        status=Registration.Status.VALIDATED,
        organization_id__in=actor.organization_ids,
    )
    if not actor.via_token:
        registrations = registrations.filter(user=actor.user)
    return registrations


def roadshow_is_attendee(*, actor: Actor, roadshow: Roadshow) -> bool:
    return roadshow_validated_registrations(actor=actor, roadshow=roadshow).exists()


def roadshow_is_presenter(*, actor: Actor, roadshow: Roadshow) -> bool:
    return Pitch.objects.filter(
        roadshow=roadshow,
        status=Pitch.Status.SELECTED,
        organization_id__in=actor.organization_ids,
    ).exists()


def roadshow_sees_stream(*, actor: Actor, roadshow: Roadshow) -> bool:
    """The live-stream link: the host, the selected presenters and the validated attendees."""
    return (
        roadshow_is_host(actor=actor, roadshow=roadshow)
        or roadshow_is_presenter(actor=actor, roadshow=roadshow)
        or roadshow_is_attendee(actor=actor, roadshow=roadshow)
    )


def pitch_is_presenter(*, actor: Actor, pitch: Pitch) -> bool:
    return pitch.organization_id in actor.organization_ids
