"""The roadshow pages: thin, they shape input and call roadshows.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.web import add_service_errors, error_text
from organizations.models import Organization
from roadshows import services
from roadshows.forms import (
    AnswerForm,
    CriterionForm,
    DecideForm,
    IntentForm,
    MeetingForm,
    PanelForm,
    PitchForm,
    QuestionForm,
    ReplayForm,
    RoadshowForm,
    SlotForm,
    TransitionForm,
)
from roadshows.models import (
    Intent,
    Meeting,
    Pitch,
    Question,
    Registration,
    RoadshowStatus,
)
from roadshows.permissions import (
    can_host,
    pitch_is_presenter,
    roadshow_is_attendee,
    roadshow_is_host,
    roadshow_sees_stream,
)
from roadshows.selectors import (
    intent_list_visible,
    meeting_list_visible,
    own_supply,
    panel_seat,
    pitch_list_visible,
    programme,
    question_list_visible,
    ranking,
    ranking_visible,
    registration_list_visible,
    roadshow_get,
    roadshow_list_hosted,
    roadshow_list_public,
    suggestions_for,
)
from roadshows.transitions import ACTION_LABELS, Action, Who, step_for


def _own(actor, *, hosting=False) -> Organization | None:
    """The organization the user acts for here: the first that may (host, or take part)."""
    for organization in Organization.objects.filter(pk__in=actor.organization_ids).order_by("pk"):
        if hosting and can_host(organization):
            return organization
        if not hosting and organization.is_verified:
            return organization
    return None


def roadshow_list(request):
    """Public: the upcoming roadshows, or the past ones."""
    past = request.GET.get("when") == "past"
    page = Paginator(roadshow_list_public(past=past), 20).get_page(request.GET.get("page"))
    return render(request, "roadshows/roadshow_list.html", {"page": page, "past": past})


def _actions(actor, roadshow):
    rows = []
    if not roadshow_is_host(actor=actor, roadshow=roadshow):
        return rows
    for action in Action:
        step = step_for(roadshow.status, action)
        if step is None or step.who != Who.HOST:
            continue
        rows.append(
            {"action": action.value, "label": ACTION_LABELS[action], "note": step.needs_note}
        )
    return rows


def _detail(request, roadshow, *, status=200, **bound):
    actor = request.actor
    is_host = roadshow_is_host(actor=actor, roadshow=roadshow)
    is_attendee = roadshow_is_attendee(actor=actor, roadshow=roadshow)
    pitches = list(programme(roadshow=roadshow))
    questions = list(question_list_visible(actor=actor, roadshow=roadshow))
    attendee_forms = bound.get("attendee_forms") or {}
    for pitch in pitches:
        pitch.question_rows = [q for q in questions if q.pitch_id == pitch.pk]
        pitch.is_mine = pitch_is_presenter(actor=actor, pitch=pitch)
        # The attendee's forms: the ones just sent, with what was typed and the errors, on
        # the pitch they were sent for; empty ones elsewhere.
        forms = attendee_forms if attendee_forms.get("pitch") == pitch.pk else {}
        pitch.forms_open = bool(forms)
        pitch.question_form = forms.get("question") or QuestionForm()
        pitch.meeting_form = forms.get("meeting") or MeetingForm()
        pitch.intent_form = forms.get("intent") or IntentForm()
    organization = _own(actor) if actor.is_authenticated else None
    registration = (
        Registration.objects.filter(roadshow=roadshow, user=actor.user).first()
        if actor.is_authenticated
        else None
    )
    context = {
        "roadshow": roadshow,
        "pitches": pitches,
        "is_host": is_host,
        "is_attendee": is_attendee,
        "sees_stream": roadshow_sees_stream(actor=actor, roadshow=roadshow),
        "registration": registration,
        "can_register": (
            organization is not None
            and registration is None
            and roadshow.status == RoadshowStatus.PUBLISHED
        ),
        "call_open": services.roadshow_call_is_open(roadshow) and not is_host,
        "own_listings": own_supply(organization_ids=actor.organization_ids)
        if actor.is_authenticated
        else [],
        "pitch_form": bound.get("pitch_form") or PitchForm(),
        "answer_form": AnswerForm(),
        "show_ranking": ranking_visible(actor=actor, roadshow=roadshow),
        "ranking": ranking(roadshow=roadshow) if roadshow.is_competition else [],
        "panel_seat": panel_seat(actor=actor, roadshow=roadshow),
        "criteria": list(roadshow.criteria.all()),
        "actions": _actions(actor, roadshow),
        "transition_error": bound.get("transition_error"),
        "suggestions": suggestions_for(
            actor=actor, roadshow=roadshow, organization_id=organization.pk
        )
        if organization is not None and is_attendee
        else [],
    }
    return render(request, "roadshows/roadshow_detail.html", context, status=status)


def roadshow_detail(request, pk):
    return _detail(request, roadshow_get(actor=request.actor, pk=pk))


@login_required
def roadshow_create(request):
    actor = request.actor
    host = _own(actor, hosting=True)
    if host is None:
        return render(request, "roadshows/roadshow_form.html", {"cannot": True}, status=403)
    return _edit(request, host=host)


@login_required
def roadshow_edit(request, pk):
    roadshow = roadshow_get(actor=request.actor, pk=pk)
    if not roadshow_is_host(actor=request.actor, roadshow=roadshow):
        raise Http404
    return _edit(request, roadshow=roadshow, host=roadshow.host)


def _edit(request, *, host, roadshow=None):
    status = 200
    if request.method == "POST":
        form = RoadshowForm(request.POST)
        if form.is_valid():
            try:
                roadshow = services.roadshow_save(
                    actor=request.actor,
                    data=form.cleaned_data,
                    host=host if roadshow is None else None,
                    roadshow=roadshow,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                raise Http404 from error
            else:
                messages.success(request, _("Roadshow saved."))
                return redirect(roadshow)
        status = 400
    else:
        form = RoadshowForm(instance=roadshow)
    return render(
        request,
        "roadshows/roadshow_form.html",
        {"form": form, "host": host, "roadshow": roadshow},
        status=status,
    )


@login_required
@require_POST
def roadshow_act(request, pk):
    roadshow = roadshow_get(actor=request.actor, pk=pk)
    form = TransitionForm(request.POST)
    form.is_valid()
    try:
        services.roadshow_transition(
            actor=request.actor,
            roadshow=roadshow,
            action=form.cleaned_data.get("action", ""),
            note=form.cleaned_data.get("note", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        roadshow = roadshow_get(actor=request.actor, pk=pk)
        return _detail(request, roadshow, status=400, transition_error=error_text(error))
    messages.success(request, _("Done."))
    return redirect(roadshow)


@login_required
def roadshow_manage(request, pk):
    """The host's page: pitches, the programme, registrations, the panel and criteria."""
    roadshow = roadshow_get(actor=request.actor, pk=pk)
    if not roadshow_is_host(actor=request.actor, roadshow=roadshow):
        raise Http404
    return render(
        request,
        "roadshows/manage.html",
        {
            "roadshow": roadshow,
            "pitches": roadshow.pitches.select_related("organization", "listing"),
            "registrations": roadshow.registrations.select_related("organization", "user"),
            "panel": roadshow.panel.select_related("user"),
            "criteria": roadshow.criteria.all(),
            "decide_form": DecideForm(),
            "slot_form": SlotForm(),
            "replay_form": ReplayForm(),
            "panel_form": PanelForm(),
            "criterion_form": CriterionForm(),
        },
    )


