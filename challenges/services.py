"""Writes of challenges: drafting, vetting, amendments, Q&A, the NDA, applications, the
matcher's invitations and the timer that closes applications.

Every refusal is a ValidationError naming the field, in the user's language, so the web forms
and the API show the same messages; a step the actor may not take is PermissionDenied.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from challenges.models import (
    CHALLENGE_EDITABLE,
    CHALLENGE_PANEL_OPEN,
    DEFAULT_CRITERIA,
    Amendment,
    Application,
    ApplicationMilestone,
    Challenge,
    ChallengeAnnex,
    ChallengeIndicator,
    ChallengeStatus,
    DeclineReason,
    Invitation,
    IpArrangement,
    NdaAcceptance,
    PanelAssignment,
    PanelMember,
    Question,
    ReviewCriterion,
    Score,
)
from challenges.permissions import (
    can_sponsor,
    challenge_can_vet,
    challenge_is_sponsor,
    challenge_vetting_region_id,
)
from challenges.transitions import ACTION_LABELS, Action, Step, Who, step_for
from core.uploads import upload_check_content, upload_clean_name
from core.web import site_url
from deals.models import Deal
from deals.services import deal_open_for_program
from matching.indexing import profiles_lookup
from matching.matcher import Matcher
from matching.models import Match
from matching.profiles import Profile
from matching.services import SUPPLY_KINDS, explanation_text
from matching.tasks import enqueue_on_commit
from notifications.models import Notification
from notifications.services import Words, notify
from organizations.models import Organization
from organizations.selectors import Actor, actor_for, organization_reviewers, region_office
from organizations.services import notify_organization
from outcomes.services import outcome_record
from repositories.models import ListingKind, Need
from search.backends import get_backend
from taxonomy.models import Region
from webhooks.models import WebhookEvent
from webhooks.services import webhook_emit

logger = logging.getLogger(__name__)

NOTE_MAX_LENGTH = 2000
MAX_INDICATORS = 20
MAX_MILESTONES = 20
# What the sponsor writes; the API and the web forms pass these.
TEXT_FIELDS = ("title", "problem", "success_criteria", "reward_terms", "eligibility")
CHALLENGE_FIELDS = (
    "title",
    "problem",
    "hide_sponsor",
    "success_criteria",
    "trl_now",
    "trl_wanted",
    "reward_amount",
    "reward_terms",
    "ip_arrangement",
    "eligibility",
    "max_winners",
    "applications_close_on",
    "decision_by",
    "field",
    "blind_review",
)
MAX_CRITERIA = 10
# After publication: clarified freely, each change logged.
CLARIFIABLE = ("eligibility", "reward_terms")
# After publication: only moved later, never earlier nor into the past.
EXTENDABLE = ("applications_close_on", "decision_by")
INDICATOR_FIELDS = ("name", "current_value", "target_value", "unit", "test_method")
INDICATOR_REQUIRED = ("name", "target_value", "unit", "test_method")


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _clean_text(value, field: str, *, required: bool = True, limit: int = 5000) -> str:
    value = str(value or "").replace("\x00", "").strip()
    if required and not value:
        raise ValidationError({field: _("Fill in this field.")})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it within %(limit)d characters.") % {"limit": limit}})
    return value


# --- telling -------------------------------------------------------------------------------


def challenge_payload(challenge: Challenge, *, reveal: bool, **extra) -> dict:
    """A webhook's data about a challenge. `reveal`: the receiver may learn the sponsor."""
    shown = reveal or not challenge.hide_sponsor
    return {
        "challenge": {
            "id": challenge.pk,
            "title": challenge.title,
            "status": challenge.status,
            "sponsor": challenge.sponsor_id if shown else None,
            "sponsor_hidden": challenge.hide_sponsor,
            "applications_close_on": challenge.applications_close_on,
            "decision_by": challenge.decision_by,
            "reward_amount": challenge.reward_amount,
            "url": site_url(challenge.get_absolute_url()),
        },
        **extra,
    }


def _record(challenge: Challenge, event: str, *, user=None, organization_id=None, data=None):
    outcome_record(
        name=event,
        subject_type="challenge",
        subject_id=challenge.pk,
        actor=user,
        organization=Organization(pk=organization_id or challenge.sponsor_id),
        region_id=challenge.region_id,
        field_id=challenge.field_id,
        amount=challenge.reward_amount,
        data={"status": challenge.status, "government_list": challenge.government_list}
        | (data or {}),
    )


def _followers(challenge: Challenge) -> set[int]:
    """Organizations that follow a published challenge: its live applicants and invitees."""
    applicants = Application.objects.filter(
        challenge=challenge, status=Application.Status.SUBMITTED
    ).values_list("applicant_id", flat=True)
    invited = Invitation.objects.filter(challenge=challenge).values_list(
        "organization_id", flat=True
    )
    return (set(applicants) | set(invited)) - {challenge.sponsor_id}


def _tell_organizations(
    challenge: Challenge, organization_ids, *, title: Words, body: Words = "", payload: dict
) -> None:
    for organization in Organization.objects.filter(pk__in=organization_ids):
        notify_organization(
            organization=organization,
            topic=Notification.Topic.CHALLENGE,
            title=title,
            body=body,
            url=challenge.get_absolute_url(),
        )
        webhook_emit(
            organization=organization, event=WebhookEvent.CHALLENGE_UPDATED, payload=payload
        )


def _tell_sponsor(challenge: Challenge, *, title: Words, body: Words = "", payload: dict) -> None:
    notify_organization(
        organization=challenge.sponsor,
        topic=Notification.Topic.CHALLENGE,
        title=title,
        body=body,
        url=challenge.get_absolute_url(),
    )
    webhook_emit(
        organization=challenge.sponsor_id, event=WebhookEvent.CHALLENGE_UPDATED, payload=payload
    )


def _tell_vetters(challenge: Challenge, *, title: Words) -> None:
    region_id = challenge_vetting_region_id(challenge=challenge)
    office = region_office(region=Region.objects.get(pk=region_id)) if region_id else None
    users = organization_reviewers(office=office)
    notify(
        users=users,
        topic=Notification.Topic.CHALLENGE,
        title=title,
        url=challenge.get_absolute_url(),
    )


# --- drafting ------------------------------------------------------------------------------


def _own_sponsor(actor: Actor, sponsor: Organization) -> None:
    if sponsor.pk not in actor.organization_ids:
        raise PermissionDenied(_("You can set a challenge only for your own organization."))
    if not can_sponsor(sponsor):
        raise ValidationError(
            {
                "sponsor": _(
                    "Only a verified enterprise or CAST office sets a challenge; verify your "
                    "organization first."
                )
            }
        )


