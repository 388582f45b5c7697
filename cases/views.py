"""Pages of the case bank, the feedback and survey forms, a case's editing, consent and review,
and the CAST staff's queue. Thin: the services decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import services
from cases.forms import CaseForm, CaseReviewForm, CaseSearchForm, FeedbackForm, SurveyForm
from cases.models import Case, Feedback
from cases.permissions import (
    case_can_edit,
    case_can_review,
    case_consenting_organization_id,
    case_party_organization_id,
    survey_can_answer,
)
from cases.selectors import (
    case_consented_ids,
    case_get,
    case_list_for_review,
    case_list_own,
    case_list_public,
    feedback_get,
    feedback_list_own,
    survey_get,
    survey_list_answered_for_staff,
    survey_list_for_deal,
    survey_list_own,
)
from core.web import add_service_errors, error_text
from deals.models import Stage

CASES_PER_PAGE = 20


def case_list(request):
    """The case bank: published cases, searchable by keywords, field and region."""
    form = CaseSearchForm(request.GET or None)
    filters = {}
    if form.is_bound:
        form.is_valid()  # unknown values are dropped, the rest still filter
        filters = {
            name: form.cleaned_data.get(name)
            for name in ("field", "region")
            if form.cleaned_data.get(name)
        }
        filters["query"] = form.cleaned_data.get("q", "")
    page = Paginator(case_list_public(**filters), CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/case_list.html", {"form": form, "page": page})


def _case_page(request, case, *, review_form=None, status=200):
    actor = request.actor
    own = case_party_organization_id(actor=actor, case=case)
    consented = case_consented_ids(case=case) if own is not None or not case.is_published else set()
    can_review = case_can_review(actor=actor, case=case)
    context = {
        "case": case,
        "own_id": own,
        "is_party": own is not None,
        "can_edit": case_can_edit(actor=actor, case=case),
        "consenting_id": case_consenting_organization_id(actor=actor, case=case),
        "consented": consented,
        "demand_consented": case.demand_party_id in consented,
        "supply_consented": case.supply_party_id in consented,
        "can_review": can_review and case.status == Case.Status.SUBMITTED,
        "review_form": review_form or CaseReviewForm(),
    }
    if own is not None or can_review:
        context["history"] = case.history.select_related("user", "organization")
        context["surveys"] = survey_list_for_deal(deal_id=case.deal_id)
    return render(request, "cases/case_detail.html", context, status=status)


def case_detail(request, pk):
    """Published: anyone. A draft: the two parties and the region's staff; 404 for others."""
    return _case_page(request, case_get(actor=request.actor, pk=pk))


@login_required
def case_edit(request, pk):
    case = case_get(actor=request.actor, pk=pk)
    if not case_can_edit(actor=request.actor, case=case):
        raise Http404
    own = case_party_organization_id(actor=request.actor, case=case)
    side = case.side_of(own)
    initial = {
        "title": case.title,
        "need_summary": case.need_summary,
        "solution_summary": case.solution_summary,
        "success_factors": case.success_factors,
        "what_made_it_work": case.what_made_it_work,
        "anonymous": getattr(case, f"{side}_anonymous"),
        "alias": getattr(case, f"{side}_alias"),
    }
    form = CaseForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.case_update(actor=request.actor, case=case, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved. Each side now agrees to the case as it is."))
                return redirect(case)
        status = 400
    return render(request, "cases/case_form.html", {"case": case, "form": form}, status=status)


@login_required
@require_POST
def case_consent(request, pk):
    case = case_get(actor=request.actor, pk=pk)
    withdraw = request.POST.get("withdraw") == "1"
    try:
        if withdraw:
            services.case_consent_withdraw(actor=request.actor, case=case)
        else:
            services.case_consent_give(actor=request.actor, case=case)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("Your consent is withdrawn; the case is not public.")
            if withdraw
            else _("Your consent is recorded."),
        )
    return redirect(case)


@login_required
@require_POST
def case_review(request, pk):
    case = case_get(actor=request.actor, pk=pk)
    if not case_can_review(actor=request.actor, case=case):
        raise PermissionDenied(_("Only the CAST staff of the deal's region review this case."))
    form = CaseReviewForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    if form.is_valid():
        try:
            services.case_review(
                actor=request.actor, case=case, approve=approve, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_service_errors(form, error)
            else:
                messages.error(request, error_text(error))
                return redirect(case)
        else:
            messages.success(
                request,
                _("Published in the case bank.") if approve else _("Sent back to the parties."),
            )
            return redirect("cases:review_queue")
    return _case_page(request, case, review_form=form, status=400)


@login_required
def review_queue(request):
    actor = request.actor
    if not actor.is_staff_reviewer:
        raise Http404
    return render(
        request,
        "cases/review_queue.html",
        {
            "cases": case_list_for_review(actor=actor)[:200],
            "surveys": survey_list_answered_for_staff(actor=actor)[:50],
        },
    )


@login_required
def mine(request):
    """What one's organizations have to answer after their deals, and their cases."""
    actor = request.actor
    return render(
        request,
        "cases/mine.html",
        {
            "feedback_list": feedback_list_own(actor=actor)[:100],
            "surveys": survey_list_own(actor=actor)[:100],
            "cases": case_list_own(actor=actor)[:100],
        },
    )


@login_required
def feedback_form(request, pk):
    feedback = feedback_get(actor=request.actor, pk=pk)
    completed = feedback.outcome == Stage.COMPLETED
    if feedback.is_answered:
        return render(
            request,
            "cases/feedback_form.html",
            {
                "feedback": feedback,
                "completed": completed,
                "reasons": [
                    i.label for i in feedback.items.all() if i.kind == Feedback.Kind.REASON
                ],
                "factors": [
                    i.label for i in feedback.items.all() if i.kind == Feedback.Kind.SUCCESS
                ],
            },
        )
    form = FeedbackForm(request.POST or None, completed=completed)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.feedback_submit(
                    actor=request.actor, feedback=feedback, **form.cleaned_data
                )
            except PermissionDenied as error:
                form.add_error(None, error_text(error))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Thank you for your feedback."))
                return redirect("cases:mine")
        status = 400
    return render(
        request,
        "cases/feedback_form.html",
        {"feedback": feedback, "form": form, "completed": completed},
        status=status,
    )


@login_required
def survey_detail(request, pk):
    """The survey's answers for the parties and the region's staff; the form for its party
    while unanswered."""
    survey = survey_get(actor=request.actor, pk=pk)
    form = None
    status = 200
    if not survey.is_answered and survey_can_answer(actor=request.actor, survey=survey):
        form = SurveyForm(request.POST or None)
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.survey_answer(actor=request.actor, survey=survey, **form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("Thank you: your answer is recorded."))
                    return redirect(survey)
            status = 400
    elif request.method == "POST":
        messages.error(request, _("Your organization has already answered this survey."))
        return redirect(survey)
    return render(
        request, "cases/survey_detail.html", {"survey": survey, "form": form}, status=status
    )