def _flash(request, call, success):
    try:
        call()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return False
    messages.success(request, success)
    return True


@login_required
@require_POST
def pitch_submit(request, pk):
    roadshow = roadshow_get(actor=request.actor, pk=pk)
    form = PitchForm(request.POST)
    organization = _own(request.actor)
    if form.is_valid():
        try:
            if organization is None:
                raise ValidationError({"listing": _("Only a verified organization pitches.")})
            services.pitch_submit(
                actor=request.actor,
                roadshow=roadshow,
                organization=organization,
                listing=form.cleaned_data["listing"],
                summary=form.cleaned_data["summary"],
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                error = ValidationError(str(error))
            add_service_errors(form, error)
        else:
            messages.success(request, _("Pitch submitted; the host will select or decline it."))
            return redirect(roadshow)
    return _detail(request, roadshow, status=400, pitch_form=form)


def _pitch(request, pk) -> Pitch:
    """A pitch the user may see (in a public programme, its own, or at its roadshow)."""
    return get_object_or_404(pitch_list_visible(actor=request.actor), pk=pk)


def _host_pitch(request, pk):
    return _pitch(request, pk)


@login_required
@require_POST
def pitch_decide(request, pk):
    pitch = _host_pitch(request, pk)
    form = DecideForm(request.POST)
    form.is_valid()
    select = request.POST.get("decision") == "select"
    _flash(
        request,
        lambda: services.pitch_decide(
            actor=request.actor,
            pitch=pitch,
            select=select,
            reason=form.cleaned_data.get("reason", ""),
        ),
        _("Pitch selected.") if select else _("Pitch declined."),
    )
    return redirect("roadshows:manage", pk=pitch.roadshow_id)


@login_required
@require_POST
def pitch_slot(request, pk):
    pitch = _host_pitch(request, pk)
    form = SlotForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(ValidationError(form.errors)))
        return redirect("roadshows:manage", pk=pitch.roadshow_id)
    _flash(
        request,
        lambda: services.pitch_schedule(actor=request.actor, pitch=pitch, **form.cleaned_data),
        _("Programme updated."),
    )
    return redirect("roadshows:manage", pk=pitch.roadshow_id)