def _clean_indicators(rows: Sequence[dict]) -> list[dict]:
    """Every row names its indicator, target, unit and test method; errors name the row."""
    if not rows:
        raise ValidationError({"indicators": _("Add at least one target indicator.")})
    if len(rows) > MAX_INDICATORS:
        raise ValidationError(
            {"indicators": _("At most %(count)d indicators.") % {"count": MAX_INDICATORS}}
        )
    cleaned, errors = [], []
    for number, row in enumerate(rows, start=1):
        values = {
            name: str(row.get(name) or "").replace("\x00", "").strip() for name in INDICATOR_FIELDS
        }
        for name in INDICATOR_REQUIRED:
            if not values[name]:
                errors.append(
                    _("Indicator row %(row)d, “%(field)s”: fill in this field.")
                    % {"row": number, "field": _label(ChallengeIndicator, name)}
                )
        for name in INDICATOR_FIELDS:
            limit = ChallengeIndicator._meta.get_field(name).max_length
            if len(values[name]) > limit:
                errors.append(
                    _("Indicator row %(row)d, “%(field)s”: keep it within %(limit)d characters.")
                    % {"row": number, "field": _label(ChallengeIndicator, name), "limit": limit}
                )
        cleaned.append(values)
    if errors:
        raise ValidationError({"indicators": errors})
    return cleaned


def _check_deadlines(close_on: date | None, decide_by: date | None) -> dict:
    errors = {}
    today = timezone.localdate()
    if close_on is None:
        errors["applications_close_on"] = _("Fill in this field.")
    elif close_on <= today:
        errors["applications_close_on"] = _(
            "Applications must close after today; choose a later date."
        )
    if decide_by is None:
        errors["decision_by"] = _("Fill in this field.")
    elif close_on is not None and decide_by < close_on:
        errors["decision_by"] = _("The decision comes on or after the day applications close.")
    return errors


