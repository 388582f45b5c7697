"""Writes of credit: the cached standings (kept current from the outcome log, rebuilt from it)
and appeals (filed by a party, decided by the CAST staff of its region)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from credit import rules
from credit.models import CreditAppeal, CreditStanding
from credit.selectors import appeal_can_decide, appeal_can_file, credit_compute
from notifications.models import Notification
from notifications.services import notify
from organizations.models import Organization
from organizations.selectors import Actor, organization_reviewers, region_office
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record

N = OutcomeEvent.Name
STATEMENT_MAX_LENGTH = 2000
# Events that change a standing: the scored ones and the appeals' decisions.
AFFECTING_NAMES = rules.SCORED_NAMES | {N.CREDIT_APPEAL_UPHELD}


def credit_refresh(*, organization_ids, at: datetime | None = None) -> int:
    """Recompute and store the standings of these organizations (those that exist)."""
    at = at or timezone.now()
    existing = Organization.objects.filter(pk__in=set(organization_ids)).values_list(
        "pk", flat=True
    )
    count = 0
    for organization_id in existing:
        standing = credit_compute(organization=organization_id, at=at)
        CreditStanding.objects.update_or_create(
            organization_id=organization_id,
            defaults={
                "score": None if standing.score is None else Decimal(str(standing.score)),
                "level": standing.level,
                "event_count": standing.event_count,
                "computed_at": at,
            },
        )
        count += 1
    return count


def credit_record_event(*, event: OutcomeEvent) -> None:
    """Keep the standings the event touches current, in its transaction (only those)."""
    if event.name not in AFFECTING_NAMES:
        return
    affected = {event.organization_id, event.counterpart_id} - {None}
    if affected:
        credit_refresh(organization_ids=affected)


@transaction.atomic
def credit_rebuild(*, at: datetime | None = None) -> int:
    """Recompute every standing from the log: the organizations named by a scored event of
    the window, and those that had a standing (which may now have none to count)."""
    at = at or timezone.now()
    since = at - timedelta(days=settings.CREDIT_WINDOW_DAYS)
    named = OutcomeEvent.objects.filter(
        name__in=rules.SCORED_NAMES, occurred_at__gt=since, occurred_at__lte=at
    )
    ids = set(named.values_list("organization_id", flat=True))
    ids |= set(named.values_list("counterpart_id", flat=True))
    ids |= set(CreditStanding.objects.values_list("organization_id", flat=True))
    ids.discard(None)
    return credit_refresh(organization_ids=ids, at=at)


# --- appeals -------------------------------------------------------------------------------


def _appeal_url(organization_id: int) -> str:
    return reverse("credit:detail", args=[organization_id])


@transaction.atomic
def appeal_file(
    *, actor: Actor, organization: Organization, event_id, statement: str
) -> CreditAppeal:
    """A party appeals one event's effect on its standing; the region's CAST staff are told.

    Only an event that counts against the organization now (negative points) can be appealed,
    and only once at a time.
    """
    if not appeal_can_file(actor=actor, organization=organization):
        raise PermissionDenied(_("Only the organization's members appeal its credit."))
    statement = (statement or "").replace("\x00", "").strip()
    errors = {}
    if not statement:
        errors["statement"] = _("Say why this event should not count against you.")
    elif len(statement) > STATEMENT_MAX_LENGTH:
        errors["statement"] = _("Keep the statement within %(limit)d characters.") % {
            "limit": STATEMENT_MAX_LENGTH
        }
    try:
        event_id = int(event_id)
    except (TypeError, ValueError):
        event_id = None
    standing = credit_compute(organization=organization)
    line = next((line for line in standing.lines if line.event_id == event_id), None)
    if line is None or line.points >= 0:
        errors["event"] = _("Choose an event that counts against your credit.")
    elif CreditAppeal.objects.filter(
        organization=organization, event_id=event_id, status=CreditAppeal.Status.OPEN
    ).exists():
        errors["event"] = _("An appeal against this event is already open.")
    if errors:
        raise ValidationError(errors)
    appeal = CreditAppeal.objects.create(
        organization=organization,
        event_id=event_id,
        statement=statement,
        created_by=actor.user,
    )
    notify(
        users=organization_reviewers(office=region_office(region=organization.region)),
        topic=Notification.Topic.CREDIT,
        title=lambda: (
            _("%(organization)s appeals its credit: %(what)s")
            % {"organization": organization.name, "what": line.label}
        ),
        body=statement,
        url=reverse("credit:appeals"),
    )
    return appeal


@transaction.atomic
def appeal_decide(
    *, actor: Actor, appeal: CreditAppeal, uphold: bool, note: str = ""
) -> CreditAppeal:
    """The CAST staff of the organization's region decide. Upheld, the event no longer counts
    for the organization: a credit.appeal_upheld event records it (the log is corrected by a
    new event, never edited) and the standing is recomputed in this transaction. Dismissed,
    with a note saying why."""
    appeal = (
        CreditAppeal.objects.select_for_update()
        .select_related("organization", "organization__region")
        .get(pk=appeal.pk)
    )
    if not appeal_can_decide(actor=actor, appeal=appeal):
        raise PermissionDenied(_("The CAST staff of the organization's region decide appeals."))
    note = (note or "").replace("\x00", "").strip()
    if appeal.status != CreditAppeal.Status.OPEN:
        raise ValidationError(_("This appeal has been decided."))
    if not uphold and not note:
        raise ValidationError({"note": _("Say why the appeal is dismissed.")})
    if len(note) > STATEMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "note": _("Keep the note within %(limit)d characters.")
                % {"limit": STATEMENT_MAX_LENGTH}
            }
        )
    appeal.status = CreditAppeal.Status.UPHELD if uphold else CreditAppeal.Status.DISMISSED
    appeal.decision_note = note
    appeal.decided_by = actor.user
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    organization = appeal.organization
    outcome_record(
        name=N.CREDIT_APPEAL_UPHELD if uphold else N.CREDIT_APPEAL_DISMISSED,
        subject_type="outcome_event",
        subject_id=appeal.event_id,
        actor=actor.user,
        organization=organization,
        region_id=organization.region_id,
        data={"appeal": appeal.pk, "note": note},
    )
    notify_organization(
        organization=organization,
        topic=Notification.Topic.CREDIT,
        title=lambda: (
            _("Your credit appeal was upheld: the event no longer counts")
            if uphold
            else _("Your credit appeal was dismissed")
        ),
        body=note,
        url=_appeal_url(organization.pk),
    )
    return appeal