@login_required
@require_POST
def pitch_replay(request, pk):
    pitch = _host_pitch(request, pk)
    form = ReplayForm(request.POST)
    form.is_valid()
    _flash(
        request,
        lambda: services.pitch_set_replay(
            actor=request.actor, pitch=pitch, replay_url=form.cleaned_data.get("replay_url", "")
        ),
        _("Replay link saved."),
    )
    return redirect(pitch.roadshow)


@login_required
@require_POST
def register(request, pk):
    roadshow = roadshow_get(actor=request.actor, pk=pk)
    organization = _own(request.actor)
    if organization is None:
        messages.error(request, _("Only members of a verified organization register."))
        return redirect(roadshow)
    _flash(
        request,
        lambda: services.registration_create(
            actor=request.actor, roadshow=roadshow, organization=organization
        ),
        _("Registered; the host will validate your registration."),
    )
    return redirect(roadshow)


@login_required
@require_POST
def registration_decide(request, pk):
    registration = get_object_or_404(registration_list_visible(actor=request.actor), pk=pk)
    roadshow = registration.roadshow
    validate = request.POST.get("decision") == "validate"
    _flash(
        request,
        lambda: services.registration_decide(
            actor=request.actor, registration=registration, validate=validate
        ),
        _("Registration validated.") if validate else _("Registration refused."),
    )
    return redirect("roadshows:manage", pk=roadshow.pk)


@login_required
@require_POST
def panel_add(request, pk):
    roadshow = roadshow_get(actor=request.actor, pk=pk)
    form = PanelForm(request.POST)
    form.is_valid()
    _flash(
        request,
        lambda: services.panel_add(
            actor=request.actor, roadshow=roadshow, username=form.cleaned_data.get("username", "")
        ),
        _("Expert added to the panel."),
    )
    return redirect("roadshows:manage", pk=roadshow.pk)


@login_required
@require_POST
def criterion_add(request, pk):
    roadshow = roadshow_get(actor=request.actor, pk=pk)
    form = CriterionForm(request.POST)
    form.is_valid()
    _flash(
        request,
        lambda: services.criterion_add(
            actor=request.actor,
            roadshow=roadshow,
            name=form.cleaned_data.get("name", ""),
            weight=form.cleaned_data.get("weight", ""),
        ),
        _("Criterion added."),
    )
    return redirect("roadshows:manage", pk=roadshow.pk)


@login_required
@require_POST
def pitch_score(request, pk):
    pitch = _pitch(request, pk)
    scores = {
        key.removeprefix("score-"): value
        for key, value in request.POST.items()
        if key.startswith("score-")
    }
    _flash(
        request,
        lambda: services.pitch_score(actor=request.actor, pitch=pitch, scores=scores),
        _("Scores saved."),
    )
    return redirect(pitch.roadshow)


