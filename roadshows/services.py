"""Writes of roadshows: the host's roadshow and its table, the call for pitches and the
programme, registrations, the panel's scores, questions, one-to-one meetings (with reminders and
follow-ups) and intents, an accepted one opening a deal.

Every refusal is a ValidationError naming the field, in the user's language, so the web forms
and the API show the same messages; a step the actor may not take is PermissionDenied.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.web import site_url
from deals.models import Deal
from deals.services import deal_open_for_program
from notifications.models import Notification
from notifications.services import Words, notify
from organizations.models import Membership, Organization
from organizations.selectors import Actor, actor_for
from organizations.services import notify_organization
from outcomes.services import outcome_record
from repositories.models import Listing, ListingKind, ListingStatus
from roadshows.models import (
    Criterion,
    Intent,
    Meeting,
    PanelMember,
    Pitch,
    Question,
    Registration,
    Roadshow,
    RoadshowFormat,
    RoadshowStatus,
    Score,
)
from roadshows.permissions import (
    can_host,
    pitch_is_presenter,
    roadshow_is_attendee,
    roadshow_is_host,
)
from roadshows.selectors import suggestions_for
from roadshows.transitions import ACTION_LABELS, Action, Step, Who, step_for
from webhooks.models import WebhookEvent
from webhooks.services import webhook_emit

NOTE_MAX_LENGTH = 2000
MAX_CRITERIA = 10
ROADSHOW_FIELDS = (
    "title",
    "theme",
    "field",
    "format",
    "venue",
    "starts_at",
    "ends_at",
    "stream_url",
    "is_competition",
    "pitches_close_on",
)
SUPPLY = (ListingKind.ACHIEVEMENT, ListingKind.PROJECT)
_url = URLValidator(schemes=["http", "https"])


def _clean_text(value, field: str, *, required: bool = True, limit: int = 5000) -> str:
    value = str(value or "").replace("\x00", "").strip()
    if required and not value:
        raise ValidationError({field: _("Fill in this field.")})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it within %(limit)d characters.") % {"limit": limit}})
    return value


def _clean_url(value, field: str, *, required: bool = False) -> str:
    value = str(value or "").strip()
    if not value:
        if required:
            raise ValidationError({field: _("Fill in this field.")})
        return ""
    try:
        _url(value)
    except ValidationError as error:
        raise ValidationError(
            {field: _("Enter a full web address starting with http:// or https://.")}
        ) from error
    if len(value) > 200:
        raise ValidationError({field: _("Keep it within %(limit)d characters.") % {"limit": 200}})
    return value


def _member(actor: Actor, organization: Organization) -> None:
    if not actor.is_authenticated or organization.pk not in actor.organization_ids:
        raise PermissionDenied(_("You act only for your own organization."))


def _host_only(actor: Actor, roadshow: Roadshow) -> None:
    if not actor.is_authenticated or not roadshow_is_host(actor=actor, roadshow=roadshow):
        raise PermissionDenied(_("Only the host takes this step."))


def _local_day(moment: datetime):
    return timezone.localtime(moment).date()


# --- telling -------------------------------------------------------------------------------


def roadshow_payload(roadshow: Roadshow, **extra) -> dict:
    """A webhook's data about a roadshow (never its live-stream link)."""
    return {
        "roadshow": {
            "id": roadshow.pk,
            "title": roadshow.title,
            "status": roadshow.status,
            "host": roadshow.host_id,
            "format": roadshow.format,
            "starts_at": roadshow.starts_at,
            "ends_at": roadshow.ends_at,
            "url": site_url(roadshow.get_absolute_url()),
        },
        **extra,
    }


def _record(
    roadshow: Roadshow, event: str, *, user=None, organization_id=None, data=None, field_id=None
):
    outcome_record(
        name=event,
        subject_type="roadshow",
        subject_id=roadshow.pk,
        actor=user,
        organization=Organization(pk=organization_id or roadshow.host_id),
        region_id=roadshow.region_id,
        field_id=field_id or roadshow.field_id,
        data={"status": roadshow.status, "roadshow": roadshow.pk} | (data or {}),
    )


def _tell(organization_id: int, *, title: Words, body: Words = "", url: str, event: str, payload):
    organization = Organization.objects.get(pk=organization_id)
    notify_organization(
        organization=organization,
        topic=Notification.Topic.ROADSHOW,
        title=title,
        body=body,
        url=url,
    )
    webhook_emit(organization=organization, event=event, payload=payload)


def _followers(roadshow: Roadshow) -> set[int]:
    """Organizations following a published roadshow: its presenters and registrants."""
    pitching = Pitch.objects.filter(roadshow=roadshow).exclude(status=Pitch.Status.DECLINED)
    registered = Registration.objects.filter(roadshow=roadshow).exclude(
        status=Registration.Status.REFUSED
    )
    return (
        set(pitching.values_list("organization_id", flat=True))
        | set(registered.values_list("organization_id", flat=True))
    ) - {roadshow.host_id}


# --- the roadshow --------------------------------------------------------------------------


