"""The challenge pages: thin, they shape input and call challenges.services."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from challenges import services
from challenges.forms import (
    AmendForm,
    AnswerForm,
    ApplicationForm,
    ChallengeForm,
    ConflictForm,
    IndicatorFormSet,
    MilestoneFormSet,
    QuestionForm,
    SeatForm,
    TransitionForm,
    criteria_rows,
    criteria_text,
    formset_rows,
)
from challenges.models import (
    CHALLENGE_EDITABLE,
    CHALLENGE_PANEL_OPEN,
    Application,
    ApplicationMilestone,
    ChallengeAnnex,
    ChallengeIndicator,
    ChallengeStatus,
    DeclineReason,
    PanelAssignment,
    PanelMember,
    Question,
)
from challenges.permissions import (
    can_sponsor,
    challenge_can_vet,
    challenge_is_sponsor,
    challenge_is_sponsor_admin,
    challenge_sees_annex,
    challenge_sees_applications,
    challenge_sees_ranking,
    challenge_sees_sponsor,
    sponsor_label,
)
from challenges.selectors import (
    application_get,
    application_list_for,
    application_list_own,
    application_ranking,
    challenge_get,
    challenge_list_public,
    challenge_list_sponsored,
    challenge_vetting_queue,
    nda_accepted,
    organization_figures,
    panel_list,
    panel_member_of,
    question_list_visible,
    review_assignments,
    staffed_office_regions,
)
from challenges.transitions import ACTION_LABELS, FORM_ACTIONS, Action, Who, step_for
from core.ids import parse_id
from core.uploads import upload_private_response
from core.web import add_service_errors, error_text
from organizations.models import Organization
from repositories.models import Need
from taxonomy.models import Field, Region


def _own(actor, *, sponsoring=False) -> Organization | None:
    """The organization the user acts for here: the first that may (sponsor, or apply)."""
    organizations = Organization.objects.filter(pk__in=actor.organization_ids).order_by("pk")
    for organization in organizations:
        if sponsoring and can_sponsor(organization):
            return organization
        if (
            not sponsoring
            and organization.is_verified
            and organization.kind != Organization.Kind.CAST_OFFICE
        ):
            return organization
    return None


def _decorate(challenge, actor, staffed_region_ids=None):
    challenge.sponsor_shown = challenge_sees_sponsor(
        actor=actor, challenge=challenge, staffed_region_ids=staffed_region_ids
    )
    challenge.sponsor_text = (
        challenge.sponsor.name if challenge.sponsor_shown else sponsor_label(challenge)
    )
    return challenge


def challenge_list(request):
    """Public: the open challenges first; the hidden sponsors' names never shown."""
    field_id = parse_id(request.GET.get("field", ""))
    region_id = parse_id(request.GET.get("region", ""))
    status = request.GET.get("status", "")
    if status not in (ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED):
        status = ""
    page = Paginator(
        challenge_list_public(field_id=field_id, region_id=region_id, status=status), 20
    ).get_page(request.GET.get("page"))
    # Who vets the hidden government lists: the staffed offices read once for the page.
    staffed = staffed_office_regions(page.object_list) if request.actor.is_staff_reviewer else None
    for challenge in page:
        _decorate(challenge, request.actor, staffed)
    return render(
        request,
        "challenges/challenge_list.html",
        {
            "page": page,
            "fields": Field.objects.filter(level=Field.Level.DOMAIN).order_by("code"),
            "regions": Region.objects.filter(parent__isnull=True).order_by("code"),
            "chosen": {"field": field_id, "region": region_id, "status": status},
            "statuses": [
                (ChallengeStatus.PUBLISHED, ChallengeStatus.PUBLISHED.label),
                (ChallengeStatus.CLOSED, ChallengeStatus.CLOSED.label),
            ],
        },
    )


