"""Writes of service teams: members and stations, missions (planned → reported → confirmed by
the hosts → verified by the CAST office, or returned), pilot city targets and assessments.

Every refusal is a ValidationError naming the field, in the user's language, so the web forms
and the API show the same messages; a step the actor may not take is PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.uploads import upload_check_content, upload_clean_name
from core.web import site_url
from notifications.models import Notification
from notifications.services import Words, notify
from organizations.models import Organization
from organizations.selectors import Actor, organization_reviewers, region_office
from organizations.services import notify_organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from repositories.models import ListingKind, ListingSource
from repositories.services import listing_create, listing_submit
from service_teams.models import (
    AssessmentLevel,
    MemberRole,
    Mission,
    MissionEvidence,
    MissionHost,
    MissionKind,
    MissionMember,
    MissionNeed,
    PilotAssessment,
    PilotCity,
    ServiceHourRecord,
    ServiceStation,
    StationKind,
    TeamMember,
)
from service_teams.permissions import (
    is_team,
    mission_can_verify,
    mission_is_host,
    pilot_assessor,
    pilot_can_set_targets,
    team_can_act,
    team_can_manage,
)
from service_teams.selectors import pilot_actuals, region_ids_within
from service_teams.transitions import ACTION_LABELS, Action, Step, Who, step_for
from webhooks.models import WebhookEvent
from webhooks.services import webhook_emit

NOTE_MAX_LENGTH = 2000
MAX_HOSTS = 20
MAX_NEEDS = 30
MAX_HOURS = Decimal("1000")
HOST_KINDS = (Organization.Kind.ENTERPRISE,)


def _clean_text(value, field: str, *, required: bool = True, limit: int = 5000) -> str:
    value = str(value or "").replace("\x00", "").strip()
    if required and not value:
        raise ValidationError({field: _("Fill in this field.")})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it within %(limit)d characters.") % {"limit": limit}})
    return value


def _collect(errors: dict, field: str, clean, *args, **kwargs):
    """Run one check, keeping its error for the others to be reported together."""
    try:
        return clean(*args, **kwargs)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
        return None


def _one_line(value, field: str, *, required: bool = True, limit: int = 200) -> str:
    value = _clean_text(value, field, required=required, limit=limit)
    if "\n" in value or "\r" in value:
        raise ValidationError({field: _("Write it on one line.")})
    return value


def _whole(value, field: str, *, maximum: int = 1_000_000) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a whole number.")}) from None
    if number < 0:
        raise ValidationError({field: _("Enter a number that is not negative.")})
    if number > maximum:
        raise ValidationError({field: _("Enter at most %(max)d.") % {"max": maximum}})
    return number


def _hours(value, field: str) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
        if not hours.is_finite():
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter the service hours as a number.")}) from None
    if hours < 0:
        raise ValidationError({field: _("Service hours cannot be negative.")})
    if hours > MAX_HOURS:
        raise ValidationError({field: _("At most 1,000 service hours on one mission.")})
    return hours.quantize(Decimal("0.1"))


# --- members and stations ------------------------------------------------------------------


def _managing(actor: Actor, team: Organization) -> None:
    if not is_team(team):
        raise ValidationError({"team": _("Choose an expert service team.")})
    if not team_can_manage(actor=actor, team=team):
        raise PermissionDenied(
            _("Only the administrators of the team's society manage its members and stations.")
        )


@transaction.atomic
def member_save(
    *, actor: Actor, team: Organization, data: Mapping, member: TeamMember | None = None
) -> TeamMember:
    """Add a member to the team, or change one: an account, or just a name and affiliation."""
    _managing(actor, team)
    if member is not None and member.team_id != team.pk:
        raise PermissionDenied(_("This member belongs to another team."))
    errors: dict[str, list] = {}
    role = data.get("role")
    if role not in MemberRole.values:
        errors["role"] = [_("Choose one of the roles.")]
    user = data.get("user")
    name = _collect(errors, "name", _one_line, data.get("name"), "name", required=user is None)
    if not name and user is not None:
        name = user.get_full_name() or user.username
    affiliation = _collect(
        errors, "affiliation", _one_line, data.get("affiliation"), "affiliation", required=False
    )
    expertise = _collect(
        errors,
        "expertise",
        _one_line,
        data.get("expertise"),
        "expertise",
        required=False,
        limit=300,
    )
    if errors:
        raise ValidationError(errors)
    member = member or TeamMember(team=team)
    member.role = role
    member.user = user
    member.name = name[:100]
    member.affiliation = affiliation
    member.field = data.get("field")
    member.expertise = expertise
    member.active = bool(data.get("active", True))
    member.save()
    return member


@transaction.atomic
def station_save(
    *,
    actor: Actor,
    team: Organization,
    data: Mapping,
    station: ServiceStation | None = None,
) -> ServiceStation:
    """A service station the team serves (others may serve it too)."""
    _managing(actor, team)
    errors: dict[str, list] = {}
    kind = data.get("kind")
    if kind not in StationKind.values:
        errors["kind"] = [_("Choose one of the kinds of station.")]
    name = _collect(errors, "name", _one_line, data.get("name"), "name")
    host = data.get("host")
    if not isinstance(host, Organization):
        errors["host"] = [_("Choose the host organization.")]
    region = data.get("region")
    if region is None:
        errors["region"] = [_("Choose the region.")]
    if errors:
        raise ValidationError(errors)
    station = station or ServiceStation()
    station.kind, station.name, station.host, station.region = kind, name, host, region
    station.save()
    station.teams.add(team)
    return station


# --- telling -------------------------------------------------------------------------------


def mission_payload(mission: Mission, **extra) -> dict:
    return {
        "mission": {
            "id": mission.pk,
            "title": mission.title,
            "kind": mission.kind,
            "status": mission.status,
            "team": mission.team_id,
            "pilot_city": mission.pilot_city_id,
            "starts_on": mission.starts_on,
            "ends_on": mission.ends_on,
            "hosts": [row.host_id for row in mission.host_rows.all()],
            "url": site_url(mission.get_absolute_url()),
        },
        **extra,
    }


def _hours_total(mission: Mission) -> Decimal:
    return sum((row.hours for row in mission.member_rows.all()), Decimal("0"))


def _record(mission: Mission, event: str, *, user=None, organization_id=None, data=None):
    """The outcome event, with what the pilot city's actuals read: the region, the needs
    collected and the service hours."""
    need_ids = list(mission.collected.values_list("listing_id", flat=True))
    outcome_record(
        name=event,
        subject_type="mission",
        subject_id=mission.pk,
        actor=user,
        organization=Organization(pk=organization_id or mission.team_id),
        region_id=mission.pilot_city.region_id,
        data={
            "status": mission.status,
            "region_id": mission.pilot_city.region_id,
            "kind": mission.kind,
            "team": mission.team_id,
            "pilot_city": mission.pilot_city_id,
            "hosts": [row.host_id for row in mission.host_rows.all()],
            "needs": need_ids,
            "needs_collected": len(need_ids),
            "service_hours": str(_hours_total(mission)),
            "members": mission.member_rows.count(),
        }
        | (data or {}),
    )


def _tell(mission: Mission, organization_ids, *, title: Words, body: Words = "", payload: dict):
    for organization in Organization.objects.filter(pk__in=set(organization_ids)):
        notify_organization(
            organization=organization,
            topic=Notification.Topic.MISSION,
            title=title,
            body=body,
            url=mission.get_absolute_url(),
        )
        webhook_emit(organization=organization, event=WebhookEvent.MISSION_UPDATED, payload=payload)


def _tell_staff(mission: Mission, *, title: Words) -> None:
    office = region_office(region=mission.pilot_city.region)
    notify(
        users=organization_reviewers(office=office),
        topic=Notification.Topic.MISSION,
        title=title,
        url=mission.get_absolute_url(),
    )


# --- planning ------------------------------------------------------------------------------


def _clean_plan(*, team: Organization, data: Mapping, hosts, members) -> dict:
    errors: dict[str, list] = {}
    values = {}
    values["title"] = _collect(errors, "title", _one_line, data.get("title"), "title")
    values["plan"] = _collect(errors, "plan", _clean_text, data.get("plan"), "plan", required=False)
    if data.get("kind") not in MissionKind.values:
        errors["kind"] = [_("Choose one of the kinds of mission.")]
    values["kind"] = data.get("kind")
    pilot = data.get("pilot_city")
    if not isinstance(pilot, PilotCity):
        errors["pilot_city"] = [_("Choose the pilot city.")]
        pilot = None
    values["pilot_city"] = pilot
    today = timezone.localdate()
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on") or data.get("starts_on")
    if starts_on is None:
        errors["starts_on"] = [_("Fill in this field.")]
    elif starts_on < today:
        errors["starts_on"] = [_("A mission is planned ahead: the start date is in the past.")]
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The mission ends on or after the day it starts.")]
    values["starts_on"], values["ends_on"] = starts_on, ends_on
    hosts = list(dict.fromkeys(hosts))
    if not hosts:
        errors["hosts"] = [_("Choose at least one host enterprise.")]
    elif len(hosts) > MAX_HOSTS:
        errors["hosts"] = [_("At most %(count)d host enterprises.") % {"count": MAX_HOSTS}]
    elif pilot is not None:
        within = region_ids_within(pilot.region_id)
        for host in hosts:
            if host.kind not in HOST_KINDS or not host.is_verified:
                errors.setdefault("hosts", []).append(
                    _("%(name)s is not a verified enterprise.") % {"name": host.name}
                )
            elif host.region_id not in within:
                errors.setdefault("hosts", []).append(
                    _("%(name)s is outside the pilot city %(city)s.")
                    % {"name": host.name, "city": pilot.name}
                )
    members = list(dict.fromkeys(members))
    if not members:
        errors["members"] = [_("Choose the members going.")]
    elif any(m.team_id != team.pk or not m.active for m in members):
        errors["members"] = [_("Choose active members of this team.")]
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def mission_plan(
    *,
    actor: Actor,
    team: Organization,
    data: Mapping,
    hosts: Sequence[Organization],
    members: Sequence[TeamMember],
) -> Mission:
    """The team plans a visit to host enterprises of a pilot city, on dates ahead."""
    if not is_team(team):
        raise ValidationError({"team": _("Choose an expert service team.")})
    if not team_can_act(actor=actor, team=team):
        raise PermissionDenied(_("Only the team and its society plan its missions."))
    values = _clean_plan(team=team, data=data, hosts=hosts, members=members)
    user = actor.user if actor.is_authenticated else None
    mission = Mission.objects.create(team=team, created_by=user, **values)
    MissionHost.objects.bulk_create(
        MissionHost(mission=mission, host=host) for host in dict.fromkeys(hosts)
    )
    MissionMember.objects.bulk_create(
        MissionMember(mission=mission, member=member) for member in dict.fromkeys(members)
    )
    _record(mission, "mission.planned", user=user, data={"action": "plan", "from": ""})
    _tell(
        mission,
        [row.host_id for row in mission.host_rows.all()],
        title=lambda: _("A service mission is planned: %(title)s") % {"title": mission.title},
        payload=mission_payload(mission, action="plan"),
    )
    return mission


# --- the table -----------------------------------------------------------------------------


def _who_acts(actor: Actor | None, mission: Mission, step: Step) -> None:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("This step is taken by a person or a program signed in."))
    if step.who == Who.STAFF:
        if not mission_can_verify(actor=actor, mission=mission):
            raise PermissionDenied(
                _("Only the CAST staff of the pilot city verify or return its missions.")
            )
    elif step.who == Who.HOST:
        if not mission_is_host(actor=actor, mission=mission):
            raise PermissionDenied(_("Only a host enterprise confirms the mission."))
    elif not team_can_act(actor=actor, team=mission.team):
        raise PermissionDenied(_("Only the team and its society take this step."))


def _locked(mission: Mission) -> Mission:
    return (
        Mission.objects.select_for_update()
        .select_related("team", "pilot_city__region")
        .get(pk=mission.pk)
    )


def _step(mission: Mission, action: str) -> Step:
    step = step_for(mission.status, action)
    if step is None:
        label = ACTION_LABELS.get(Action(action)) if action in Action._value2member_map_ else action
        raise ValidationError(
            {
                "status": _("“%(action)s” is not possible while the mission is “%(status)s”.")
                % {"action": label, "status": mission.get_status_display()}
            }
        )
    return step


def _clean_hours(mission: Mission, hours: Mapping) -> dict[int, Decimal]:
    errors = []
    cleaned = {}
    for row in mission.member_rows.select_related("member"):
        value = hours.get(row.member_id, hours.get(str(row.member_id)))
        if value in (None, ""):
            errors.append(_("%(name)s: fill in the service hours.") % {"name": row.member.name})
            continue
        try:
            cleaned[row.member_id] = _hours(value, "hours")
        except ValidationError as error:
            errors.append(f"{row.member.name}: {' '.join(error.messages)}")
    unknown = {str(key) for key in hours} - {
        str(row.member_id) for row in mission.member_rows.all()
    }
    if unknown:
        errors.append(_("Give hours only for the members who went."))
    if errors:
        raise ValidationError({"hours": errors})
    return cleaned


def _clean_needs(mission: Mission, needs: Sequence[Mapping]) -> list[dict]:
    if len(needs) > MAX_NEEDS:
        raise ValidationError(
            {"needs": _("At most %(count)d needs on one report.") % {"count": MAX_NEEDS}}
        )
    host_ids = {row.host_id for row in mission.host_rows.all()}
    cleaned, errors = [], []
    for number, row in enumerate(needs, start=1):
        host = row.get("host")
        host_id = host.pk if isinstance(host, Organization) else host
        try:
            host_id = int(host_id)
        except (TypeError, ValueError):
            host_id = None
        if host_id not in host_ids:
            errors.append(
                _("Need row %(row)d: choose one of the mission's host enterprises.")
                % {"row": number}
            )
        values = {}
        for name, limit, label in (
            ("title", 200, _("title")),
            ("problem", 5000, _("technical problem")),
        ):
            text = str(row.get(name) or "").replace("\x00", "").strip()
            if not text:
                errors.append(
                    _("Need row %(row)d, “%(field)s”: fill in this field.")
                    % {"row": number, "field": label}
                )
            elif len(text) > limit or (name == "title" and "\n" in text):
                errors.append(
                    _(
                        "Need row %(row)d, “%(field)s”: keep it on one line within %(limit)d "
                        "characters."
                    )
                    % {"row": number, "field": label, "limit": limit}
                )
            values[name] = text
        values["host_id"] = host_id
        values["field"] = row.get("field")
        cleaned.append(values)
    if errors:
        raise ValidationError({"needs": errors})
    return cleaned


def _create_needs(mission: Mission, rows: list[dict], *, user) -> list:
    """Each collected need becomes a Need of its host, source "mission", submitted for the
    review every need goes through (the CAST office of the host's region publishes it). The
    team writes it down on the host's behalf: the need is the host's from then on."""
    hosts = {row.host_id: row.host for row in mission.host_rows.select_related("host")}
    created = []
    for row in rows:
        host = hosts[row["host_id"]]
        on_behalf = Actor(user=user, organization_ids=frozenset([host.pk]))
        listing = listing_create(
            kind=ListingKind.NEED,
            actor=on_behalf,
            organization=host,
            data={
                "title": row["title"],
                "summary": row["problem"][:2000],
                "problem": row["problem"],
                "field": row["field"],
                "source": ListingSource.MISSION,
            },
        )
        listing_submit(listing=listing, actor=on_behalf)
        MissionNeed.objects.create(mission=mission, listing=listing)
        created.append(listing)
    return created


def _add_evidence(mission: Mission, files: Sequence[File], *, user) -> None:
    label = _("Evidence")
    limit = settings.SERVICE_TEAMS_EVIDENCE_MAX_MB
    for file in files:
        if file.size > limit * 1024 * 1024:
            raise ValidationError(
                {
                    "evidence": _("%(label)s: at most %(mb)d MB a file.")
                    % {"label": label, "mb": limit}
                }
            )
        upload_check_content(file, field="evidence", label=label)
        MissionEvidence.objects.create(
            mission=mission,
            file=file,
            name=upload_clean_name(file.name),
            size=file.size,
            added_by=user,
        )


@transaction.atomic
def mission_evidence_add(*, actor: Actor, mission: Mission, files: Sequence[File]) -> Mission:
    """The team adds evidence before reporting (the API uploads files apart from the report)."""
    mission = _locked(mission)
    if not team_can_act(actor=actor, team=mission.team):
        raise PermissionDenied(_("Only the team and its society take this step."))
    if step_for(mission.status, Action.REPORT) is None:
        raise ValidationError(
            {"status": _("Evidence is added while the mission is planned or returned.")}
        )
    if not files:
        raise ValidationError({"evidence": _("Add at least one evidence file.")})
    _add_evidence(mission, files, user=actor.user)
    return mission


@transaction.atomic
def mission_report(
    *,
    actor: Actor,
    mission: Mission,
    summary: str,
    problems_answered,
    hours: Mapping,
    needs: Sequence[Mapping] = (),
    evidence_files: Sequence[File] = (),
) -> Mission:
    """The team reports the visit: a summary, the problems answered, each member's hours,
    evidence and the needs it collected (each becomes a need of its host). A returned mission
    is reported again; the hosts then confirm it again."""
    mission = _locked(mission)
    step = _step(mission, Action.REPORT)
    _who_acts(actor, mission, step)
    if mission.starts_on > timezone.localdate():
        raise ValidationError(
            {
                "status": _("The mission is reported once it has started, on %(day)s or later.")
                % {"day": mission.starts_on.isoformat()}
            }
        )
    errors: dict[str, list] = {}
    summary = _collect(errors, "summary", _clean_text, summary, "summary")
    answered = _collect(errors, "problems_answered", _whole, problems_answered, "problems_answered")
    cleaned_hours = _collect(errors, "hours", _clean_hours, mission, hours)
    cleaned_needs = _collect(errors, "needs", _clean_needs, mission, needs)
    if not evidence_files and not mission.evidence.exists():
        errors.setdefault("evidence", []).append(_("Add at least one evidence file."))
    if errors:
        raise ValidationError(errors)
    user = actor.user
    _add_evidence(mission, evidence_files, user=user)
    for row in mission.member_rows.all():
        row.hours = cleaned_hours[row.member_id]
        row.save(update_fields=["hours"])
    _create_needs(mission, cleaned_needs, user=user)
    mission.host_rows.update(confirmed_at=None, confirmed_by=None)
    return _move(
        mission,
        step,
        Action.REPORT,
        user=user,
        changes={"summary": summary, "problems_answered": answered, "reported_at": timezone.now()},
    )


def _move(mission: Mission, step: Step, action: str, *, user, changes=None, note="", data=None):
    from_status = mission.status
    mission.status = step.to
    for name, value in (changes or {}).items():
        setattr(mission, name, value)
    mission.save()
    _record(
        mission, step.event, user=user, data={"action": action, "from": from_status} | (data or {})
    )

    def title():
        return _("%(title)s: %(action)s — now “%(status)s”") % {
            "title": mission.title,
            "action": ACTION_LABELS[Action(action)],
            "status": mission.get_status_display(),
        }

    payload = mission_payload(mission, action=action, from_status=from_status, note=note)
    hosts = [row.host_id for row in mission.host_rows.all()]
    if action == Action.REPORT:
        _tell(mission, [mission.team_id, *hosts], title=title, payload=payload)
    elif action == Action.CONFIRM:
        _tell(mission, [mission.team_id], title=title, payload=payload)
        _tell_staff(mission, title=title)
    else:
        _tell(mission, [mission.team_id, *hosts], title=title, body=note, payload=payload)
    return mission


@transaction.atomic
def mission_transition(
    *, actor: Actor | None, mission: Mission, action: str, note: str = ""
) -> Mission:
    """Confirm (a host), verify or return (the CAST staff), cancel (the team). Reporting goes
    through mission_report. The mission is confirmed when its last host confirms."""
    mission = _locked(mission)
    if action == Action.REPORT:
        raise ValidationError({"status": _("Report the mission with its report form.")})
    step = _step(mission, action)
    _who_acts(actor, mission, step)
    note = _clean_text(note, "note", required=step.needs_note, limit=NOTE_MAX_LENGTH)
    user = actor.user
    now = timezone.now()
    if action == Action.CONFIRM:
        rows = mission.host_rows.filter(host_id__in=actor.organization_ids, confirmed_at=None)
        if not rows.exists():
            raise ValidationError({"status": _("Your organization has already confirmed.")})
        rows.update(confirmed_at=now, confirmed_by=user)
        if mission.host_rows.filter(confirmed_at=None).exists():
            return mission  # the other hosts still confirm
        return _move(mission, step, action, user=user)
    if action == Action.VERIFY:
        mission = _move(
            mission,
            step,
            action,
            user=user,
            changes={"verified_at": now, "verified_by": user, "note": note},
        )
        ServiceHourRecord.objects.bulk_create(
            ServiceHourRecord(
                member_id=row.member_id, mission=mission, hours=row.hours, verified_at=now
            )
            for row in mission.member_rows.all()
            if row.hours > 0
        )
        return mission
    if action == Action.REJECT:
        return _move(mission, step, action, user=user, changes={"note": note}, note=note)
    return _move(mission, step, action, user=user, note=note)


# --- pilot cities --------------------------------------------------------------------------

TARGET_FIELDS = ("target_needs", "target_match_rate", "target_events", "target_projects")


@transaction.atomic
def pilot_targets_set(*, actor: Actor, pilot: PilotCity, data: Mapping) -> PilotCity:
    """The CAST staff of the pilot city's region set its targets."""
    if not pilot_can_set_targets(actor=actor, pilot=pilot):
        raise PermissionDenied(_("Only the CAST staff of the pilot city set its targets."))
    errors: dict[str, list] = {}
    values = {}
    for name in TARGET_FIELDS:
        maximum = 100 if name == "target_match_rate" else 1_000_000
        values[name] = _collect(errors, name, _whole, data.get(name), name, maximum=maximum)
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(pilot, name, value)
    pilot.save(update_fields=list(TARGET_FIELDS))
    return pilot


@transaction.atomic
def pilot_assess(
    *, actor: Actor, pilot: PilotCity, period: str, score, level: str, findings: str
) -> PilotAssessment:
    """An assessment by the provincial CAST office or a named third-party evaluator, with the
    actuals as they stand now kept beside it."""
    assessor = pilot_assessor(actor=actor, pilot=pilot)
    if assessor is None:
        raise PermissionDenied(
            _("Only the provincial CAST office or the pilot city's evaluator assesses it.")
        )
    errors: dict[str, list] = {}
    period = _collect(errors, "period", _one_line, period, "period", limit=50)
    findings = _collect(errors, "findings", _clean_text, findings, "findings")
    try:
        score = Decimal(str(score).strip())
        if not score.is_finite() or not Decimal("0") <= score <= Decimal("100"):
            raise InvalidOperation
        score = score.quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        errors["score"] = [_("Enter a score from 0 to 100.")]
    if level not in AssessmentLevel.values:
        errors["level"] = [_("Choose one of the levels.")]
    if errors:
        raise ValidationError(errors)
    actuals = pilot_actuals(pilot=pilot)
    assessment = PilotAssessment.objects.create(
        pilot_city=pilot,
        period=period,
        assessor=assessor,
        score=score,
        level=level,
        findings=findings,
        actuals=actuals.as_dict(),
        created_by=actor.user,
    )
    outcome_record(
        name=OutcomeEvent.Name.PILOT_ASSESSED,
        subject_type="pilot_city",
        subject_id=pilot.pk,
        actor=actor.user,
        organization=assessor,
        region_id=pilot.region_id,
        data={
            "assessment": assessment.pk,
            "period": period,
            "score": str(score),
            "level": level,
            "actuals": actuals.as_dict(),
        },
    )
    return assessment