def _clean_fields(data: dict, *, current: Roadshow | None) -> dict:
    """The roadshow's own fields, checked as a form would, with every error at once."""
    errors: dict[str, list] = {}
    values = {}
    for name, limit in (("title", 200), ("theme", 2000)):
        try:
            values[name] = _clean_text(data.get(name), name, limit=limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    if "\n" in values.get("title", "") or "\r" in values.get("title", ""):
        errors["title"] = [_("Write the title on one line.")]
    if data.get("format") not in RoadshowFormat.values:
        errors["format"] = [_("Choose online, offline or both.")]
    else:
        values["format"] = data["format"]
    try:
        values["venue"] = _clean_text(data.get("venue"), "venue", required=False, limit=300)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        values["stream_url"] = _clean_url(data.get("stream_url"), "stream_url")
    except ValidationError as error:
        errors.update(error.message_dict)
    fmt = values.get("format")
    if fmt in (RoadshowFormat.OFFLINE, RoadshowFormat.HYBRID) and not values.get("venue"):
        errors.setdefault("venue", [_("An offline or hybrid roadshow needs its venue.")])
    if fmt == RoadshowFormat.OFFLINE and values.get("stream_url") and "stream_url" not in errors:
        errors["stream_url"] = [_("An offline roadshow has no live-stream link; choose hybrid.")]
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    close_on = data.get("pitches_close_on")
    if not isinstance(starts_at, datetime):
        errors["starts_at"] = [_("Enter the date and time it starts.")]
    elif (current is None or current.starts_at != starts_at) and starts_at <= timezone.now():
        errors["starts_at"] = [_("The roadshow must start later than now.")]
    if not isinstance(ends_at, datetime):
        errors["ends_at"] = [_("Enter the date and time it ends.")]
    elif isinstance(starts_at, datetime) and ends_at <= starts_at:
        errors["ends_at"] = [_("The roadshow ends after it starts.")]
    elif isinstance(starts_at, datetime) and ends_at - starts_at > timedelta(days=7):
        errors["ends_at"] = [_("A roadshow lasts at most 7 days.")]
    if close_on is None:
        errors["pitches_close_on"] = [_("Fill in this field.")]
    elif isinstance(starts_at, datetime) and close_on > _local_day(starts_at):
        errors["pitches_close_on"] = [_("The call for pitches closes on or before the first day.")]
    values.update(
        starts_at=starts_at,
        ends_at=ends_at,
        pitches_close_on=close_on,
        field=data.get("field"),
        is_competition=bool(data.get("is_competition")),
    )
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def roadshow_save(
    *,
    actor: Actor,
    data: dict,
    host: Organization | None = None,
    roadshow: Roadshow | None = None,
) -> Roadshow:
    """Create a draft (with `host`) or edit one (with `roadshow`) while a draft or published."""
    user = actor.user if actor.is_authenticated else None
    if roadshow is not None:
        roadshow = Roadshow.objects.select_for_update().get(pk=roadshow.pk)
        _host_only(actor, roadshow)
        if roadshow.status not in (RoadshowStatus.DRAFT, RoadshowStatus.PUBLISHED):
            raise ValidationError(
                {
                    "status": _("A roadshow is edited until it is held; now it is “%(status)s”.")
                    % {"status": roadshow.get_status_display()}
                }
            )
    else:
        if host is None or host.pk not in actor.organization_ids:
            raise PermissionDenied(_("You can host a roadshow only for your own organization."))
        if not can_host(host):
            raise ValidationError(
                {
                    "host": _(
                        "Only a verified CAST office, society, agency, investor or institution "
                        "hosts a roadshow."
                    )
                }
            )
    values = _clean_fields(data, current=roadshow)
    if roadshow is None:
        roadshow = Roadshow(host=host, region_id=host.region_id, created_by=user)
    for name, value in values.items():
        setattr(roadshow, name, value)
    roadshow.save()
    return roadshow


def _who_acts(actor: Actor | None, roadshow: Roadshow, step: Step) -> None:
    if step.who == Who.SYSTEM:
        if actor is not None:
            raise PermissionDenied(_("This step is taken by the platform's timer."))
        return
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("This step is taken by a person."))
    _host_only(actor, roadshow)


@transaction.atomic
def roadshow_transition(
    *, actor: Actor | None, roadshow: Roadshow, action: str, note: str = ""
) -> Roadshow:
    """Take one step of the roadshow's table (roadshows.transitions). `actor` None: the
    timer. A step the status does not allow is a field error on "status"."""
    roadshow = Roadshow.objects.select_for_update().get(pk=roadshow.pk)
    step = step_for(roadshow.status, action)
    if step is None:
        label = ACTION_LABELS.get(Action(action)) if action in Action._value2member_map_ else action
        raise ValidationError(
            {
                "status": _("“%(action)s” is not possible while the roadshow is “%(status)s”.")
                % {"action": label, "status": roadshow.get_status_display()}
            }
        )
    _who_acts(actor, roadshow, step)
    note = _clean_text(note, "note", required=step.needs_note, limit=NOTE_MAX_LENGTH)
    errors = {}
    for check in step.checks:
        errors.update(check(roadshow))
    if errors:
        raise ValidationError(errors)
    user = actor.user if actor is not None else None
    now = timezone.now()
    from_status = roadshow.status
    roadshow.status = step.to
    roadshow.status_note = note or roadshow.status_note
    if action == Action.PUBLISH:
        roadshow.published_at = now
    elif action in (Action.HOLD, Action.CLOSE):
        roadshow.held_at = now
    elif action == Action.CANCEL:
        roadshow.cancelled_at = now
    roadshow.save()
    _record(roadshow, step.event, user=user, data={"action": action, "from": from_status})

    def title():
        return _("%(title)s: %(action)s — now “%(status)s”") % {
            "title": roadshow.title,
            "action": ACTION_LABELS[Action(action)],
            "status": roadshow.get_status_display(),
        }

    payload = roadshow_payload(roadshow, action=action, from_status=from_status, note=note)
    for organization_id in {roadshow.host_id} | _followers(roadshow):
        _tell(
            organization_id,
            title=title,
            body=note,
            url=roadshow.get_absolute_url(),
            event=WebhookEvent.ROADSHOW_UPDATED,
            payload=payload,
        )
    return roadshow


def roadshows_close_due() -> int:
    """Mark held the published roadshows that have ended. Safe to run twice."""
    held = 0
    for roadshow in Roadshow.objects.filter(
        status=RoadshowStatus.PUBLISHED, ends_at__lte=timezone.now()
    ):
        try:
            roadshow_transition(actor=None, roadshow=roadshow, action=Action.CLOSE)
        except ValidationError:
            continue  # another run took it first
        held += 1
    return held


# --- pitches and the programme -------------------------------------------------------------