def _actions(actor, challenge):
    """The steps of the table this actor may take now (the timer's aside)."""
    rows = []
    for action in Action:
        step = step_for(challenge.status, action)
        if step is None or step.who == Who.SYSTEM or action in FORM_ACTIONS:
            continue
        if step.who == Who.SPONSOR and not challenge_is_sponsor(actor=actor, challenge=challenge):
            continue
        if step.who == Who.VETTER and not challenge_can_vet(actor=actor, challenge=challenge):
            continue
        rows.append(
            {"action": action.value, "label": ACTION_LABELS[action], "note": step.needs_note}
        )
    return rows


def _detail(request, challenge, *, status=200, **bound):
    actor = request.actor
    _decorate(challenge, actor)
    accepted = nda_accepted(actor=actor, challenge=challenge)
    sees_applications = challenge_sees_applications(actor=actor, challenge=challenge)
    own_applications = (
        application_list_for(actor=actor, challenge=challenge) if actor.is_authenticated else []
    )
    context = {
        "challenge": challenge,
        "indicators": challenge.indicators.all(),
        "amendments": challenge.amendments.all(),
        "questions": question_list_visible(actor=actor, challenge=challenge),
        "is_sponsor": challenge_is_sponsor(actor=actor, challenge=challenge),
        "can_vet": challenge_can_vet(actor=actor, challenge=challenge),
        "sees_applications": sees_applications,
        "applications": own_applications,
        "accepted": accepted,
        "sees_annex": challenge_sees_annex(actor=actor, challenge=challenge, accepted=accepted),
        "annexes": challenge.annexes.all(),
        "is_open": services.challenge_is_open(challenge),
        "actions": _actions(actor, challenge) if actor.is_authenticated else [],
        "question_form": bound.get("question_form") or QuestionForm(),
        "transition_error": bound.get("transition_error"),
        "can_apply": actor.is_authenticated and _own(actor) is not None,
        "show_need": challenge.need_id and challenge.sponsor_shown,
        "is_panel": panel_member_of(actor=actor, challenge=challenge) is not None,
        "sees_ranking": challenge_sees_ranking(actor=actor, challenge=challenge),
        "figures": _figures(challenge),
    }
    return render(request, "challenges/challenge_detail.html", context, status=status)


def _figures(challenge):
    """The sponsor's (when it may be named) and the winners' public figures."""
    winners = list(
        challenge.applications.filter(status=Application.Status.AWARDED).select_related("applicant")
    )
    ids = [a.applicant_id for a in winners]
    if challenge.sponsor_shown:
        ids.append(challenge.sponsor_id)
    figures = organization_figures(organization_ids=ids)
    return {
        "sponsor": figures[challenge.sponsor_id]["as_sponsor"] if challenge.sponsor_shown else None,
        "winners": [
            {"name": a.applicant.name, **figures[a.applicant_id]["as_applicant"]} for a in winners
        ],
    }


def challenge_detail(request, pk):
    return _detail(request, challenge_get(actor=request.actor, pk=pk))


def _indicator_rows(formset):
    return formset_rows(formset)


@login_required
def challenge_create(request):
    actor = request.actor
    sponsor = _own(actor, sponsoring=True)
    if sponsor is None:
        return render(request, "challenges/challenge_form.html", {"cannot": True}, status=403)
    initial = {}
    need_id = parse_id(request.GET.get("need", ""))
    if need_id:
        need = get_object_or_404(Need, pk=need_id)
        try:
            initial = services.need_prefill(actor=actor, need=need)
        except PermissionDenied as error:
            raise Http404 from error
    none = ChallengeIndicator.objects.none()
    if request.method == "POST":
        form = ChallengeForm(request.POST, request.FILES)
        formset = IndicatorFormSet(request.POST, queryset=none, prefix="indicators")
        if form.is_valid() and formset.is_valid():
            try:
                challenge = services.challenge_save(
                    actor=actor,
                    sponsor=sponsor,
                    data={**form.cleaned_data, "need": initial.get("need")},
                    indicators=_indicator_rows(formset),
                    annex_files=[form.cleaned_data["annex"]] if form.cleaned_data["annex"] else [],
                    criteria=_criteria(form),
                )
            except ValidationError as error:
                _bind(form, formset, error)
            else:
                messages.success(request, _("Draft saved. Submit it for vetting when ready."))
                return redirect(challenge)
        status = 400
    else:
        form = ChallengeForm(
            initial={**initial, "criteria": criteria_text(services.default_criteria())}
        )
        formset = IndicatorFormSet(queryset=none, prefix="indicators")
        status = 200
    return render(
        request,
        "challenges/challenge_form.html",
        {"form": form, "formset": formset, "sponsor": sponsor, "need": initial.get("need")},
        status=status,
    )