def _clean_fields(data: dict, *, sponsor: Organization) -> dict:
    """The challenge's own fields, checked as a form would, with every error at once."""
    errors: dict[str, list] = {}
    values = {}
    for name in TEXT_FIELDS:
        limit = Challenge._meta.get_field(name).max_length or 5000
        try:
            values[name] = _clean_text(data.get(name), name, limit=limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    if "\n" in values.get("title", "") or "\r" in values.get("title", ""):
        errors["title"] = [_("Write the title on one line.")]
    for name in ("trl_now", "trl_wanted"):
        try:
            level = int(data.get(name))
            if not 1 <= level <= 9:
                raise ValueError
            values[name] = level
        except (TypeError, ValueError):
            errors[name] = [_("Choose a level from 1 to 9.")]
    if "trl_now" in values and "trl_wanted" in values and values["trl_wanted"] < values["trl_now"]:
        errors["trl_wanted"] = [_("The level wanted cannot be below the level now.")]
    try:
        amount = Decimal(str(data.get("reward_amount")))
        if not amount.is_finite() or amount <= 0 or amount > Decimal("1000000"):
            raise InvalidOperation
        values["reward_amount"] = amount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        errors["reward_amount"] = [
            _("Enter the reward in 10k CNY: more than 0 and at most 1,000,000.")
        ]
    if data.get("ip_arrangement") not in IpArrangement.values:
        errors["ip_arrangement"] = [_("Choose one of the IP arrangements.")]
    else:
        values["ip_arrangement"] = data["ip_arrangement"]
    winners = data.get("max_winners") or settings.CHALLENGE_DEFAULT_MAX_WINNERS
    try:
        winners = int(winners)
        if not 1 <= winners <= 20:
            raise ValueError
        values["max_winners"] = winners
    except (TypeError, ValueError):
        errors["max_winners"] = [_("Choose from 1 to 20 winners.")]
    for name, messages in _check_deadlines(
        data.get("applications_close_on"), data.get("decision_by")
    ).items():
        errors[name] = [messages]
    values["applications_close_on"] = data.get("applications_close_on")
    values["decision_by"] = data.get("decision_by")
    values["hide_sponsor"] = bool(data.get("hide_sponsor"))
    values["blind_review"] = bool(data.get("blind_review"))
    values["field"] = data.get("field")
    need = data.get("need")
    if need is not None and (need.organization_id != sponsor.pk or need.kind != ListingKind.NEED):
        errors["need"] = [_("Choose one of your organization's needs.")]
    values["need"] = need
    if errors:
        raise ValidationError(errors)
    return values


def _add_annexes(challenge: Challenge, files: Sequence[File], *, user) -> list[ChallengeAnnex]:
    label = _("Confidential annex")
    limit = settings.CHALLENGE_ANNEX_MAX_MB
    added = []
    for file in files:
        if file.size > limit * 1024 * 1024:
            raise ValidationError(
                {"annex": _("%(label)s: at most %(mb)d MB a file.") % {"label": label, "mb": limit}}
            )
        upload_check_content(file, field="annex", label=label)
        added.append(
            ChallengeAnnex.objects.create(
                challenge=challenge,
                file=file,
                name=upload_clean_name(file.name),
                size=file.size,
                added_by=user,
            )
        )
    return added


def _replace_indicators(challenge: Challenge, rows: list[dict]) -> None:
    challenge.indicators.all().delete()
    ChallengeIndicator.objects.bulk_create(
        ChallengeIndicator(challenge=challenge, position=n, **row) for n, row in enumerate(rows)
    )


def need_prefill(*, actor: Actor, need: Need) -> dict:
    """A challenge's fields taken from the sponsor's own need ("turn a need into a challenge")."""
    if not actor.acts_for_listing(need):
        raise PermissionDenied(_("Choose one of your organization's needs."))
    initial = {
        "title": need.title,
        "problem": "\n\n".join(p for p in (need.background, need.problem) if p),
        "success_criteria": need.target_indicators,
        "field": need.field,
        "need": need,
    }
    if need.budget_max:
        initial["reward_amount"] = need.budget_max
    if need.deadline:
        initial["decision_by"] = need.deadline
    return initial


@transaction.atomic
def challenge_save(
    *,
    actor: Actor,
    data: dict,
    indicators: Sequence[dict],
    sponsor: Organization | None = None,
    challenge: Challenge | None = None,
    annex_files: Sequence[File] = (),
    criteria: Sequence[dict] | None = None,
) -> Challenge:
    """Create a draft (with `sponsor`) or edit one while a draft or returned (with `challenge`).

    `criteria`: the panel's weighted criteria (name, weight; the weights sum to 100); None
    keeps those set, or the default four for a new challenge. A published challenge is
    changed only by challenge_amend.
    """
    user = actor.user if actor.is_authenticated else None
    if challenge is not None:
        challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
        sponsor = challenge.sponsor
        if not challenge_is_sponsor(actor=actor, challenge=challenge):
            raise PermissionDenied(_("Only the sponsor edits its challenge."))
        if challenge.status not in CHALLENGE_EDITABLE:
            raise ValidationError(
                {
                    "status": _(
                        "A challenge is edited while a draft or returned; now it is “%(status)s”."
                    )
                    % {"status": challenge.get_status_display()}
                }
            )
    else:
        _own_sponsor(actor, sponsor)
    errors = {}
    try:
        values = _clean_fields(data, sponsor=sponsor)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        rows = _clean_indicators(indicators)
    except ValidationError as error:
        errors.update(error.message_dict)
    criteria_rows = None
    if criteria is not None:
        try:
            criteria_rows = criteria_clean(criteria)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    if challenge is None:
        challenge = Challenge(
            sponsor=sponsor,
            region_id=sponsor.region_id,
            government_list=sponsor.kind == Organization.Kind.CAST_OFFICE,
            created_by=user,
        )
    for name, value in values.items():
        setattr(challenge, name, value)
    challenge.save()
    _replace_indicators(challenge, rows)
    if criteria_rows is not None:
        challenge.criteria.all().delete()
        _create_criteria(challenge, criteria_rows)
    elif not challenge.criteria.exists():
        _create_criteria(challenge, default_criteria())
    _add_annexes(challenge, annex_files, user=user)
    return challenge


def default_criteria() -> list[dict]:
    """团队水平, 研发能力, 攻关方案, 与需求匹配度: 25 each."""
    return [{"name": str(name), "weight": weight} for name, weight in DEFAULT_CRITERIA]


def criteria_clean(rows: Sequence[dict]) -> list[dict]:
    """Named criteria with whole weights from 1 to 100 that sum to 100."""
    label = _("Review criteria")
    if not rows:
        raise ValidationError({"criteria": _("%(label)s: add at least one.") % {"label": label}})
    if len(rows) > MAX_CRITERIA:
        raise ValidationError(
            {
                "criteria": _("%(label)s: at most %(count)d.")
                % {"label": label, "count": MAX_CRITERIA}
            }
        )
    cleaned, errors, names = [], [], set()
    for number, row in enumerate(rows, start=1):
        name = " ".join(str(row.get("name") or "").replace("\x00", "").split())
        if not name or len(name) > 50:
            errors.append(
                _("Criterion row %(row)d: name it in at most 50 characters.") % {"row": number}
            )
        elif name in names:
            errors.append(_("Criterion row %(row)d: the name is repeated.") % {"row": number})
        names.add(name)
        try:
            weight = int(row.get("weight"))
            if not 1 <= weight <= 100 or str(row.get("weight")).strip() not in (str(weight),):
                raise ValueError
        except (TypeError, ValueError):
            errors.append(
                _("Criterion row %(row)d: the weight is a whole number from 1 to 100.")
                % {"row": number}
            )
            weight = 0
        cleaned.append({"name": name, "weight": weight})
    if not errors and sum(row["weight"] for row in cleaned) != 100:
        errors.append(
            _("The weights of the review criteria must sum to 100; now they sum to %(sum)d.")
            % {"sum": sum(row["weight"] for row in cleaned)}
        )
    if errors:
        raise ValidationError({"criteria": errors})
    return cleaned


def _create_criteria(challenge: Challenge, rows: Sequence[dict]) -> None:
    ReviewCriterion.objects.bulk_create(
        ReviewCriterion(challenge=challenge, position=n, name=row["name"], weight=row["weight"])
        for n, row in enumerate(rows)
    )


def _display(challenge: Challenge, name: str, value) -> str:
    if value is None:
        return ""
    if name == "ip_arrangement":
        return str(IpArrangement(value).label)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _changed(name: str, current, wanted) -> bool:
    if name == "reward_amount":
        try:
            return Decimal(str(wanted)) != current
        except InvalidOperation:
            return True
    if name in ("trl_now", "trl_wanted", "max_winners"):
        try:
            return int(wanted) != current
        except (TypeError, ValueError):
            return True
    if name in TEXT_FIELDS:
        return str(wanted or "").strip() != current
    return wanted != current


@transaction.atomic
def challenge_amend(
    *,
    actor: Actor,
    challenge: Challenge,
    changes: dict,
    reason: str,
    indicators: Sequence[dict] | None = None,
    annex_files: Sequence[File] = (),
    criteria: Sequence[dict] | None = None,
) -> list[Amendment]:
    """Amend a published challenge: extend its deadlines, clarify its eligibility and reward
    terms, add to the annex. Anything else is locked (a field error naming it). Each change is
    a public Amendment; the applicants and invited organizations are told."""
    challenge = Challenge.objects.select_for_update().select_related("sponsor").get(pk=challenge.pk)
    if not challenge_is_sponsor(actor=actor, challenge=challenge):
        raise PermissionDenied(_("Only the sponsor amends its challenge."))
    if challenge.status != ChallengeStatus.PUBLISHED:
        raise ValidationError(
            {"status": _("Only an open challenge is amended; edit a draft or returned one.")}
        )
    errors: dict[str, list] = {}
    wanted = {}
    for name, value in changes.items():
        if name not in CHALLENGE_FIELDS:
            continue
        current = getattr(challenge, name if name != "field" else "field")
        if not _changed(name, current, value):
            continue
        if name in CLARIFIABLE:
            try:
                wanted[name] = _clean_text(
                    value, name, limit=Challenge._meta.get_field(name).max_length
                )
            except ValidationError as error:
                errors.update(error.message_dict)
        elif name in EXTENDABLE:
            if value is None:
                errors[name] = [_("Fill in this field.")]
            elif value < current:
                errors[name] = [
                    _(
                        "“%(field)s” may only move later after publication, never earlier "
                        "than %(date)s."
                    )
                    % {"field": _label(Challenge, name), "date": current.isoformat()}
                ]
            elif value <= timezone.localdate():
                errors[name] = [_("Choose a date after today.")]
            else:
                wanted[name] = value
        else:
            errors[name] = [
                _(
                    "“%(field)s” cannot be changed after publication: the criteria and IP "
                    "terms are locked. Clarify it in the Q&A instead."
                )
                % {"field": _label(Challenge, name)}
            ]
    if indicators is not None:
        current_rows = [
            {name: getattr(row, name) for name in INDICATOR_FIELDS}
            for row in challenge.indicators.all()
        ]
        given = [
            {name: str(row.get(name) or "").strip() for name in INDICATOR_FIELDS}
            for row in indicators
        ]
        if given != current_rows:
            errors["indicators"] = [
                _(
                    "“%(field)s” cannot be changed after publication: the criteria and IP "
                    "terms are locked. Clarify it in the Q&A instead."
                )
                % {"field": _("Target indicators")}
            ]
    if criteria is not None:
        current_criteria = [{"name": c.name, "weight": c.weight} for c in challenge.criteria.all()]
        given_criteria = [
            {"name": " ".join(str(row.get("name") or "").split()), "weight": row.get("weight")}
            for row in criteria
        ]
        try:
            changed = [
                {"name": row["name"], "weight": int(row["weight"])} for row in given_criteria
            ] != current_criteria
        except (TypeError, ValueError):
            changed = True
        if changed:
            errors["criteria"] = [
                _(
                    "“%(field)s” cannot be changed after publication: the criteria and IP "
                    "terms are locked. Clarify it in the Q&A instead."
                )
                % {"field": _("Review criteria")}
            ]
    close_on = wanted.get("applications_close_on", challenge.applications_close_on)
    decide_by = wanted.get("decision_by", challenge.decision_by)
    if decide_by < close_on and "decision_by" not in errors:
        errors["decision_by"] = [_("The decision comes on or after the day applications close.")]
    if not wanted and not annex_files and not errors:
        errors["reason"] = [_("Nothing was changed.")]
    try:
        reason = _clean_text(reason, "reason", limit=NOTE_MAX_LENGTH)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    user = actor.user if actor.is_authenticated else None
    amendments = []
    for name, value in wanted.items():
        amendments.append(
            Amendment(
                challenge=challenge,
                field_name=name,
                old_text=_display(challenge, name, getattr(challenge, name)),
                new_text=_display(challenge, name, value),
                reason=reason,
                made_by=user,
            )
        )
        setattr(challenge, name, value)
    challenge.save()
    for annex in _add_annexes(challenge, annex_files, user=user):
        amendments.append(
            Amendment(
                challenge=challenge,
                field_name="annex",
                new_text=annex.name,
                reason=reason,
                made_by=user,
            )
        )
    Amendment.objects.bulk_create(amendments)
    fields = [a.field_name for a in amendments]
    _record(challenge, "challenge.amended", user=user, data={"fields": fields, "reason": reason})
    _tell_organizations(
        challenge,
        _followers(challenge),
        title=lambda: _("The challenge “%(title)s” was amended") % {"title": challenge.title},
        body=reason,
        payload=challenge_payload(challenge, reveal=False, action="amend", fields=fields),
    )
    return amendments


# --- vetting and the rest of the table -----------------------------------------------------


def _who_acts(actor: Actor | None, challenge: Challenge, step: Step) -> None:
    if step.who == Who.SYSTEM:
        if actor is not None:
            raise PermissionDenied(_("This step is taken by the platform's timer."))
        return
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("This step is taken by a person."))
    if step.who == Who.VETTER:
        if step.event == "challenge.cosigned" and not challenge_can_vet(
            actor=actor, challenge=challenge
        ):
            raise PermissionDenied(
                _("Only the CAST staff who vet this challenge co-sign its award.")
            )
        if not challenge_can_vet(actor=actor, challenge=challenge):
            raise PermissionDenied(
                _("Only the CAST staff who vet this challenge publish or return it.")
            )
        return
    if not challenge_is_sponsor(actor=actor, challenge=challenge):
        raise PermissionDenied(_("Only the sponsor takes this step."))