def _pitch_payload(pitch: Pitch, **extra) -> dict:
    return roadshow_payload(
        pitch.roadshow,
        pitch={
            "id": pitch.pk,
            "organization": pitch.organization_id,
            "listing": pitch.listing_id,
            "status": pitch.status,
        },
        **extra,
    )


def roadshow_call_is_open(roadshow: Roadshow) -> bool:
    return (
        roadshow.status == RoadshowStatus.PUBLISHED
        and roadshow.pitches_close_on >= timezone.localdate()
    )


@transaction.atomic
def pitch_submit(
    *,
    actor: Actor,
    roadshow: Roadshow,
    organization: Organization,
    listing: Listing | None,
    summary: str,
) -> Pitch:
    """An organization pitches its own published project or achievement while the call is
    open."""
    _member(actor, organization)
    roadshow = Roadshow.objects.select_for_update().get(pk=roadshow.pk)
    if not roadshow_call_is_open(roadshow):
        raise ValidationError({"listing": _("The call for pitches of this roadshow is closed.")})
    if organization.pk == roadshow.host_id:
        raise ValidationError({"listing": _("The host does not pitch at its own roadshow.")})
    if not organization.is_verified:
        raise ValidationError({"listing": _("Verify your organization before pitching.")})
    errors = {}
    if (
        listing is None
        or listing.organization_id != organization.pk
        or listing.kind not in SUPPLY
        or listing.status != ListingStatus.PUBLISHED
    ):
        errors["listing"] = [
            _("Choose one of your organization's own published projects or achievements.")
        ]
    try:
        summary = _clean_text(summary, "summary", limit=2000)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            pitch = Pitch.objects.create(
                roadshow=roadshow,
                organization=organization,
                listing=listing,
                summary=summary,
                submitted_by=actor.user,
            )
    except IntegrityError as error:
        raise ValidationError(
            {"listing": _("This listing is already pitched at this roadshow.")}
        ) from error
    _record(
        roadshow,
        "roadshow.pitch_submitted",
        user=actor.user,
        organization_id=organization.pk,
        data={"pitch": pitch.pk, "listing": listing.pk},
        field_id=listing.field_id,
    )
    _tell(
        roadshow.host_id,
        title=lambda: (
            _("A new pitch for “%(title)s”: %(listing)s")
            % {"title": roadshow.title, "listing": listing.title}
        ),
        url=roadshow.get_absolute_url(),
        event=WebhookEvent.ROADSHOW_UPDATED,
        payload=_pitch_payload(pitch, action="pitch_submitted"),
    )
    return pitch


@transaction.atomic
def pitch_decide(*, actor: Actor, pitch: Pitch, select: bool, reason: str = "") -> Pitch:
    """The host selects a pitch for the programme, or declines it saying why."""
    pitch = (
        Pitch.objects.select_for_update(of=("self",))
        .select_related("roadshow", "listing")
        .get(pk=pitch.pk)
    )
    roadshow = pitch.roadshow
    _host_only(actor, roadshow)
    if roadshow.status != RoadshowStatus.PUBLISHED:
        raise ValidationError({"status": _("Pitches are decided while the roadshow is published.")})
    if pitch.status != Pitch.Status.SUBMITTED:
        raise ValidationError({"status": _("This pitch is already decided.")})
    if select:
        pitch.status = Pitch.Status.SELECTED
        pitch.position = (
            Pitch.objects.filter(roadshow=roadshow, status=Pitch.Status.SELECTED).count() + 1
        )
        event = "roadshow.pitch_selected"
        title = gettext_lazy("Your pitch “%(listing)s” is selected for “%(title)s”")
    else:
        pitch.decline_reason = _clean_text(reason, "reason", limit=NOTE_MAX_LENGTH)
        pitch.status = Pitch.Status.DECLINED
        event = "roadshow.pitch_declined"
        title = gettext_lazy("Your pitch “%(listing)s” for “%(title)s” is declined")
    pitch.decided_at = timezone.now()
    pitch.save()
    _record(
        roadshow,
        event,
        user=actor.user,
        data={"pitch": pitch.pk, "presenter": pitch.organization_id},
        field_id=pitch.listing.field_id,
    )
    _tell(
        pitch.organization_id,
        title=lambda: title % {"listing": pitch.listing.title, "title": roadshow.title},
        body=pitch.decline_reason,
        url=roadshow.get_absolute_url(),
        event=WebhookEvent.ROADSHOW_UPDATED,
        payload=_pitch_payload(pitch, action=event.split(".")[1]),
    )
    return pitch


@transaction.atomic
def pitch_schedule(*, actor: Actor, pitch: Pitch, position, slot_starts_at, slot_ends_at) -> Pitch:
    """The host sets a selected pitch's place in the programme and its time slot, within the
    event and clear of the other pitches' slots."""
    pitch = (
        Pitch.objects.select_for_update(of=("self",)).select_related("roadshow").get(pk=pitch.pk)
    )
    roadshow = pitch.roadshow
    _host_only(actor, roadshow)
    if pitch.status != Pitch.Status.SELECTED:
        raise ValidationError({"status": _("Only a selected pitch is in the programme.")})
    errors = {}
    try:
        position = int(position)
        if not 1 <= position <= 500:
            raise ValueError
    except (TypeError, ValueError):
        errors["position"] = [_("Enter the order as a whole number from 1 to 500.")]
    if not isinstance(slot_starts_at, datetime):
        errors["slot_starts_at"] = [_("Enter the date and time it starts.")]
    elif not roadshow.starts_at <= slot_starts_at < roadshow.ends_at:
        errors["slot_starts_at"] = [_("The slot must fall within the roadshow's time.")]
    if not isinstance(slot_ends_at, datetime):
        errors["slot_ends_at"] = [_("Enter the date and time it ends.")]
    elif isinstance(slot_starts_at, datetime) and slot_ends_at <= slot_starts_at:
        errors["slot_ends_at"] = [_("The slot ends after it starts.")]
    elif slot_ends_at > roadshow.ends_at:
        errors["slot_ends_at"] = [_("The slot must fall within the roadshow's time.")]
    if errors:
        raise ValidationError(errors)
    # One pitch at a time: the roadshow's row serializes the host's scheduling.
    Roadshow.objects.select_for_update().filter(pk=roadshow.pk).first()
    clash = (
        roadshow.pitches.filter(
            status=Pitch.Status.SELECTED,
            slot_starts_at__lt=slot_ends_at,
            slot_ends_at__gt=slot_starts_at,
        )
        .exclude(pk=pitch.pk)
        .select_related("listing")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "slot_starts_at": [
                    _("The slot overlaps “%(title)s” (%(start)s–%(end)s) in the programme.")
                    % {
                        "title": clash.listing.title,
                        "start": timezone.localtime(clash.slot_starts_at).strftime("%H:%M"),
                        "end": timezone.localtime(clash.slot_ends_at).strftime("%H:%M"),
                    }
                ]
            }
        )
    pitch.position = position
    pitch.slot_starts_at = slot_starts_at
    pitch.slot_ends_at = slot_ends_at
    pitch.save()
    return pitch