def _criteria(form):
    """The criteria typed in the form; blank keeps those set."""
    text = form.cleaned_data.get("criteria", "")
    return criteria_rows(text) if text.strip() else None


def _bind(form, formset, error):
    """A service's errors on the form; the indicators' above their table."""
    if hasattr(error, "error_dict") and "indicators" in error.message_dict:
        formset.service_errors = error.message_dict["indicators"]
        error = ValidationError(
            {k: v for k, v in error.message_dict.items() if k != "indicators"} or {}
        )
        if not error.message_dict:
            return
    add_service_errors(form, error)


@login_required
def challenge_edit(request, pk):
    actor = request.actor
    challenge = challenge_get(actor=actor, pk=pk)
    if not challenge_is_sponsor(actor=actor, challenge=challenge):
        raise Http404
    published = challenge.status == ChallengeStatus.PUBLISHED
    if challenge.status not in CHALLENGE_EDITABLE and not published:
        messages.error(request, _("This challenge can no longer be edited."))
        return redirect(challenge)
    form_class = AmendForm if published else ChallengeForm
    queryset = challenge.indicators.all()
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, instance=None)
        formset = IndicatorFormSet(request.POST, queryset=queryset, prefix="indicators")
        if form.is_valid() and formset.is_valid():
            files = [form.cleaned_data["annex"]] if form.cleaned_data["annex"] else []
            try:
                if published:
                    services.challenge_amend(
                        actor=actor,
                        challenge=challenge,
                        changes={k: v for k, v in form.cleaned_data.items() if k != "annex"},
                        reason=form.cleaned_data["reason"],
                        indicators=_indicator_rows(formset),
                        annex_files=files,
                        criteria=_criteria(form),
                    )
                else:
                    services.challenge_save(
                        actor=actor,
                        challenge=challenge,
                        data={**form.cleaned_data, "need": challenge.need},
                        indicators=_indicator_rows(formset),
                        annex_files=files,
                        criteria=_criteria(form),
                    )
            except ValidationError as error:
                _bind(form, formset, error)
            else:
                messages.success(
                    request, _("Amendment published.") if published else _("Draft saved.")
                )
                return redirect(challenge)
        status = 400
    else:
        form = form_class(
            instance=challenge,
            initial={"criteria": criteria_text(challenge.criteria.values("name", "weight"))},
        )
        formset = IndicatorFormSet(queryset=queryset, prefix="indicators")
    return render(
        request,
        "challenges/challenge_form.html",
        {
            "form": form,
            "formset": formset,
            "challenge": challenge,
            "published": published,
            "sponsor": challenge.sponsor,
        },
        status=status,
    )