@transaction.atomic
def challenge_transition(
    *, actor: Actor | None, challenge: Challenge, action: str, note: str = ""
) -> Challenge:
    """Take one step of the challenge's table (challenges.transitions). `actor` None: the
    timer. A step the status does not allow is a field error on "status"."""
    challenge = Challenge.objects.select_for_update().select_related("sponsor").get(pk=challenge.pk)
    step = step_for(challenge.status, action)
    if step is None:
        label = ACTION_LABELS.get(Action(action)) if action in Action._value2member_map_ else action
        raise ValidationError(
            {
                "status": _("“%(action)s” is not possible while the challenge is “%(status)s”.")
                % {"action": label, "status": challenge.get_status_display()}
            }
        )
    _who_acts(actor, challenge, step)
    note = _clean_text(note, "note", required=step.needs_note, limit=NOTE_MAX_LENGTH)
    errors = {}
    for check in step.checks:
        errors.update(check(challenge))
    if errors:
        raise ValidationError(errors)
    user = actor.user if actor is not None else None
    now = timezone.now()
    from_status = challenge.status
    challenge.status = step.target(challenge)
    if action == Action.SUBMIT:
        challenge.submitted_at = now
    elif action in (Action.PUBLISH, Action.RETURN):
        challenge.vetting_note = note
        challenge.vetted_by = user
        if action == Action.PUBLISH:
            challenge.published_at = now
    elif action in (Action.CLOSE, Action.EXPIRE):
        challenge.closed_at = now
    elif action == Action.AWARD:
        challenge.awarded_at = now
    elif action == Action.COSIGN:
        challenge.cosigned_at = now
        challenge.cosigned_by = user
    elif action == Action.COMPLETE:
        challenge.completed_at = now
    challenge.save()
    if step.event:
        _record(challenge, step.event, user=user, data={"action": action, "from": from_status})
    if challenge.status == ChallengeStatus.AWARDED:
        _open_deals(challenge, user=user)

    def title():
        return _("%(title)s: %(action)s — now “%(status)s”") % {
            "title": challenge.title,
            "action": ACTION_LABELS[Action(action)],
            "status": challenge.get_status_display(),
        }

    payload = {"action": action, "from_status": from_status, "note": note}
    if action == Action.SUBMIT or challenge.status == ChallengeStatus.COSIGNING:
        _tell_vetters(challenge, title=title)
    else:
        _tell_sponsor(
            challenge,
            title=title,
            body=note,
            payload=challenge_payload(challenge, reveal=True, **payload),
        )
    if from_status == ChallengeStatus.PUBLISHED:
        _tell_organizations(
            challenge,
            _followers(challenge),
            title=title,
            body=note,
            payload=challenge_payload(challenge, reveal=False, **payload),
        )
    if action == Action.PUBLISH:
        from challenges import tasks

        enqueue_on_commit(tasks.invite_for_challenge, challenge.pk)
    return challenge


def challenges_close_due() -> int:
    """Close the open challenges whose closing day has passed. Safe to run twice."""
    today = timezone.localdate()
    closed = 0
    for challenge in Challenge.objects.filter(
        status=ChallengeStatus.PUBLISHED, applications_close_on__lt=today
    ):
        try:
            challenge_transition(actor=None, challenge=challenge, action=Action.EXPIRE)
        except ValidationError:
            continue  # another run closed it first
        closed += 1
    return closed


# --- the confidential annex, the Q&A -------------------------------------------------------


def _member(actor: Actor, organization: Organization) -> None:
    if not actor.is_authenticated or organization.pk not in actor.organization_ids:
        raise PermissionDenied(_("You act only for your own organization."))


@transaction.atomic
def nda_accept(*, actor: Actor, challenge: Challenge, organization: Organization) -> NdaAcceptance:
    """The organization accepts the challenge's NDA: its members may then read the annex."""
    _member(actor, organization)
    if challenge.status != ChallengeStatus.PUBLISHED:
        raise ValidationError({"status": _("The annex is offered while the challenge is open.")})
    acceptance, _created = NdaAcceptance.objects.get_or_create(
        challenge=challenge, organization=organization, defaults={"accepted_by": actor.user}
    )
    return acceptance


@transaction.atomic
def question_ask(
    *, actor: Actor, challenge: Challenge, organization: Organization, text: str
) -> Question:
    _member(actor, organization)
    if challenge.status != ChallengeStatus.PUBLISHED:
        raise ValidationError({"text": _("Questions are asked while the challenge is open.")})
    if organization.pk == challenge.sponsor_id:
        raise ValidationError({"text": _("The sponsor answers questions; it does not ask them.")})
    text = _clean_text(text, "text", limit=2000)
    question = Question.objects.create(
        challenge=challenge, organization=organization, text=text, asked_by=actor.user
    )
    notify_organization(
        organization=challenge.sponsor,
        topic=Notification.Topic.CHALLENGE,
        title=lambda: _("A question about “%(title)s”") % {"title": challenge.title},
        body=text,
        url=challenge.get_absolute_url(),
    )
    return question


@transaction.atomic
def question_answer(*, actor: Actor, question: Question, answer: str) -> Question:
    """The sponsor answers once, in public."""
    question = Question.objects.select_for_update().select_related("challenge").get(pk=question.pk)
    challenge = question.challenge
    if not challenge_is_sponsor(actor=actor, challenge=challenge):
        raise PermissionDenied(_("Only the sponsor answers questions."))
    if question.answer:
        raise ValidationError({"answer": _("This question is already answered.")})
    question.answer = _clean_text(answer, "answer", limit=5000)
    question.answered_by = actor.user
    question.answered_at = timezone.now()
    question.save()
    notify_organization(
        organization=question.organization,
        topic=Notification.Topic.CHALLENGE,
        title=lambda: _("Your question about “%(title)s” is answered") % {"title": challenge.title},
        body=question.answer,
        url=challenge.get_absolute_url(),
    )
    return question