@transaction.atomic
def pitch_set_replay(*, actor: Actor, pitch: Pitch, replay_url: str) -> Pitch:
    """After the event, the host (or the presenter) gives the pitch's replay link, shown on
    the pitched listing's page."""
    pitch = (
        Pitch.objects.select_for_update(of=("self",)).select_related("roadshow").get(pk=pitch.pk)
    )
    roadshow = pitch.roadshow
    if not (
        roadshow_is_host(actor=actor, roadshow=roadshow)
        or pitch_is_presenter(actor=actor, pitch=pitch)
    ):
        raise PermissionDenied(_("Only the host or the presenter gives the replay link."))
    if pitch.status != Pitch.Status.SELECTED:
        raise ValidationError({"status": _("Only a selected pitch is in the programme.")})
    if roadshow.status != RoadshowStatus.HELD:
        raise ValidationError({"replay_url": _("The replay link is given after the roadshow.")})
    pitch.replay_url = _clean_url(replay_url, "replay_url", required=True)
    pitch.save()
    return pitch


# --- registrations -------------------------------------------------------------------------


@transaction.atomic
def registration_create(
    *, actor: Actor, roadshow: Roadshow, organization: Organization
) -> Registration:
    """A member of a verified organization registers for a published roadshow; the host
    validates."""
    _member(actor, organization)
    roadshow = Roadshow.objects.select_for_update().get(pk=roadshow.pk)
    if roadshow.status != RoadshowStatus.PUBLISHED or roadshow.ends_at <= timezone.now():
        raise ValidationError(
            {"organization": _("Registration is open while the roadshow is upcoming or live.")}
        )
    if not organization.is_verified:
        raise ValidationError(
            {"organization": _("Only members of a verified organization register.")}
        )
    registration, created = Registration.objects.get_or_create(
        roadshow=roadshow, user=actor.user, defaults={"organization": organization}
    )
    if not created:
        raise ValidationError({"organization": _("You are already registered for this roadshow.")})
    _record(
        roadshow,
        "roadshow.registered",
        user=actor.user,
        organization_id=organization.pk,
        data={"registration": registration.pk},
    )
    notify_organization(
        organization=roadshow.host,
        topic=Notification.Topic.ROADSHOW,
        title=lambda: (
            _("A new registration for “%(title)s” awaits validation") % {"title": roadshow.title}
        ),
        url=roadshow.get_absolute_url(),
        admins_only=True,
    )
    return registration


@transaction.atomic
def registration_decide(
    *, actor: Actor, registration: Registration, validate: bool
) -> Registration:
    """The host validates (the attendee then sees the stream and may request meetings) or
    refuses a registration."""
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("roadshow")
        .get(pk=registration.pk)
    )
    roadshow = registration.roadshow
    _host_only(actor, roadshow)
    if roadshow.status != RoadshowStatus.PUBLISHED:
        raise ValidationError(
            {"status": _("Registrations are decided while the roadshow is published.")}
        )
    registration.status = Registration.Status.VALIDATED if validate else Registration.Status.REFUSED
    registration.decided_at = timezone.now()
    registration.save()
    notify(
        users=[registration.user],
        topic=Notification.Topic.ROADSHOW,
        title=lambda: (
            (
                _("Your registration for “%(title)s” is validated")
                if validate
                else _("Your registration for “%(title)s” is refused")
            )
            % {"title": roadshow.title}
        ),
        url=roadshow.get_absolute_url(),
    )
    if validate:
        _suggest(registration)
    return registration


def _suggest(registration: Registration) -> None:
    """Tell a newly validated attendee which pitches the matcher suggests it meet, and why
    (stored matches only: cheap enough to run in the request)."""
    rows = suggestions_for(
        actor=actor_for(user=registration.user),
        roadshow=registration.roadshow,
        organization_id=registration.organization_id,
    )
    if not rows:
        return
    notify(
        users=[registration.user],
        topic=Notification.Topic.ROADSHOW,
        title=lambda: (
            _("Pitches suggested for you to meet at “%(title)s”")
            % {"title": registration.roadshow.title}
        ),
        body=lambda: "\n".join(f"{row.pitch.listing.title}：{row.reason}" for row in rows),
        url=reverse("roadshows:mine"),
    )


# --- the competition's panel ---------------------------------------------------------------


def _competition(roadshow: Roadshow, field: str) -> None:
    if not roadshow.is_competition:
        raise ValidationError({field: _("This roadshow is not a competition.")})
    if roadshow.status not in (RoadshowStatus.DRAFT, RoadshowStatus.PUBLISHED, RoadshowStatus.HELD):
        raise ValidationError({"status": _("This roadshow is cancelled.")})


