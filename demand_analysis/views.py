"""Pages of demand analysis (需求分析): the lists of each side, the CAST staff's queue, the
analyst's form, the owner's side-by-side review, and the owner's request. Thin: the services
decide. A form refused is shown again with everything typed and each error by its field."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.web import add_service_errors, error_text
from demand_analysis import services
from demand_analysis.forms import (
    AcceptForm,
    AnalysisForm,
    DeclineForm,
    IndicatorFormSet,
    RequestForm,
    RouteFormSet,
    formset_rows,
    service_team_choices,
)
from demand_analysis.models import AnalysisPart, AnalysisStatus
from demand_analysis.permissions import (
    analysis_can_decide,
    analysis_can_write,
    analysis_is_analyst,
    analysis_is_owner,
)
from demand_analysis.selectors import (
    analysis_get,
    analysis_list_for_analyst,
    analysis_list_for_need,
    analysis_list_for_owner,
    analysis_queue,
    need_lacks_good_matches,
    need_list_offered_analysis,
)
from repositories.models import ListingKind, Need
from repositories.selectors import listing_get
from repositories.services import listing_pending_revision

LIST_LIMIT = 200
BOXES = ("owner", "analyst")


@login_required
def analysis_list(request):
    """需求分析: the analyses of one's needs (and the needs that could use one), or those one's
    organizations write."""
    actor = request.actor
    box = request.GET.get("box", "owner")
    if box not in BOXES:
        box = "owner"
    context = {"box": box, "is_staff": actor.is_staff_reviewer}
    if box == "owner":
        context["analyses"] = analysis_list_for_owner(actor=actor)[:LIST_LIMIT]
        context["offered_needs"] = need_list_offered_analysis(actor=actor)[:50]
    else:
        context["analyses"] = analysis_list_for_analyst(actor=actor)[:LIST_LIMIT]
    return render(request, "demand_analysis/analysis_list.html", context)


@login_required
def queue(request):
    """The CAST staff's queue: analyses asked of the staff of their region."""
    actor = request.actor
    if not actor.is_staff_reviewer:
        raise Http404
    return render(
        request,
        "demand_analysis/queue.html",
        {"analyses": analysis_queue(actor=actor)[:LIST_LIMIT], "is_staff": True},
    )


def _available_parts(analysis) -> list[str]:
    rows = {
        AnalysisPart.PROBLEM_STATEMENT: bool(analysis.problem_statement),
        AnalysisPart.SUB_PROBLEMS: bool(analysis.sub_problems),
        AnalysisPart.INDICATORS: bool(analysis.indicator_rows),
        AnalysisPart.TRL_WANTED: analysis.trl_wanted is not None,
        AnalysisPart.CONTRACT_TYPE: bool(analysis.contract_type),
        AnalysisPart.ROUTES: bool(analysis.route_rows),
    }
    return [part for part, present in rows.items() if present]


def _detail_page(request, analysis, *, accept_form=None, decline_form=None, status=200):
    actor = request.actor
    analysis.indicator_rows = list(analysis.indicators.all())
    analysis.route_rows = list(analysis.routes.all())
    is_owner = analysis_is_owner(actor=actor, analysis=analysis)
    can_decide = analysis_can_decide(actor=actor, analysis=analysis)
    available = _available_parts(analysis)
    need = analysis.need
    current, modes, _societies = listing_pending_revision(need)
    context = {
        "analysis": analysis,
        "need": need,
        "current": current,
        "current_modes": modes,
        "need_pending": need.status == "published" and need.pending_status == "submitted",
        "is_owner": is_owner,
        "is_analyst": analysis_is_analyst(actor=actor, analysis=analysis),
        "can_write": analysis_can_write(actor=actor, analysis=analysis),
        "can_decide": can_decide,
        "parts": {part: part in available for part in AnalysisPart.values},
    }
    if can_decide:
        accept_form = accept_form or AcceptForm(available=available, initial={"parts": available})
        context["accept_form"] = accept_form
        context["chosen"] = [str(part) for part in accept_form["parts"].value() or []]
        context["decline_form"] = decline_form or DeclineForm()
    return render(request, "demand_analysis/analysis_detail.html", context, status=status)


@login_required
def analysis_detail(request, pk):
    """The owner reads the analysis beside the need and chooses what to copy; the analyst and
    the region's staff read it."""
    return _detail_page(request, analysis_get(actor=request.actor, pk=pk))


def _initial(analysis):
    return (
        {
            "problem_statement": analysis.problem_statement,
            "sub_problems": "\n".join(analysis.sub_problems),
            "trl_wanted": analysis.trl_wanted,
            "contract_type": analysis.contract_type,
        },
        [
            {
                "name": row.name,
                "target": row.target,
                "unit": row.unit,
                "test_method": row.test_method,
            }
            for row in analysis.indicators.all()
        ],
        [{"route": row.route, "rationale": row.rationale} for row in analysis.routes.all()],
    )