# --- applications --------------------------------------------------------------------------


def _application_payload(application: Application) -> dict:
    return {
        "application": {
            "id": application.pk,
            "challenge": application.challenge_id,
            "applicant": application.applicant_id,
            "status": application.status,
            "budget": application.budget,
        }
    }


def challenge_is_open(challenge: Challenge) -> bool:
    return (
        challenge.status == ChallengeStatus.PUBLISHED
        and challenge.applications_close_on >= timezone.localdate()
    )


def _clean_milestones(challenge: Challenge, rows: Sequence[dict]) -> list[dict]:
    if not rows:
        raise ValidationError({"milestones": _("Add at least one milestone.")})
    if len(rows) > MAX_MILESTONES:
        raise ValidationError(
            {"milestones": _("At most %(count)d milestones.") % {"count": MAX_MILESTONES}}
        )
    indicators = {i.pk: i for i in challenge.indicators.all()}
    errors, cleaned = [], []
    today = timezone.localdate()
    for number, row in enumerate(rows, start=1):
        title = str(row.get("title") or "").strip()
        deliverable = str(row.get("deliverable") or "").strip()
        due_on = row.get("due_on")
        indicator = row.get("covers_indicator")
        indicator_id = getattr(indicator, "pk", indicator)
        for name, value in (("title", title), ("due_on", due_on), ("deliverable", deliverable)):
            if not value:
                errors.append(
                    _("Milestone row %(row)d, “%(field)s”: fill in this field.")
                    % {"row": number, "field": _label(ApplicationMilestone, name)}
                )
        if isinstance(due_on, date) and due_on < today:
            errors.append(
                _("Milestone row %(row)d, “%(field)s”: choose a date from today on.")
                % {"row": number, "field": _label(ApplicationMilestone, "due_on")}
            )
        if indicator_id is not None and indicator_id not in indicators:
            errors.append(
                _("Milestone row %(row)d: choose one of this challenge's indicators.")
                % {"row": number}
            )
        cleaned.append(
            {
                "title": title[:200],
                "deliverable": deliverable[:2000],
                "due_on": due_on,
                "covers_indicator_id": indicator_id,
            }
        )
    covered = {row["covers_indicator_id"] for row in cleaned}
    for pk, indicator in indicators.items():
        if pk not in covered:
            errors.append(
                _("No milestone reaches the indicator “%(name)s”; say which milestone reaches it.")
                % {"name": indicator.name}
            )
    if errors:
        raise ValidationError({"milestones": errors})
    return cleaned


@transaction.atomic
def application_submit(
    *,
    actor: Actor,
    challenge: Challenge,
    applicant: Organization,
    data: dict,
    milestones: Sequence[dict],
) -> Application:
    """One structured application per organization while the challenge is open."""
    _member(actor, applicant)
    challenge = Challenge.objects.select_for_update().select_related("sponsor").get(pk=challenge.pk)
    if not challenge_is_open(challenge):
        raise ValidationError(_("Applications are accepted only while the challenge is open."))
    if applicant.pk == challenge.sponsor_id:
        raise ValidationError({"applicant": _("The sponsor does not apply to its own challenge.")})
    if not applicant.is_verified or applicant.kind == Organization.Kind.CAST_OFFICE:
        raise ValidationError(
            {"applicant": _("Only a verified organization (not a CAST office) applies.")}
        )
    if Application.objects.filter(
        challenge=challenge, applicant=applicant, status=Application.Status.SUBMITTED
    ).exists():
        raise ValidationError(
            _(
                "Your organization has already applied to this challenge; withdraw that "
                "application to file another."
            )
        )
    errors: dict[str, list] = {}
    values = {}
    for name in ("approach", "team", "evidence"):
        try:
            values[name] = _clean_text(data.get(name), name)
        except ValidationError as error:
            errors.update(error.message_dict)
    values["coi_note"] = str(data.get("coi_note") or "").strip()[:2000]
    try:
        budget = Decimal(str(data.get("budget")))
        if not budget.is_finite() or budget < 0 or budget > Decimal("1000000"):
            raise InvalidOperation
        values["budget"] = budget.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        errors["budget"] = [_("Enter the budget in 10k CNY: from 0 to 1,000,000.")]
    if not data.get("coi_declared"):
        errors["coi_declared"] = [_("Declare your conflicts of interest (or that there are none).")]
    if not data.get("originality_declared"):
        errors["originality_declared"] = [
            _("Declare that the approach is your own and infringes no one's rights.")
        ]
    try:
        rows = _clean_milestones(challenge, milestones)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                challenge=challenge,
                applicant=applicant,
                coi_declared=True,
                originality_declared=True,
                submitted_by=actor.user,
                **values,
            )
    except IntegrityError as error:
        raise ValidationError(
            _(
                "Your organization has already applied to this challenge; withdraw that "
                "application to file another."
            )
        ) from error
    ApplicationMilestone.objects.bulk_create(
        ApplicationMilestone(application=application, **row) for row in rows
    )
    _record(
        challenge,
        "application.submitted",
        user=actor.user,
        organization_id=applicant.pk,
        data={"application": application.pk, "applicant": applicant.pk},
    )
    notify_organization(
        organization=challenge.sponsor,
        topic=Notification.Topic.CHALLENGE,
        title=lambda: _("A new application to “%(title)s”") % {"title": challenge.title},
        url=application.get_absolute_url(),
    )
    webhook_emit(
        organization=challenge.sponsor_id,
        event=WebhookEvent.APPLICATION_UPDATED,
        payload=_application_payload(application),
    )
    return application


@transaction.atomic
def application_withdraw(*, actor: Actor, application: Application) -> Application:
    application = (
        Application.objects.select_for_update()
        .select_related("challenge__sponsor")
        .get(pk=application.pk)
    )
    if application.applicant_id not in actor.organization_ids:
        raise PermissionDenied(_("Only the applicant withdraws its application."))
    if application.status != Application.Status.SUBMITTED:
        raise ValidationError({"status": _("This application is already withdrawn.")})
    challenge = application.challenge
    if challenge.status != ChallengeStatus.PUBLISHED:
        raise ValidationError(
            {"status": _("An application is withdrawn only while the challenge is open.")}
        )
    application.status = Application.Status.WITHDRAWN
    application.withdrawn_at = timezone.now()
    application.save()
    _record(
        challenge,
        "application.withdrawn",
        user=actor.user,
        organization_id=application.applicant_id,
        data={"application": application.pk, "applicant": application.applicant_id},
    )
    notify_organization(
        organization=challenge.sponsor,
        topic=Notification.Topic.CHALLENGE,
        title=lambda: _("An application to “%(title)s” was withdrawn") % {"title": challenge.title},
        url=challenge.get_absolute_url(),
    )
    webhook_emit(
        organization=challenge.sponsor_id,
        event=WebhookEvent.APPLICATION_UPDATED,
        payload=_application_payload(application),
    )
    return application


# --- the matcher's invitations -------------------------------------------------------------