@transaction.atomic
def panel_add(*, actor: Actor, roadshow: Roadshow, username: str) -> PanelMember:
    """The host names an expert of the panel by user name or e-mail."""
    _host_only(actor, roadshow)
    _competition(roadshow, "username")
    name = _clean_text(username, "username", limit=254)
    user = (
        get_user_model()
        .objects.filter(Q(username=name) | Q(email__iexact=name), is_active=True)
        .first()
    )
    if user is None:
        raise ValidationError({"username": _("No active user has this user name or e-mail.")})
    member, created = PanelMember.objects.get_or_create(roadshow=roadshow, user=user)
    if not created:
        raise ValidationError({"username": _("This expert is already on the panel.")})
    notify(
        users=[user],
        topic=Notification.Topic.ROADSHOW,
        title=lambda: _("You are on the expert panel of “%(title)s”") % {"title": roadshow.title},
        url=roadshow.get_absolute_url(),
    )
    return member


@transaction.atomic
def criterion_add(*, actor: Actor, roadshow: Roadshow, name: str, weight) -> Criterion:
    _host_only(actor, roadshow)
    _competition(roadshow, "name")
    errors = {}
    try:
        name = _clean_text(name, "name", limit=100)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        weight = int(weight)
        if not 1 <= weight <= 100:
            raise ValueError
    except (TypeError, ValueError):
        errors["weight"] = [_("Enter a weight from 1 to 100.")]
    if roadshow.criteria.count() >= MAX_CRITERIA:
        errors["name"] = [_("At most %(count)d criteria.") % {"count": MAX_CRITERIA}]
    if Score.objects.filter(criterion__roadshow=roadshow).exists():
        errors["name"] = [_("Scoring has begun: the criteria are locked.")]
    if errors:
        raise ValidationError(errors)
    return Criterion.objects.create(roadshow=roadshow, name=name, weight=weight)


@transaction.atomic
def pitch_score(*, actor: Actor, pitch: Pitch, scores: dict) -> list[Score]:
    """A panel member scores a selected pitch on every criterion (0–100). One from the
    presenter's organization may not score it."""
    pitch = Pitch.objects.select_related("roadshow").get(pk=pitch.pk)
    roadshow = pitch.roadshow
    if (
        not actor.is_person
        or not PanelMember.objects.filter(roadshow=roadshow, user=actor.user).exists()
    ):
        raise PermissionDenied(_("Only the roadshow's expert panel scores pitches."))
    if roadshow.status not in (RoadshowStatus.PUBLISHED, RoadshowStatus.HELD):
        raise ValidationError({"status": _("Pitches are scored once the roadshow is published.")})
    if pitch.status != Pitch.Status.SELECTED:
        raise ValidationError({"pitch": _("Only a selected pitch is scored.")})
    if Membership.objects.filter(
        user=actor.user, organization_id=pitch.organization_id, status=Membership.Status.ACTIVE
    ).exists():
        raise ValidationError(
            {"pitch": _("You belong to the presenter's organization: you may not score its pitch.")}
        )
    criteria = list(roadshow.criteria.all())
    if not criteria:
        raise ValidationError({"scores": _("The host has not set the criteria yet.")})
    errors, values = [], {}
    for criterion in criteria:
        raw = scores.get(criterion.pk, scores.get(str(criterion.pk)))
        try:
            value = int(raw)
            if not 0 <= value <= 100:
                raise ValueError
            values[criterion.pk] = value
        except (TypeError, ValueError):
            errors.append(
                _("“%(criterion)s”: enter a score from 0 to 100.") % {"criterion": criterion.name}
            )
    if errors:
        raise ValidationError({"scores": errors})
    saved = []
    for criterion in criteria:
        score, _created = Score.objects.update_or_create(
            pitch=pitch,
            criterion=criterion,
            judge=actor.user,
            defaults={"value": values[criterion.pk]},
        )
        saved.append(score)
    return saved


# --- questions -----------------------------------------------------------------------------


@transaction.atomic
def question_ask(*, actor: Actor, pitch: Pitch, organization: Organization, text: str) -> Question:
    """A validated attendee asks a selected pitch; the presenter is told."""
    _member(actor, organization)
    roadshow = pitch.roadshow
    if not roadshow_is_attendee(actor=actor, roadshow=roadshow):
        raise PermissionDenied(_("Only validated attendees ask the presenters."))
    if pitch.status != Pitch.Status.SELECTED or roadshow.status not in (
        RoadshowStatus.PUBLISHED,
        RoadshowStatus.HELD,
    ):
        raise ValidationError({"text": _("Questions are asked to a pitch in the programme.")})
    if organization.pk == pitch.organization_id:
        raise ValidationError({"text": _("The presenter answers questions; it does not ask them.")})
    text = _clean_text(text, "text", limit=2000)
    question = Question.objects.create(
        pitch=pitch, organization=organization, text=text, asked_by=actor.user
    )
    notify_organization(
        organization=pitch.organization,
        topic=Notification.Topic.ROADSHOW,
        title=lambda: _("A question about your pitch at “%(title)s”") % {"title": roadshow.title},
        body=text,
        url=roadshow.get_absolute_url(),
    )
    return question


@transaction.atomic
def question_answer(*, actor: Actor, question: Question, answer: str) -> Question:
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("pitch__roadshow")
        .get(pk=question.pk)
    )
    if not pitch_is_presenter(actor=actor, pitch=question.pitch):
        raise PermissionDenied(_("Only the presenter answers questions."))
    if question.answer:
        raise ValidationError({"answer": _("This question is already answered.")})
    question.answer = _clean_text(answer, "answer", limit=5000)
    question.answered_by = actor.user
    question.answered_at = timezone.now()
    question.save()
    notify_organization(
        organization=question.organization,
        topic=Notification.Topic.ROADSHOW,
        title=lambda: (
            _("Your question at “%(title)s” is answered") % {"title": question.pitch.roadshow.title}
        ),
        body=question.answer,
        url=question.pitch.roadshow.get_absolute_url(),
    )
    return question