def _put_service_errors(form, error):
    """Field errors on the form's fields; those of the rows (indicators, routes) and of the
    state on the form as a whole, each naming what it is about."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages_ in error.message_dict.items():
        if name in form.fields:
            form.add_error(name, messages_)
        else:
            form.add_error(None, messages_)


@login_required
def analysis_edit(request, pk):
    """The analyst's form: saved as a draft, or saved and submitted to the need's owner."""
    analysis = analysis_get(actor=request.actor, pk=pk)
    if not analysis_can_write(actor=request.actor, analysis=analysis):
        raise Http404
    initial, indicator_rows, route_rows = _initial(analysis)
    data = request.POST if request.method == "POST" else None
    form = AnalysisForm(data, initial=initial)
    indicators = IndicatorFormSet(data, initial=indicator_rows, prefix="indicators")
    routes = RouteFormSet(data, initial=route_rows, prefix="routes")
    status = 200
    if request.method == "POST":
        if form.is_valid() & indicators.is_valid() & routes.is_valid():
            try:
                analysis = services.analysis_save(
                    actor=request.actor,
                    analysis=analysis,
                    indicators=formset_rows(indicators),
                    routes=formset_rows(routes),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                _put_service_errors(form, error)
            else:
                if request.POST.get("then") != "submit":
                    messages.success(request, _("Saved as a draft."))
                    return redirect("demand_analysis:edit", pk=analysis.pk)
                try:
                    services.analysis_submit(actor=request.actor, analysis=analysis)
                except ValidationError as error:
                    messages.warning(
                        request, _("Saved as a draft, but not submitted yet: see below.")
                    )
                    _put_service_errors(form, error)
                else:
                    messages.success(
                        request, _("Submitted: the need's owner has been told and will decide.")
                    )
                    return redirect(analysis)
        status = 400
    return render(
        request,
        "demand_analysis/analysis_form.html",
        {"analysis": analysis, "form": form, "indicators": indicators, "routes": routes},
        status=status,
    )


@login_required
@require_POST
def analysis_submit(request, pk):
    analysis = analysis_get(actor=request.actor, pk=pk)
    try:
        services.analysis_submit(actor=request.actor, analysis=analysis)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        if analysis_can_write(actor=request.actor, analysis=analysis):
            return redirect("demand_analysis:edit", pk=analysis.pk)
    else:
        messages.success(request, _("Submitted: the need's owner has been told and will decide."))
    return redirect(analysis)


@login_required
@require_POST
def analysis_accept(request, pk):
    analysis = analysis_get(actor=request.actor, pk=pk)
    if not analysis_is_owner(actor=request.actor, analysis=analysis):
        raise PermissionDenied(_("Only the need's owner decides on its analysis."))
    analysis.indicator_rows = list(analysis.indicators.all())
    analysis.route_rows = list(analysis.routes.all())
    form = AcceptForm(request.POST, available=_available_parts(analysis))
    if form.is_valid():
        try:
            analysis = services.analysis_accept(
                actor=request.actor, analysis=analysis, parts=form.cleaned_data["parts"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if analysis.need_pending_review:
                messages.success(
                    request,
                    _(
                        "Copied into the need. The need is published, so the changes await the "
                        "local CAST office's review; once approved, the need is matched again."
                    ),
                )
            else:
                messages.success(request, _("Copied into the need, which is being matched again."))
            return redirect(analysis.need)
    return _detail_page(request, analysis, accept_form=form, status=400)


@login_required
@require_POST
def analysis_decline(request, pk):
    analysis = analysis_get(actor=request.actor, pk=pk)
    if not analysis_is_owner(actor=request.actor, analysis=analysis):
        raise PermissionDenied(_("Only the need's owner decides on its analysis."))
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.analysis_decline(
                actor=request.actor, analysis=analysis, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Declined: your need is unchanged."))
            return redirect(analysis)
    return _detail_page(request, analysis, decline_form=form, status=400)


@login_required
def analysis_request(request, need_pk):
    """The owner asks the region's CAST staff, or invites an expert service team, to analyse
    one of its needs."""
    need = listing_get(actor=request.actor, kind=ListingKind.NEED, pk=need_pk)
    if need.organization_id not in request.actor.organization_ids:
        raise Http404
    form = RequestForm(
        request.POST or None, teams=service_team_choices(exclude_id=need.organization_id)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                analysis = services.analysis_request(
                    actor=request.actor,
                    need=Need.objects.get(pk=need.pk),
                    team=form.cleaned_data["analyst"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                errors = error.message_dict if hasattr(error, "error_dict") else None
                if errors and "team" in errors:
                    form.add_error("analyst", errors.pop("team"))
                    error = ValidationError(errors) if errors else None
                if error is not None:
                    add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Asked: you are told when the analysis is ready."),
                )
                return redirect(analysis)
        status = 400
    return render(
        request,
        "demand_analysis/request_form.html",
        {
            "need": need,
            "form": form,
            "analyses": analysis_list_for_need(actor=request.actor, need=need),
            "lacks_good_matches": need_lacks_good_matches(need=need),
            "statuses": AnalysisStatus,
        },
        status=status,
    )