def challenge_profile(challenge: Challenge) -> Profile:
    """The matcher's view of a challenge, as a demand."""
    indicators = "；".join(f"{i.name}{i.target_value}{i.unit}" for i in challenge.indicators.all())
    text = "。".join(
        part.strip()
        for part in (challenge.title, challenge.problem, challenge.success_criteria, indicators)
        if part and part.strip()
    )
    region = challenge.region
    return Profile(
        id=f"challenge:{challenge.pk}",
        kind="challenge",
        passages=[text],
        title=challenge.title,
        organization=str(challenge.sponsor_id),
        fields=tuple(node.code for node in challenge.field.lineage()) if challenge.field else (),
        region=region.code,
        province=region.province.code,
    )


def _reason(kind: str, title: str, why: str = "") -> str:
    texts = {
        "achievement": _(
            "Your achievement “%(title)s” is close to the challenge's technical problem."
        ),
        "talent": _(
            "Your expert profile “%(title)s” is close to the challenge's technical problem."
        ),
        "project": _("Your project “%(title)s” is close to the challenge's technical problem."),
        "team": _("Your service team's expertise is close to the challenge's technical problem."),
    }
    reason = texts.get(kind, texts["achievement"]) % {"title": title}
    return f"{reason}（{why}）" if why else reason


def _from_need(challenge: Challenge) -> list[tuple[int, str, str, float]]:
    """The sponsor's need's approved and proposed matches, the approved first."""
    if challenge.need_id is None:
        return []
    rows = []
    matches = (
        Match.objects.filter(
            need_id=challenge.need_id, status__in=[Match.Status.APPROVED, Match.Status.PROPOSED]
        )
        .select_related("supply_listing", "supply_team")
        .order_by("-score")
    )
    for match in matches:
        approved = match.status == Match.Status.APPROVED
        if match.supply_team_id:
            organization_id, kind, title = match.supply_team_id, "team", match.supply_team.name
        else:
            listing = match.supply_listing
            organization_id, kind, title = listing.organization_id, listing.kind, listing.title
        why = _("matched to the sponsor's need: %(why)s") % {"why": explanation_text(match)}
        rows.append(
            (
                organization_id,
                _reason(kind, title, why),
                match.supply_key,
                2 + match.score if approved else 1 + match.score,
            )
        )
    return rows


def _from_matcher(challenge: Challenge, limit: int) -> list[tuple[int, str, str, float]]:
    """The supply the platform's matcher ranks best for the challenge's text."""
    try:
        candidates = Matcher(get_backend()).match(
            challenge_profile(challenge), kinds=SUPPLY_KINDS, lookup=profiles_lookup, k=limit
        )
    except Exception:  # the index or the model is down: invite from the need only
        logger.exception("challenge %s: the matcher failed; no invitations from it", challenge.pk)
        return []
    rows = []
    for candidate in candidates:
        profile = candidate.profile
        terms = "、".join(candidate.explanation.get("terms", [])) if candidate.explanation else ""
        why = _("shared terms: %(terms)s") % {"terms": terms} if terms else ""
        rows.append(
            (
                int(profile.organization),
                _reason(profile.kind, profile.title, why),
                profile.id,
                candidate.score,
            )
        )
    return rows


def challenge_invite(*, challenge_id: int) -> list[Invitation]:
    """Invite the best-matched organizations to apply, with the reason, and tell them. Safe to
    run twice: one invitation per organization, at most CHALLENGE_MAX_INVITATIONS in all."""
    challenge = Challenge.objects.filter(pk=challenge_id).select_related("region__parent").first()
    if challenge is None or challenge.status != ChallengeStatus.PUBLISHED:
        return []
    limit = settings.CHALLENGE_MAX_INVITATIONS
    rows = _from_need(challenge) + sorted(_from_matcher(challenge, limit), key=lambda row: -row[3])
    taken = set(
        Invitation.objects.filter(challenge=challenge).values_list("organization_id", flat=True)
    )
    room = limit - len(taken)
    eligible = set(
        Organization.objects.filter(
            pk__in={row[0] for row in rows}, status=Organization.Status.VERIFIED
        )
        .exclude(kind=Organization.Kind.CAST_OFFICE)
        .exclude(pk=challenge.sponsor_id)
        .values_list("pk", flat=True)
    )
    created = []
    with transaction.atomic():
        for organization_id, reason, supply_key, score in rows:
            if room <= 0:
                break
            if organization_id in taken or organization_id not in eligible:
                continue
            taken.add(organization_id)
            invitation = Invitation.objects.create(
                challenge=challenge,
                organization_id=organization_id,
                reason=reason,
                supply_key=supply_key,
                score=round(score, 6),
            )
            created.append(invitation)
            room -= 1
            notify_organization(
                organization=invitation.organization,
                topic=Notification.Topic.CHALLENGE,
                title=lambda: (
                    _("You are invited to apply to the challenge “%(title)s”")
                    % {"title": challenge.title}
                ),
                body=reason,
                url=challenge.get_absolute_url(),
            )
    return created


# --- the review panel ----------------------------------------------------------------------


def _sponsor_admin(actor: Actor, challenge: Challenge) -> None:
    if not actor.is_authenticated or challenge.sponsor_id not in actor.admin_organization_ids:
        raise PermissionDenied(_("Only the sponsor's administrators manage the review panel."))


def _panel_open(challenge: Challenge) -> None:
    if challenge.status not in CHALLENGE_PANEL_OPEN:
        raise ValidationError(
            {
                "status": _(
                    "The panel is seated after applications close and before the award; now "
                    "the challenge is “%(status)s”."
                )
                % {"status": challenge.get_status_display()}
            }
        )


def _ensure_criteria(challenge: Challenge) -> list[ReviewCriterion]:
    criteria = list(challenge.criteria.all())
    if not criteria:
        _create_criteria(challenge, default_criteria())
        criteria = list(challenge.criteria.all())
    return criteria


@transaction.atomic
def panel_seat(
    *, actor: Actor, challenge: Challenge, user, name: str = "", affiliation: str = ""
) -> PanelMember:
    """The sponsor's administrators seat a platform user on the panel. A member of the
    sponsoring organization is flagged as an enterprise member."""
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    _sponsor_admin(actor, challenge)
    _panel_open(challenge)
    if user is None or not user.is_active:
        raise ValidationError({"user": _("Choose an active user of the platform.")})
    if PanelMember.objects.filter(challenge=challenge, user=user).exists():
        raise ValidationError({"user": _("This user already sits on the panel.")})
    member_of = actor_for(user=user)
    name = _clean_text(name or str(user), "name", limit=64)
    if not affiliation:
        first = (
            Organization.objects.filter(pk__in=member_of.organization_ids).order_by("pk").first()
        )
        affiliation = first.name if first else ""
    affiliation = _clean_text(affiliation, "affiliation", required=False, limit=200)
    member = PanelMember.objects.create(
        challenge=challenge,
        user=user,
        name=name,
        affiliation=affiliation,
        is_enterprise_member=challenge.sponsor_id in member_of.organization_ids,
        seated_by=actor.user,
    )
    _ensure_criteria(challenge)
    notify(
        users=[user],
        topic=Notification.Topic.CHALLENGE,
        title=lambda: _("You sit on the review panel of “%(title)s”") % {"title": challenge.title},
        url=reverse("challenges:review", kwargs={"pk": challenge.pk}),
    )
    return member