# --- one-to-one meetings -------------------------------------------------------------------


def _meeting_payload(meeting: Meeting, **extra) -> dict:
    return {
        "meeting": {
            "id": meeting.pk,
            "roadshow": meeting.pitch.roadshow_id,
            "pitch": meeting.pitch_id,
            "presenter": meeting.presenter_id,
            "attendee": meeting.attendee_id,
            "status": meeting.status,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
        },
        **extra,
    }


def _tell_meeting(meeting: Meeting, organization_ids, *, title: Words, body: Words = "") -> None:
    for organization_id in organization_ids:
        _tell(
            organization_id,
            title=title,
            body=body,
            url=meeting.get_absolute_url(),
            event=WebhookEvent.ROADSHOW_MEETING_UPDATED,
            payload=_meeting_payload(meeting),
        )


def _meeting_errors(roadshow: Roadshow, starts_at, ends_at) -> dict:
    errors = {}
    if not isinstance(starts_at, datetime):
        return {"starts_at": [_("Enter the date and time it starts.")]}
    if not isinstance(ends_at, datetime):
        return {"ends_at": [_("Enter the date and time it ends.")]}
    first, last = _local_day(roadshow.starts_at), _local_day(roadshow.ends_at)
    if not first <= _local_day(starts_at) <= last or not first <= _local_day(ends_at) <= last:
        errors["starts_at"] = [
            _("Propose a time during the roadshow's days, %(first)s to %(last)s.")
            % {"first": first.isoformat(), "last": last.isoformat()}
        ]
    elif starts_at <= timezone.now():
        errors["starts_at"] = [_("Propose a time later than now.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The meeting ends after it starts.")]
    elif ends_at - starts_at > timedelta(minutes=settings.ROADSHOW_MEETING_MAX_MINUTES):
        errors["ends_at"] = [
            _("A meeting lasts at most %(minutes)d minutes.")
            % {"minutes": settings.ROADSHOW_MEETING_MAX_MINUTES}
        ]
    return errors


@transaction.atomic
def meeting_request(
    *,
    actor: Actor,
    pitch: Pitch,
    organization: Organization,
    starts_at,
    ends_at,
    note: str = "",
) -> Meeting:
    """A validated attendee proposes a one-to-one meeting with a pitch's presenter during the
    roadshow's days."""
    _member(actor, organization)
    pitch = Pitch.objects.select_related("roadshow").get(pk=pitch.pk)
    roadshow = pitch.roadshow
    if not roadshow_is_attendee(actor=actor, roadshow=roadshow):
        raise PermissionDenied(_("Only validated attendees request meetings."))
    if roadshow.status != RoadshowStatus.PUBLISHED or pitch.status != Pitch.Status.SELECTED:
        raise ValidationError(
            {"starts_at": _("Meetings are requested with a pitch of an upcoming roadshow.")}
        )
    if organization.pk == pitch.organization_id:
        raise ValidationError({"starts_at": _("You do not meet your own organization.")})
    errors = _meeting_errors(roadshow, starts_at, ends_at)
    try:
        note = _clean_text(note, "note", required=False, limit=2000)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        pitch=pitch,
        presenter_id=pitch.organization_id,
        attendee=organization,
        attendee_user=actor.user,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note,
    )
    _record(
        roadshow,
        "roadshow.meeting_requested",
        user=actor.user,
        organization_id=organization.pk,
        data={"meeting": meeting.pk, "pitch": pitch.pk},
    )
    _tell_meeting(
        meeting,
        [pitch.organization_id],
        title=lambda: (
            _("A one-to-one meeting is requested at “%(title)s”") % {"title": roadshow.title}
        ),
        body=note,
    )
    return meeting


def _lock_parties(meeting: Meeting) -> None:
    """Lock both parties' rows, always in the same order, so two accepts touching the same
    presenter or attendee run one after the other and the second sees the first."""
    ids = sorted({meeting.presenter_id, meeting.attendee_id})
    list(Organization.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    list(get_user_model().objects.select_for_update().filter(pk=meeting.attendee_user_id))


def meeting_overlaps(meeting: Meeting):
    """Accepted meetings of the same presenter or attendee that overlap this one's time."""
    return (
        Meeting.objects.filter(
            status=Meeting.Status.ACCEPTED,
            starts_at__lt=meeting.ends_at,
            ends_at__gt=meeting.starts_at,
        )
        .filter(Q(presenter_id=meeting.presenter_id) | Q(attendee_user_id=meeting.attendee_user_id))
        .exclude(pk=meeting.pk)
    )


@transaction.atomic
def meeting_accept(*, actor: Actor, meeting: Meeting) -> Meeting:
    """The presenter accepts; neither side may hold two accepted meetings at once."""
    meeting = Meeting.objects.select_related("pitch__roadshow").get(pk=meeting.pk)
    if meeting.presenter_id not in actor.organization_ids:
        raise PermissionDenied(_("Only the presenter accepts or declines the meeting."))
    _lock_parties(meeting)
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("pitch__roadshow")
        .get(pk=meeting.pk)
    )
    if meeting.status != Meeting.Status.REQUESTED:
        raise ValidationError({"status": _("This meeting is already decided.")})
    if meeting.starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("The proposed time has passed.")})
    clash = meeting_overlaps(meeting).first()
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": _(
                    "Double booking: an accepted meeting from %(start)s to %(end)s overlaps "
                    "this one."
                )
                % {
                    "start": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M"),
                    "end": timezone.localtime(clash.ends_at).strftime("%H:%M"),
                }
            }
        )
    meeting.status = Meeting.Status.ACCEPTED
    meeting.decided_by = actor.user
    meeting.decided_at = timezone.now()
    meeting.save()
    roadshow = meeting.pitch.roadshow
    _record(roadshow, "roadshow.meeting_accepted", user=actor.user, data={"meeting": meeting.pk})
    _tell_meeting(
        meeting,
        [meeting.attendee_id],
        title=lambda: (
            _("Your one-to-one meeting at “%(title)s” is accepted") % {"title": roadshow.title}
        ),
    )
    return meeting


