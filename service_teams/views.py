"""The service team pages: thin, they shape input and call service_teams.services."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.uploads import upload_private_response
from core.web import add_service_errors, error_text
from service_teams import services
from service_teams.forms import (
    AssessmentForm,
    MemberForm,
    MissionForm,
    ReportForm,
    StationForm,
    TargetsForm,
    TransitionForm,
)
from service_teams.models import MissionEvidence, ServiceStation, TeamMember
from service_teams.permissions import (
    mission_can_read,
    mission_can_verify,
    pilot_assessor,
    pilot_can_set_targets,
    team_can_act,
    team_can_manage,
)
from service_teams.selectors import (
    member_list,
    mission_get,
    mission_host_queue,
    mission_list_for_team,
    mission_verify_queue,
    pilot_actuals,
    pilot_get,
    pilot_list,
    pilot_progress,
    team_get,
    team_hours,
    team_list,
)
from service_teams.transitions import ACTION_LABELS, Action, Who, step_for

PROGRESS_LABELS = {
    "needs": gettext_lazy("Needs collected"),
    "match_rate": gettext_lazy("Need matching rate (%)"),
    "events": gettext_lazy("Events held"),
    "projects": gettext_lazy("Cooperation projects"),
}


def team_directory(request):
    """Public: each society with its teams, their members and stations."""
    teams = list(
        team_list().prefetch_related(
            Prefetch(
                "team_members",
                queryset=TeamMember.objects.filter(active=True).order_by("role", "name"),
                to_attr="member_list",
            )
        )
    )
    stations = {}
    for station in (
        ServiceStation.objects.filter(teams__in=teams)
        .select_related("host", "region")
        .prefetch_related("teams")
    ):
        for team in station.teams.all():
            stations.setdefault(team.pk, []).append(station)
    for team in teams:
        team.station_list = stations.get(team.pk, [])
        team.member_count = len(team.member_list)
    societies = [
        (society, list(rows)) for society, rows in groupby(teams, key=lambda team: team.parent)
    ]
    context = {"societies": societies}
    if request.actor.is_authenticated:
        context["host_queue"] = mission_host_queue(actor=request.actor)
    return render(request, "service_teams/team_list.html", context)


def _team_context(request, team, **extra):
    actor = request.actor
    return {
        "team": team,
        "members": member_list(team=team),
        "stations": ServiceStation.objects.filter(teams=team).select_related("host", "region"),
        "missions": mission_list_for_team(actor=actor, team=team),
        "hours": team_hours(team=team),
        "can_manage": team_can_manage(actor=actor, team=team),
        "can_plan": team_can_act(actor=actor, team=team),
        "member_form": extra.pop("member_form", None) or MemberForm(prefix="member"),
        "station_form": extra.pop("station_form", None) or StationForm(prefix="station"),
        **extra,
    }


def team_detail(request, pk):
    team = team_get(pk=pk)
    return render(request, "service_teams/team_detail.html", _team_context(request, team))


@login_required
@require_POST
def member_add(request, pk):
    team = team_get(pk=pk)
    form = MemberForm(request.POST, prefix="member")
    if form.is_valid():
        data = dict(form.cleaned_data)
        username = data.pop("username", "").strip()
        data["user"] = None
        if username:
            data["user"] = get_user_model().objects.filter(username=username).first()
            if data["user"] is None:
                form.add_error("username", _("No account has this user name."))
        if form.is_valid():
            try:
                services.member_save(actor=request.actor, team=team, data=data)
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("Member added."))
                return redirect("service_teams:team", pk=team.pk)
    context = _team_context(request, team, member_form=form)
    return render(request, "service_teams/team_detail.html", context, status=400)


@login_required
@require_POST
def station_add(request, pk):
    team = team_get(pk=pk)
    form = StationForm(request.POST, prefix="station")
    if form.is_valid():
        try:
            services.station_save(actor=request.actor, team=team, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Station added."))
            return redirect("service_teams:team", pk=team.pk)
    context = _team_context(request, team, station_form=form)
    return render(request, "service_teams/team_detail.html", context, status=400)


@login_required
def mission_create(request, pk):
    team = team_get(pk=pk)
    if not team_can_act(actor=request.actor, team=team):
        raise Http404
    form = MissionForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        hosts, members = list(data.pop("hosts")), list(data.pop("members"))
        try:
            mission = services.mission_plan(
                actor=request.actor, team=team, data=data, hosts=hosts, members=members
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The mission is planned; the hosts are told."))
            return redirect(mission)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "service_teams/mission_form.html", {"form": form, "team": team}, status=status
    )


def _actions(actor, mission):
    rows = []
    for action in Action:
        step = step_for(mission.status, action)
        if step is None or action == Action.REPORT:
            continue
        if step.who == Who.TEAM and not team_can_act(actor=actor, team=mission.team):
            continue
        if step.who == Who.HOST and not any(
            row.host_id in actor.organization_ids and row.confirmed_at is None
            for row in mission.host_rows.all()
        ):
            continue
        if step.who == Who.STAFF and not mission_can_verify(actor=actor, mission=mission):
            continue
        rows.append(
            {"action": action.value, "label": ACTION_LABELS[action], "note": step.needs_note}
        )
    return rows


def _mission_page(request, mission, *, status=200, **extra):
    actor = request.actor
    can_report = step_for(mission.status, Action.REPORT) is not None and team_can_act(
        actor=actor, team=mission.team
    )
    context = {
        "mission": mission,
        "hosts": mission.host_rows.all(),
        "member_rows": mission.member_rows.all(),
        "collected": mission.collected.select_related("listing"),
        "evidence": mission.evidence.all(),
        "actions": _actions(actor, mission) if actor.is_authenticated else [],
        "can_report": can_report,
        **extra,
    }
    return render(request, "service_teams/mission_detail.html", context, status=status)


def mission_detail(request, pk):
    return _mission_page(request, mission_get(actor=request.actor, pk=pk))


@login_required
def mission_report(request, pk):
    mission = mission_get(actor=request.actor, pk=pk)
    if not team_can_act(actor=request.actor, team=mission.team):
        raise Http404
    form = ReportForm(request.POST or None, request.FILES or None, mission=mission)
    if request.method == "POST" and form.is_valid():
        files = request.FILES.getlist("evidence")
        try:
            services.mission_report(
                actor=request.actor,
                mission=mission,
                summary=form.cleaned_data["summary"],
                problems_answered=form.cleaned_data["problems_answered"],
                hours=form.hours(),
                needs=form.needs(),
                evidence_files=files,
            )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {}
            for name, texts in errors.items():
                form.add_error(name if name in form.fields else None, texts)
            if not errors:
                form.add_error(None, error.messages)
        else:
            messages.success(request, _("Reported; the hosts are asked to confirm."))
            return redirect(mission)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "service_teams/mission_report.html",
        {"form": form, "mission": mission},
        status=status,
    )


@login_required
@require_POST
def mission_act(request, pk):
    mission = mission_get(actor=request.actor, pk=pk)
    form = TransitionForm(request.POST)
    form.is_valid()
    try:
        services.mission_transition(
            actor=request.actor,
            mission=mission,
            action=form.cleaned_data.get("action", ""),
            note=form.cleaned_data.get("note", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        mission = mission_get(actor=request.actor, pk=pk)
        return _mission_page(request, mission, status=400, transition_error=error_text(error))
    messages.success(request, _("Done."))
    return redirect("service_teams:mission", pk=pk)


@login_required
def verify_queue(request):
    return render(
        request,
        "service_teams/verify_queue.html",
        {"missions": mission_verify_queue(actor=request.actor)},
    )


@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(MissionEvidence.objects.select_related("mission"), pk=pk)
    if not mission_can_read(actor=request.actor, mission=evidence.mission):
        raise Http404
    return upload_private_response(evidence.file, filename=evidence.name)


# --- pilot cities --------------------------------------------------------------------------


def pilot_index(request):
    pilots = list(pilot_list())
    for pilot in pilots:
        pilot.progress = _labelled(pilot_progress(pilot=pilot))
    return render(request, "service_teams/pilot_list.html", {"pilots": pilots})


def _labelled(rows):
    return [row | {"label": PROGRESS_LABELS[row["key"]]} for row in rows]


def _pilot_page(request, pilot, *, status=200, **forms):
    actor = request.actor
    actuals = pilot_actuals(pilot=pilot)
    can_set = pilot_can_set_targets(actor=actor, pilot=pilot)
    assessor = pilot_assessor(actor=actor, pilot=pilot)
    context = {
        "pilot": pilot,
        "actuals": actuals,
        "progress": _labelled(pilot_progress(pilot=pilot, actuals=actuals)),
        "assessments": pilot.assessments.select_related("assessor"),
        "missions": pilot.missions.filter(status="verified").select_related("team")[:20],
        "can_set_targets": can_set,
        "assessor": assessor,
        "targets_form": forms.get("targets_form")
        or (
            TargetsForm(initial={name: getattr(pilot, name) for name in services.TARGET_FIELDS})
            if can_set
            else None
        ),
        "assessment_form": forms.get("assessment_form") or (AssessmentForm() if assessor else None),
    }
    return render(request, "service_teams/pilot_detail.html", context, status=status)


def pilot_detail(request, pk):
    return _pilot_page(request, pilot_get(pk=pk))


@login_required
@require_POST
def pilot_targets(request, pk):
    pilot = pilot_get(pk=pk)
    form = TargetsForm(request.POST)
    if form.is_valid():
        try:
            services.pilot_targets_set(actor=request.actor, pilot=pilot, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Targets saved."))
            return redirect(pilot)
    return _pilot_page(request, pilot, status=400, targets_form=form)


@login_required
@require_POST
def pilot_assess(request, pk):
    pilot = pilot_get(pk=pk)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            services.pilot_assess(actor=request.actor, pilot=pilot, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect(pilot)
    return _pilot_page(request, pilot, status=400, assessment_form=form)