@transaction.atomic
def panel_unseat(*, actor: Actor, member: PanelMember) -> None:
    """Before any score: a member who scored stays (the scores are the record)."""
    challenge = Challenge.objects.select_for_update().get(pk=member.challenge_id)
    _sponsor_admin(actor, challenge)
    _panel_open(challenge)
    if Score.objects.filter(assignment__member=member).exists():
        raise ValidationError({"member": _("This panel member has scored; they stay seated.")})
    member.delete()


@transaction.atomic
def panel_assign(
    *,
    actor: Actor,
    challenge: Challenge,
    member_ids: Sequence[int] | None = None,
    application_ids: Sequence[int] | None = None,
) -> int:
    """Assign applications to panel members; None means all (all to all). Returns how many
    assignments were added; those that exist stay as they are."""
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    _sponsor_admin(actor, challenge)
    _panel_open(challenge)
    members = PanelMember.objects.filter(challenge=challenge)
    applications = Application.objects.filter(
        challenge=challenge, status=Application.Status.SUBMITTED
    )
    errors = {}
    if member_ids is not None:
        members = members.filter(pk__in=member_ids)
        if len(set(member_ids)) != members.count():
            errors["members"] = [_("Choose members of this challenge's panel.")]
    if application_ids is not None:
        applications = applications.filter(pk__in=application_ids)
        if len(set(application_ids)) != applications.count():
            errors["applications"] = [_("Choose live applications to this challenge.")]
    if errors:
        raise ValidationError(errors)
    if not members.exists():
        raise ValidationError({"members": _("Seat at least one panel member first.")})
    taken = set(
        PanelAssignment.objects.filter(member__challenge=challenge).values_list(
            "member_id", "application_id"
        )
    )
    rows = [
        PanelAssignment(member=member, application=application)
        for member in members
        for application in applications
        if (member.pk, application.pk) not in taken
    ]
    PanelAssignment.objects.bulk_create(rows)
    return len(rows)


def _own_assignment(actor: Actor, application: Application) -> PanelAssignment:
    assignment = (
        PanelAssignment.objects.select_for_update()
        .select_related("member", "application__challenge")
        .filter(member__user_id=actor.user.pk if actor.is_authenticated else None)
        .filter(application=application)
        .first()
    )
    if assignment is None or actor.via_token:
        raise PermissionDenied(_("This application is not assigned to you for review."))
    return assignment


def _conflicted(actor: Actor, assignment: PanelAssignment) -> str:
    """Why the member may not score this application, or ""."""
    member_organizations = actor_for(user=assignment.member.user).organization_ids
    if assignment.application.applicant_id in member_organizations:
        return _("You belong to the applicant organization: you may never score its application.")
    if assignment.conflict == PanelAssignment.Conflict.DECLARED:
        return _("You declared a conflict of interest with this application: you may not score it.")
    return ""


@transaction.atomic
def conflict_declare(
    *, actor: Actor, application: Application, conflict: bool, note: str = ""
) -> PanelAssignment:
    """The panel member declares, for an assigned application, no conflict of interest or a
    conflict (which removes them from it for good)."""
    assignment = _own_assignment(actor, application)
    if assignment.application.challenge.status not in CHALLENGE_PANEL_OPEN:
        raise ValidationError({"conflict": _("Conflicts are declared before the award.")})
    if assignment.conflict == PanelAssignment.Conflict.DECLARED:
        raise ValidationError(
            {"conflict": _("You declared a conflict with this application; it stands.")}
        )
    if not conflict and assignment.application.applicant_id in actor.organization_ids:
        raise ValidationError(
            {
                "conflict": _(
                    "You belong to the applicant organization: that is a conflict of interest."
                )
            }
        )
    assignment.conflict = (
        PanelAssignment.Conflict.DECLARED if conflict else PanelAssignment.Conflict.NONE
    )
    assignment.conflict_note = _clean_text(note, "note", required=False, limit=2000)
    assignment.declared_at = timezone.now()
    assignment.save()
    if conflict:
        assignment.scores.all().delete()
    return assignment


@transaction.atomic
def scores_submit(
    *, actor: Actor, application: Application, scores: Sequence[dict]
) -> PanelAssignment:
    """A panel member scores every criterion 0–10 with a comment, while the panel reviews;
    sending again replaces the scores. A conflict (the member's own organization applies,
    or one declared) refuses with a field error on "conflict"."""
    assignment = _own_assignment(actor, application)
    challenge = assignment.application.challenge
    if challenge.status != ChallengeStatus.REVIEWING:
        raise ValidationError(
            {
                "status": _(
                    "Scores are given while the panel reviews; now the challenge is “%(status)s”."
                )
                % {"status": challenge.get_status_display()}
            }
        )
    why = _conflicted(actor, assignment)
    if why:
        raise ValidationError({"conflict": why})
    if assignment.conflict != PanelAssignment.Conflict.NONE:
        raise ValidationError(
            {"conflict": _("Declare first that you have no conflict of interest with it.")}
        )
    if assignment.application.status != Application.Status.SUBMITTED:
        raise ValidationError({"status": _("This application is already decided.")})
    criteria = {c.pk: c for c in challenge.criteria.all()}
    errors, rows, seen = [], [], set()
    for number, row in enumerate(scores, start=1):
        criterion_id = getattr(row.get("criterion"), "pk", row.get("criterion"))
        try:
            criterion_id = int(criterion_id)
        except (TypeError, ValueError):
            criterion_id = None
        if criterion_id not in criteria or criterion_id in seen:
            errors.append(
                _("Score row %(row)d: choose one of the challenge's criteria, once.")
                % {"row": number}
            )
            continue
        seen.add(criterion_id)
        value = row.get("value")
        try:
            value_int = int(value)
            if str(value).strip() != str(value_int) or not 0 <= value_int <= 10:
                raise ValueError
        except (TypeError, ValueError):
            errors.append(
                _("Score for “%(criterion)s”: a whole number from 0 to 10.")
                % {"criterion": criteria[criterion_id].name}
            )
            continue
        comment = str(row.get("comment") or "").replace("\x00", "").strip()
        if len(comment) > 2000:
            errors.append(
                _("Comment for “%(criterion)s”: keep it within 2000 characters.")
                % {"criterion": criteria[criterion_id].name}
            )
            continue
        rows.append((criterion_id, value_int, comment))
    missing = [c.name for pk, c in criteria.items() if pk not in seen]
    if missing:
        errors.append(
            _("Score every criterion; missing: %(names)s.") % {"names": "、".join(missing)}
        )
    if errors:
        raise ValidationError({"scores": errors})
    assignment.scores.all().delete()
    Score.objects.bulk_create(
        Score(assignment=assignment, criterion_id=pk, value=value, comment=comment)
        for pk, value, comment in rows
    )
    assignment.scored_at = timezone.now()
    assignment.save(update_fields=["scored_at"])
    return assignment


# --- declining and the award ---------------------------------------------------------------