@transaction.atomic
def meeting_decline(*, actor: Actor, meeting: Meeting, reason: str) -> Meeting:
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("pitch__roadshow")
        .get(pk=meeting.pk)
    )
    if meeting.presenter_id not in actor.organization_ids:
        raise PermissionDenied(_("Only the presenter accepts or declines the meeting."))
    if meeting.status != Meeting.Status.REQUESTED:
        raise ValidationError({"status": _("This meeting is already decided.")})
    meeting.decline_reason = _clean_text(reason, "reason", limit=NOTE_MAX_LENGTH)
    meeting.status = Meeting.Status.DECLINED
    meeting.decided_by = actor.user
    meeting.decided_at = timezone.now()
    meeting.save()
    roadshow = meeting.pitch.roadshow
    _record(roadshow, "roadshow.meeting_declined", user=actor.user, data={"meeting": meeting.pk})
    _tell_meeting(
        meeting,
        [meeting.attendee_id],
        title=lambda: (
            _("Your one-to-one meeting at “%(title)s” is declined") % {"title": roadshow.title}
        ),
        body=meeting.decline_reason,
    )
    return meeting


@transaction.atomic
def meeting_mark_held(*, actor: Actor, meeting: Meeting) -> Meeting:
    """Either side marks an accepted meeting held once it has begun; follow-ups count from
    then."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("pitch__roadshow")
        .get(pk=meeting.pk)
    )
    if not {meeting.presenter_id, meeting.attendee_id} & set(actor.organization_ids):
        raise PermissionDenied(_("Only the two sides mark the meeting held."))
    if meeting.status != Meeting.Status.ACCEPTED:
        raise ValidationError({"status": _("Only an accepted meeting is marked held.")})
    if meeting.starts_at > timezone.now():
        raise ValidationError({"status": _("The meeting has not begun yet.")})
    meeting.status = Meeting.Status.HELD
    meeting.held_at = timezone.now()
    meeting.save()
    roadshow = meeting.pitch.roadshow
    _record(roadshow, "roadshow.meeting_held", user=actor.user, data={"meeting": meeting.pk})
    _tell_meeting(
        meeting,
        {meeting.presenter_id, meeting.attendee_id},
        title=lambda: (
            _("The one-to-one meeting at “%(title)s” was held") % {"title": roadshow.title}
        ),
    )
    return meeting


def meetings_remind_due(*, now: datetime | None = None) -> int:
    """Remind both sides of an accepted meeting the day before and an hour before. Each
    reminder is sent once (a conditional update claims it), so running twice is safe."""
    now = now or timezone.now()
    sent = 0
    upcoming = Meeting.objects.filter(
        status=Meeting.Status.ACCEPTED, starts_at__gt=now, starts_at__lte=now + timedelta(days=1)
    ).select_related("pitch__roadshow")
    for meeting in upcoming:
        soon = meeting.starts_at - now <= timedelta(hours=1)
        field = "reminded_hour_at" if soon else "reminded_day_at"
        claim = Meeting.objects.filter(pk=meeting.pk, **{f"{field}__isnull": True})
        if soon:
            # An hour before stands for the day-before reminder as well.
            claimed = claim.update(reminded_hour_at=now, reminded_day_at=now)
        else:
            claimed = claim.update(reminded_day_at=now)
        if not claimed:
            continue
        _remind_meeting(meeting, soon=soon)
        sent += 1
    return sent


def _remind_meeting(meeting: Meeting, *, soon: bool) -> None:
    when = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")

    def title():
        return (
            _("Reminder: your one-to-one meeting at “%(title)s” starts within an hour (%(when)s)")
            if soon
            else _("Reminder: your one-to-one meeting at “%(title)s” is tomorrow (%(when)s)")
        ) % {"title": meeting.pitch.roadshow.title, "when": when}

    _notify_both_sides(meeting, title=title, url=meeting.get_absolute_url())


def meetings_follow_up_due(*, now: datetime | None = None) -> int:
    """Prompt both sides 7, 30 and 90 days (ROADSHOW_FOLLOW_UP_DAYS) after a meeting was held
    to follow it up. Each prompt is sent once: a conditional update on the count claims it; a
    run that missed one sends only the latest due."""
    now = now or timezone.now()
    days = tuple(settings.ROADSHOW_FOLLOW_UP_DAYS)
    sent = 0
    candidates = Meeting.objects.filter(
        status=Meeting.Status.HELD,
        follow_ups_sent__lt=len(days),
        held_at__lte=now - timedelta(days=days[0]),
    ).select_related("pitch__roadshow", "pitch__listing")
    for meeting in candidates:
        due = [n for n, day in enumerate(days) if meeting.held_at + timedelta(days=day) <= now]
        if not due or due[-1] < meeting.follow_ups_sent:
            continue
        claimed = Meeting.objects.filter(
            pk=meeting.pk, follow_ups_sent=meeting.follow_ups_sent
        ).update(follow_ups_sent=due[-1] + 1)
        if not claimed:
            continue
        _prompt_follow_up(meeting, days_since=days[due[-1]])
        sent += 1
    return sent


def _prompt_follow_up(meeting: Meeting, *, days_since: int) -> None:
    def title():
        return _(
            "%(days)d days since your meeting about “%(listing)s”: how is the follow-up going?"
        ) % {"days": days_since, "listing": meeting.pitch.listing.title}

    _notify_both_sides(
        meeting,
        title=title,
        body=lambda: _(
            "Express an intent on the pitch, or open a conversation, to take it further."
        ),
        url=meeting.pitch.roadshow.get_absolute_url(),
    )


def _notify_both_sides(meeting: Meeting, *, title: Words, body: Words = "", url: str) -> None:
    """The presenter's and the attendee's members, in the app and by e-mail (no webhook: a
    reminder or a prompt changes nothing)."""
    for organization in Organization.objects.filter(
        pk__in={meeting.presenter_id, meeting.attendee_id}
    ):
        notify_organization(
            organization=organization,
            topic=Notification.Topic.ROADSHOW,
            title=title,
            body=body,
            url=url,
        )


# --- intents -------------------------------------------------------------------------------


def _intent_payload(intent: Intent) -> dict:
    return {
        "intent": {
            "id": intent.pk,
            "roadshow": intent.pitch.roadshow_id,
            "pitch": intent.pitch_id,
            "organization": intent.organization_id,
            "presenter": intent.pitch.organization_id,
            "kind": intent.kind,
            "status": intent.status,
            "deal": intent.deal_id,
        }
    }


def _tell_intent(intent: Intent, organization_id: int, *, title: Words, body: Words = "") -> None:
    _tell(
        organization_id,
        title=title,
        body=body,
        url=reverse("roadshows:mine"),
        event=WebhookEvent.ROADSHOW_INTENT_UPDATED,
        payload=_intent_payload(intent),
    )


@transaction.atomic
def intent_express(
    *, actor: Actor, pitch: Pitch, organization: Organization, kind: str, note: str
) -> Intent:
    """A validated attendee's organization says it wants to invest, license, co-develop,
    pilot or buy; the presenter accepts (a deal opens) or declines."""
    _member(actor, organization)
    pitch = Pitch.objects.select_related("roadshow", "listing").get(pk=pitch.pk)
    roadshow = pitch.roadshow
    if not roadshow_is_attendee(actor=actor, roadshow=roadshow):
        raise PermissionDenied(_("Only validated attendees express intents."))
    if pitch.status != Pitch.Status.SELECTED or roadshow.status not in (
        RoadshowStatus.PUBLISHED,
        RoadshowStatus.HELD,
    ):
        raise ValidationError({"kind": _("Intents are expressed on a pitch in the programme.")})
    if organization.pk == pitch.organization_id:
        raise ValidationError({"kind": _("You do not express an intent on your own pitch.")})
    errors = {}
    if kind not in Intent.Kind.values:
        errors["kind"] = [_("Choose invest, license, co-develop, pilot or buy.")]
    try:
        note = _clean_text(note, "note", limit=2000)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            intent = Intent.objects.create(
                pitch=pitch,
                organization=organization,
                kind=kind,
                note=note,
                expressed_by=actor.user,
            )
    except IntegrityError as error:
        raise ValidationError(
            {"kind": _("Your organization already has an open intent on this pitch.")}
        ) from error
    _record(
        roadshow,
        "roadshow.intent_expressed",
        user=actor.user,
        organization_id=organization.pk,
        data={"intent": intent.pk, "kind": kind, "pitch": pitch.pk},
        field_id=pitch.listing.field_id,
    )
    _tell_intent(
        intent,
        pitch.organization_id,
        title=lambda: (
            _("%(organization)s wants to %(kind)s “%(listing)s”")
            % {
                "organization": organization.name,
                "kind": intent.get_kind_display(),
                "listing": pitch.listing.title,
            }
        ),
        body=note,
    )
    return intent


@transaction.atomic
def intent_decide(*, actor: Actor, intent: Intent, accept: bool, reason: str = "") -> Intent:
    """The presenter accepts an intent (a deal opens between the two organizations, origin
    roadshow) or declines it saying why."""
    intent = (
        Intent.objects.select_for_update()
        .select_related("pitch__roadshow", "pitch__listing", "pitch__organization", "organization")
        .get(pk=intent.pk)
    )
    pitch = intent.pitch
    roadshow = pitch.roadshow
    if not pitch_is_presenter(actor=actor, pitch=pitch):
        raise PermissionDenied(_("Only the presenter accepts or declines an intent."))
    if intent.status != Intent.Status.EXPRESSED:
        raise ValidationError({"status": _("This intent is already decided.")})
    user = actor.user if actor.is_authenticated else None
    if accept:
        listing = pitch.listing
        intent.deal = deal_open_for_program(
            origin=Deal.Origin.ROADSHOW,
            demand_party=intent.organization,
            supply_party=pitch.organization,
            title=_("%(listing)s — %(kind)s (roadshow “%(title)s”)")
            % {
                "listing": listing.title,
                "kind": intent.get_kind_display(),
                "title": roadshow.title,
            },
            region_id=pitch.organization.region_id or roadshow.region_id,
            listing=listing,
            field_id=listing.field_id,
            user=user,
            opened_by_organization_id=pitch.organization_id,
        )
        intent.status = Intent.Status.ACCEPTED
        event = "roadshow.intent_accepted"
        title = gettext_lazy("Your intent on “%(listing)s” is accepted: a deal is open")
    else:
        intent.decline_reason = _clean_text(reason, "reason", limit=NOTE_MAX_LENGTH)
        intent.status = Intent.Status.DECLINED
        event = "roadshow.intent_declined"
        title = gettext_lazy("Your intent on “%(listing)s” is declined")
    intent.decided_by = user
    intent.decided_at = timezone.now()
    intent.save()
    _record(
        roadshow,
        event,
        user=user,
        organization_id=pitch.organization_id,
        data={"intent": intent.pk, "kind": intent.kind, "deal": intent.deal_id},
        field_id=pitch.listing.field_id,
    )
    _tell_intent(
        intent,
        intent.organization_id,
        title=lambda: title % {"listing": pitch.listing.title},
        body=intent.decline_reason,
    )
    return intent


def keep_roadshows_on_time() -> dict:
    """The periodic task's work: held roadshows, meeting reminders, follow-up prompts."""
    return {
        "held": roadshows_close_due(),
        "reminded": meetings_remind_due(),
        "followed_up": meetings_follow_up_due(),
    }