def _attendee_post(request, pitch, name, form, call, success, *, then):
    """Send a validated attendee's form for a pitch: on success, `then`; on any error, the
    roadshow's page again (400) with the form as typed, its errors and the pitch's forms
    open."""
    organization = _own(request.actor)
    if organization is None or not roadshow_is_attendee(
        actor=request.actor, roadshow=pitch.roadshow
    ):
        # The page shows these forms to validated attendees only: nothing to re-render.
        messages.error(request, _("Only validated attendees of a verified organization take part."))
        return redirect(pitch.roadshow)
    if form.is_valid():
        try:
            call(organization, form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(
                form,
                error if isinstance(error, ValidationError) else ValidationError(error_text(error)),
            )
        else:
            messages.success(request, success)
            return redirect(then)
    return _detail(
        request, pitch.roadshow, status=400, attendee_forms={"pitch": pitch.pk, name: form}
    )


@login_required
@require_POST
def question_ask(request, pk):
    pitch = _pitch(request, pk)
    return _attendee_post(
        request,
        pitch,
        "question",
        QuestionForm(request.POST),
        lambda organization, data: services.question_ask(
            actor=request.actor, pitch=pitch, organization=organization, text=data["text"]
        ),
        _("Question sent to the presenter."),
        then=pitch.roadshow,
    )


@login_required
@require_POST
def question_answer(request, pk):
    question = get_object_or_404(
        Question.objects.filter(pitch__in=pitch_list_visible(actor=request.actor)).select_related(
            "pitch__roadshow"
        ),
        pk=pk,
    )
    roadshow = question.pitch.roadshow
    form = AnswerForm(request.POST)
    form.is_valid()
    _flash(
        request,
        lambda: services.question_answer(
            actor=request.actor, question=question, answer=form.cleaned_data.get("answer", "")
        ),
        _("Answer published."),
    )
    return redirect(roadshow)


@login_required
@require_POST
def meeting_request(request, pk):
    pitch = _pitch(request, pk)
    return _attendee_post(
        request,
        pitch,
        "meeting",
        MeetingForm(request.POST),
        lambda organization, data: services.meeting_request(
            actor=request.actor, pitch=pitch, organization=organization, **data
        ),
        _("Meeting requested; the presenter will accept or decline."),
        then="roadshows:mine",
    )


@login_required
@require_POST
def meeting_act(request, pk):
    meeting = meeting_list_visible(actor=request.actor).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    decision = request.POST.get("decision", "")
    if decision == "accept":
        call = lambda: services.meeting_accept(actor=request.actor, meeting=meeting)  # noqa: E731
    elif decision == "held":
        call = lambda: services.meeting_mark_held(actor=request.actor, meeting=meeting)  # noqa: E731
    else:
        call = lambda: services.meeting_decline(  # noqa: E731
            actor=request.actor, meeting=meeting, reason=request.POST.get("reason", "")
        )
    _flash(request, call, _("Done."))
    return redirect("roadshows:mine")


@login_required
@require_POST
def intent_express(request, pk):
    pitch = _pitch(request, pk)
    return _attendee_post(
        request,
        pitch,
        "intent",
        IntentForm(request.POST),
        lambda organization, data: services.intent_express(
            actor=request.actor,
            pitch=pitch,
            organization=organization,
            kind=data["kind"],
            note=data["note"],
        ),
        _("Intent sent to the presenter."),
        then="roadshows:mine",
    )


@login_required
@require_POST
def intent_act(request, pk):
    intent = intent_list_visible(actor=request.actor).filter(pk=pk).first()
    if intent is None:
        raise Http404
    accept = request.POST.get("decision") == "accept"
    _flash(
        request,
        lambda: services.intent_decide(
            actor=request.actor,
            intent=intent,
            accept=accept,
            reason=request.POST.get("reason", ""),
        ),
        _("Intent accepted: a deal is open.") if accept else _("Intent declined."),
    )
    return redirect("roadshows:mine")


@login_required
def my_roadshows(request):
    """As host, presenter and attendee: roadshows, meetings, intents and suggestions."""
    actor = request.actor
    meetings = list(meeting_list_visible(actor=actor).order_by("starts_at"))
    for meeting in meetings:
        meeting.is_presenter = meeting.presenter_id in actor.organization_ids
    intents = list(intent_list_visible(actor=actor))
    for intent in intents:
        intent.is_presenter = intent.pitch.organization_id in actor.organization_ids
    registrations = list(
        registration_list_visible(actor=actor).filter(user=actor.user).order_by("-created_at")
    )
    suggestions = []
    for registration in registrations:
        if registration.status == Registration.Status.VALIDATED:
            suggestions += suggestions_for(
                actor=actor,
                roadshow=registration.roadshow,
                organization_id=registration.organization_id,
            )
    return render(
        request,
        "roadshows/my_roadshows.html",
        {
            "hosted": roadshow_list_hosted(actor=actor),
            "can_host": _own(actor, hosting=True) is not None,
            "pitches": Pitch.objects.filter(organization_id__in=actor.organization_ids)
            .select_related("roadshow", "listing")
            .order_by("-submitted_at"),
            "registrations": registrations,
            "meetings": meetings,
            "intents": intents,
            "suggestions": suggestions,
            "meeting_statuses": Meeting.Status,
            "intent_statuses": Intent.Status,
        },
    )