def _decline(application: Application, *, reason: str, comment: str, user) -> None:
    application.status = Application.Status.DECLINED
    application.decline_reason = reason
    application.decline_comment = comment
    application.decided_at = timezone.now()
    application.save()
    challenge = application.challenge
    _record(
        challenge,
        "application.declined",
        user=user,
        organization_id=application.applicant_id,
        data={"application": application.pk, "reason": reason},
    )
    notify_organization(
        organization=application.applicant,
        topic=Notification.Topic.CHALLENGE,
        title=lambda: (
            _("Your application to “%(title)s” was not awarded: %(reason)s")
            % {"title": challenge.title, "reason": DeclineReason(reason).label}
        ),
        body=comment,
        url=application.get_absolute_url(),
    )
    webhook_emit(
        organization=application.applicant_id,
        event=WebhookEvent.APPLICATION_UPDATED,
        payload=_application_payload(application)
        | {"decline_reason": reason, "decline_comment": comment},
    )


def _clean_reason(reason, comment) -> tuple[str, str]:
    errors = {}
    if reason not in DeclineReason.values:
        errors["decline_reason"] = [_("Choose the reason for declining from the list.")]
    try:
        comment = _clean_text(comment, "decline_comment", limit=2000)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return reason, comment


def _decider(actor: Actor, challenge: Challenge) -> None:
    if not challenge_is_sponsor(actor=actor, challenge=challenge):
        raise PermissionDenied(_("Only the sponsor decides the applications."))
    if challenge.status != ChallengeStatus.REVIEWING:
        raise ValidationError(
            {
                "status": _(
                    "Applications are decided while the panel reviews; now the challenge is "
                    "“%(status)s”."
                )
                % {"status": challenge.get_status_display()}
            }
        )


@transaction.atomic
def application_decline(
    *, actor: Actor, application: Application, reason: str, comment: str
) -> Application:
    """The sponsor declines an application with a coded reason and a comment; the applicant
    is told why (notification, e-mail, webhook)."""
    application = (
        Application.objects.select_for_update()
        .select_related("challenge", "applicant")
        .get(pk=application.pk)
    )
    _decider(actor, application.challenge)
    if application.status != Application.Status.SUBMITTED:
        raise ValidationError({"status": _("This application is already decided.")})
    reason, comment = _clean_reason(reason, comment)
    _decline(application, reason=reason, comment=comment, user=actor.user)
    return application


@transaction.atomic
def challenge_award(
    *,
    actor: Actor,
    challenge: Challenge,
    winners: Sequence[int],
    declines: dict | None = None,
    decline_reason: str = "",
    decline_comment: str = "",
) -> Challenge:
    """The sponsor awards up to max_winners scored applications. Every other live one is
    declined with a reason: per application in `declines` ({id: (reason, comment)}), or all
    the rest with `decline_reason` and `decline_comment`. Without a reason for each, nothing
    is awarded. An enterprise's award opens a deal per winner at once; a government list's
    waits for the CAST co-signature (challenge.cosigned), and the deals open then."""
    challenge = Challenge.objects.select_for_update().select_related("sponsor").get(pk=challenge.pk)
    _decider(actor, challenge)
    live = {
        a.pk: a
        for a in Application.objects.filter(
            challenge=challenge, status=Application.Status.SUBMITTED
        ).select_related("applicant", "challenge")
    }
    scored = set(
        Score.objects.filter(assignment__application_id__in=live).values_list(
            "assignment__application_id", flat=True
        )
    )
    errors: dict[str, list] = {}
    winners = list(dict.fromkeys(winners))
    if not winners:
        errors["winners"] = [_("Choose at least one winner.")]
    elif len(winners) > challenge.max_winners:
        errors["winners"] = [
            _("At most %(count)d winner(s) for this challenge; you chose %(chosen)d.")
            % {"count": challenge.max_winners, "chosen": len(winners)}
        ]
    elif any(pk not in live for pk in winners):
        errors["winners"] = [_("Choose winners among this challenge's live applications.")]
    elif any(pk not in scored for pk in winners):
        errors["winners"] = [_("Choose winners among the applications the panel has scored.")]
    declines = dict(declines or {})
    rest = [pk for pk in live if pk not in winners]
    plan = {}
    for pk in rest:
        given = declines.get(pk)
        reason, comment = given if given else (decline_reason, decline_comment)
        if not reason and not comment:
            errors.setdefault("decline_reason", []).append(
                _("Application %(label)s: give the reason it is not awarded.")
                % {"label": live[pk].applicant.name}
            )
            continue
        try:
            plan[pk] = _clean_reason(reason, comment)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if any(pk in declines for pk in winners):
        errors.setdefault("decline_reason", []).append(_("A winner is not declined."))
    if errors:
        raise ValidationError(errors)
    user = actor.user
    for pk, (reason, comment) in plan.items():
        _decline(live[pk], reason=reason, comment=comment, user=user)
    now = timezone.now()
    for pk in winners:
        application = live[pk]
        application.status = Application.Status.AWARDED
        application.decided_at = now
        application.save()
        _record(
            challenge,
            "application.awarded",
            user=user,
            organization_id=application.applicant_id,
            data={"application": application.pk},
        )
        body = (
            gettext_lazy("The award awaits the CAST co-signature; the deal opens then.")
            if challenge.government_list
            else gettext_lazy("A deal with the sponsor is open; plan the contract there.")
        )
        notify_organization(
            organization=application.applicant,
            topic=Notification.Topic.CHALLENGE,
            title=lambda: (
                _("Your application to “%(title)s” is awarded") % {"title": challenge.title}
            ),
            body=body,
            url=application.get_absolute_url(),
        )
        webhook_emit(
            organization=application.applicant_id,
            event=WebhookEvent.APPLICATION_UPDATED,
            payload=_application_payload(application),
        )
    return challenge_transition(actor=actor, challenge=challenge, action=Action.AWARD)


def _open_deals(challenge: Challenge, *, user) -> list:
    """One deal per winner, with the winner's milestones planned. Safe to run twice."""
    opened = []
    winners = (
        Application.objects.select_for_update()
        .filter(challenge=challenge, status=Application.Status.AWARDED, deal__isnull=True)
        .select_related("applicant")
        .prefetch_related("milestones")
    )
    for application in winners:
        deal = deal_open_for_program(
            origin=Deal.Origin.CHALLENGE,
            demand_party=challenge.sponsor,
            supply_party=application.applicant,
            title=_("Challenge: %(title)s") % {"title": challenge.title},
            region_id=challenge.region_id,
            need=challenge.need,
            field_id=challenge.field_id,
            milestones=[
                {
                    "title": m.title,
                    "due_on": m.due_on,
                    "acceptance_criteria": m.deliverable,
                }
                for m in application.milestones.all()
            ],
            user=user,
            opened_by_organization_id=challenge.sponsor_id,
        )
        application.deal = deal
        application.save(update_fields=["deal"])
        opened.append(deal)
    return opened


def challenge_complete_for_deal(*, deal_id: int) -> Challenge | None:
    """A winner's deal completed: the challenge completes once every winner's deal has."""
    application = (
        Application.objects.filter(deal_id=deal_id, status=Application.Status.AWARDED)
        .select_related("challenge")
        .first()
    )
    if application is None or application.challenge.status != ChallengeStatus.AWARDED:
        return None
    challenge = application.challenge
    if step_for(challenge.status, Action.COMPLETE).checks[0](challenge):
        return None
    return challenge_transition(actor=None, challenge=challenge, action=Action.COMPLETE)