@login_required
@require_POST
def challenge_act(request, pk):
    challenge = challenge_get(actor=request.actor, pk=pk)
    form = TransitionForm(request.POST)
    form.is_valid()
    try:
        services.challenge_transition(
            actor=request.actor,
            challenge=challenge,
            action=form.cleaned_data.get("action", ""),
            note=form.cleaned_data.get("note", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        challenge = challenge_get(actor=request.actor, pk=pk)
        return _detail(request, challenge, status=400, transition_error=error_text(error))
    messages.success(request, _("Done."))
    return redirect(challenge)


@login_required
@require_POST
def nda_accept(request, pk):
    challenge = challenge_get(actor=request.actor, pk=pk)
    organization = _own(request.actor) or _own(request.actor, sponsoring=True)
    if organization is None:
        raise Http404
    try:
        services.nda_accept(actor=request.actor, challenge=challenge, organization=organization)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("You accepted the NDA; the confidential annex is open to you."))
    return redirect(challenge)


@login_required
def annex_download(request, pk):
    annex = get_object_or_404(ChallengeAnnex, pk=pk)
    challenge = challenge_get(actor=request.actor, pk=annex.challenge_id)
    accepted = nda_accepted(actor=request.actor, challenge=challenge)
    if not challenge_sees_annex(actor=request.actor, challenge=challenge, accepted=accepted):
        raise Http404
    return upload_private_response(annex.file, filename=annex.name)


@login_required
@require_POST
def question_ask(request, pk):
    challenge = challenge_get(actor=request.actor, pk=pk)
    form = QuestionForm(request.POST)
    organization = _own(request.actor)
    if form.is_valid():
        try:
            if organization is None:
                raise ValidationError({"text": _("Only a verified organization asks questions.")})
            services.question_ask(
                actor=request.actor,
                challenge=challenge,
                organization=organization,
                text=form.cleaned_data["text"],
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                error = ValidationError(str(error))
            add_service_errors(form, error)
        else:
            messages.success(request, _("Question sent; it is shown once the sponsor answers."))
            return redirect(challenge)
    return _detail(request, challenge, status=400, question_form=form)


@login_required
@require_POST
def question_answer(request, pk):
    question = get_object_or_404(Question, pk=pk)
    challenge = challenge_get(actor=request.actor, pk=question.challenge_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the answer."))
        return redirect(challenge)
    try:
        services.question_answer(
            actor=request.actor, question=question, answer=form.cleaned_data["answer"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Answer published."))
    return redirect(challenge)


@login_required
def application_create(request, pk):
    actor = request.actor
    challenge = challenge_get(actor=actor, pk=pk)
    applicant = _own(actor)
    if applicant is None or challenge.sponsor_id in actor.organization_ids:
        messages.error(request, _("Only a verified organization other than the sponsor applies."))
        return redirect(challenge)
    _decorate(challenge, actor)
    status = 200
    none = ApplicationMilestone.objects.none()
    kwargs = {"challenge": challenge}
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        formset = MilestoneFormSet(
            request.POST, queryset=none, prefix="milestones", form_kwargs=kwargs
        )
        if form.is_valid() and formset.is_valid():
            try:
                application = services.application_submit(
                    actor=actor,
                    challenge=challenge,
                    applicant=applicant,
                    data=form.cleaned_data,
                    milestones=formset_rows(formset),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict") and "milestones" in error.message_dict:
                    formset.service_errors = error.message_dict["milestones"]
                    rest = {k: v for k, v in error.message_dict.items() if k != "milestones"}
                    if rest:
                        add_service_errors(form, ValidationError(rest))
                else:
                    add_service_errors(form, error)
            else:
                messages.success(request, _("Application filed."))
                return redirect(application)
        status = 400
    else:
        form = ApplicationForm()
        formset = MilestoneFormSet(queryset=none, prefix="milestones", form_kwargs=kwargs)
    return render(
        request,
        "challenges/application_form.html",
        {
            "form": form,
            "formset": formset,
            "challenge": challenge,
            "applicant": applicant,
            "indicators": challenge.indicators.all(),
        },
        status=status,
    )


@login_required
def application_detail(request, pk):
    application = application_get(actor=request.actor, pk=pk)
    _decorate(application.challenge, request.actor)
    return render(
        request,
        "challenges/application_detail.html",
        {
            "application": application,
            "challenge": application.challenge,
            "milestones": application.milestones.select_related("covers_indicator"),
            "is_applicant": application.applicant_id in request.actor.organization_ids,
            "can_decline": application.status == Application.Status.SUBMITTED
            and application.challenge.status == ChallengeStatus.REVIEWING
            and challenge_is_sponsor(actor=request.actor, challenge=application.challenge),
            "reasons": DeclineReason.choices,
        },
    )


@login_required
@require_POST
def application_withdraw(request, pk):
    application = application_get(actor=request.actor, pk=pk)
    try:
        services.application_withdraw(actor=request.actor, application=application)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Application withdrawn."))
    return redirect(application)


@login_required
def my_challenges(request):
    """The sponsor's dashboard: its challenges and their applications."""
    challenges = list(challenge_list_sponsored(actor=request.actor))
    for challenge in challenges:
        challenge.all_applications = list(
            challenge.applications.select_related("applicant").order_by("-submitted_at")
        )
    return render(
        request,
        "challenges/my_challenges.html",
        {"challenges": challenges, "can_sponsor": _own(request.actor, sponsoring=True) is not None},
    )


@login_required
def my_applications(request):
    applications = list(application_list_own(actor=request.actor))
    for application in applications:
        _decorate(application.challenge, request.actor)
    return render(request, "challenges/my_applications.html", {"applications": applications})


@login_required
def vetting_queue(request):
    if not request.actor.is_staff_reviewer:
        raise Http404
    challenges = challenge_vetting_queue(actor=request.actor)
    for challenge in challenges:
        _decorate(challenge, request.actor)
    return render(request, "challenges/vetting_queue.html", {"challenges": challenges})


# --- the review panel and the award --------------------------------------------------------


@login_required
def panel(request, pk):
    """The sponsor's panel page: seat members, assign all to all, see the ranking. The vetting
    staff read it too."""
    actor = request.actor
    challenge = challenge_get(actor=actor, pk=pk)
    if not challenge_sees_ranking(actor=actor, challenge=challenge):
        raise Http404
    _decorate(challenge, actor)
    is_admin = challenge_is_sponsor_admin(actor=actor, challenge=challenge)
    form = SeatForm()
    status = 200
    if request.method == "POST":
        if not is_admin:
            raise Http404
        try:
            if request.POST.get("assign_all"):
                added = services.panel_assign(actor=actor, challenge=challenge)
                messages.success(request, _("%(count)d assignment(s) added.") % {"count": added})
                return redirect("challenges:panel", pk=challenge.pk)
            if request.POST.get("unseat"):
                member = get_object_or_404(
                    PanelMember, pk=parse_id(request.POST["unseat"]), challenge=challenge
                )
                services.panel_unseat(actor=actor, member=member)
                messages.success(request, _("Panel member removed."))
                return redirect("challenges:panel", pk=challenge.pk)
            form = SeatForm(request.POST)
            if form.is_valid():
                user = (
                    get_user_model()
                    .objects.filter(username=form.cleaned_data["username"], is_active=True)
                    .first()
                )
                if user is None:
                    raise ValidationError({"username": _("No active user with this username.")})
                services.panel_seat(
                    actor=actor,
                    challenge=challenge,
                    user=user,
                    name=form.cleaned_data["name"],
                    affiliation=form.cleaned_data["affiliation"],
                )
                messages.success(request, _("Panel member seated."))
                return redirect("challenges:panel", pk=challenge.pk)
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                error = ValidationError(str(error))
            if "user" in getattr(error, "message_dict", {}):
                error = ValidationError({"username": error.message_dict["user"]})
            add_service_errors(form, error)
        status = 400
    members = list(panel_list(challenge=challenge).prefetch_related("assignments"))
    return render(
        request,
        "challenges/panel.html",
        {
            "challenge": challenge,
            "members": members,
            "form": form,
            "is_admin": is_admin,
            "panel_open": challenge.status in CHALLENGE_PANEL_OPEN,
            "criteria": challenge.criteria.all(),
            "ranking": application_ranking(challenge=challenge),
        },
        status=status,
    )


@login_required
def review(request, pk):
    """The panel member's page: declare conflicts and score the assigned applications; in
    blind review only anonymous labels."""
    actor = request.actor
    challenge = challenge_get(actor=actor, pk=pk)
    if panel_member_of(actor=actor, challenge=challenge) is None:
        raise Http404
    return _review_page(request, challenge)


def _review_page(request, challenge, *, status=200, errors=None):
    return render(
        request,
        "challenges/review.html",
        {
            "challenge": challenge,
            "assignments": review_assignments(actor=request.actor, challenge=challenge),
            "criteria": list(challenge.criteria.all()),
            "errors": errors or {},
            "conflict_form": ConflictForm(),
            "reviewing": challenge.status == ChallengeStatus.REVIEWING,
        },
        status=status,
    )


def _assigned(request, pk) -> PanelAssignment:
    assignment = (
        PanelAssignment.objects.filter(application_id=pk, member__user_id=request.user.pk)
        .select_related("application__challenge")
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


@login_required
@require_POST
def conflict_declare(request, pk):
    assignment = _assigned(request, pk)
    challenge = assignment.application.challenge
    form = ConflictForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"conflict": _("Say whether you have a conflict of interest.")})
        services.conflict_declare(
            actor=request.actor,
            application=assignment.application,
            conflict=form.cleaned_data["conflict"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        return _review_page(
            request, challenge, status=400, errors={assignment.application_id: error_text(error)}
        )
    messages.success(request, _("Declaration recorded."))
    return redirect("challenges:review", pk=challenge.pk)


@login_required
@require_POST
def score(request, pk):
    assignment = _assigned(request, pk)
    challenge = assignment.application.challenge
    rows = [
        {
            "criterion": criterion.pk,
            "value": request.POST.get(f"score_{criterion.pk}", "").strip(),
            "comment": request.POST.get(f"comment_{criterion.pk}", ""),
        }
        for criterion in challenge.criteria.all()
    ]
    try:
        services.scores_submit(actor=request.actor, application=assignment.application, scores=rows)
    except (ValidationError, PermissionDenied) as error:
        return _review_page(
            request, challenge, status=400, errors={assignment.application_id: error_text(error)}
        )
    messages.success(request, _("Scores saved."))
    return redirect("challenges:review", pk=challenge.pk)


@login_required
def award(request, pk):
    """The sponsor's award form: winners, and a coded reason with a comment for every other
    application (or one for all the rest)."""
    actor = request.actor
    challenge = challenge_get(actor=actor, pk=pk)
    if not challenge_is_sponsor(actor=actor, challenge=challenge):
        raise Http404
    _decorate(challenge, actor)
    errors, status = {}, 200
    if request.method == "POST":
        winners = [parse_id(v) for v in request.POST.getlist("winners")]
        declines = {}
        for application in challenge.applications.filter(status=Application.Status.SUBMITTED):
            reason = request.POST.get(f"reason_{application.pk}", "")
            comment = request.POST.get(f"comment_{application.pk}", "")
            if reason or comment.strip():
                declines[application.pk] = (reason, comment)
        try:
            services.challenge_award(
                actor=actor,
                challenge=challenge,
                winners=[w for w in winners if w],
                declines=declines,
                decline_reason=request.POST.get("decline_reason", ""),
                decline_comment=request.POST.get("decline_comment", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            errors = getattr(error, "message_dict", {"__all__": [str(error)]})
            status = 400
        else:
            messages.success(request, _("Awarded."))
            return redirect(challenge)
    return render(
        request,
        "challenges/award.html",
        {
            "challenge": challenge,
            "ranking": application_ranking(challenge=challenge),
            "reasons": DeclineReason.choices,
            "errors": errors,
            "posted": request.POST if request.method == "POST" else {},
            "can_award": challenge.status == ChallengeStatus.REVIEWING,
        },
        status=status,
    )


@login_required
@require_POST
def application_decline(request, pk):
    application = application_get(actor=request.actor, pk=pk)
    try:
        services.application_decline(
            actor=request.actor,
            application=application,
            reason=request.POST.get("reason", ""),
            comment=request.POST.get("comment", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Application declined; the applicant is told why."))
    return redirect("challenges:award", pk=application.challenge_id)
