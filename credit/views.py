"""Pages of credit: an organization's standing with the events behind it (public), the appeal
form for its members, and the CAST staff's queue of appeals. Thin: the services decide."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.web import add_service_errors, error_text
from credit import services
from credit.forms import AppealForm, DecisionForm
from credit.selectors import (
    appeal_can_file,
    appeal_list_for_review,
    appeal_list_visible,
    appeal_open_event_ids,
    credit_compute,
)
from organizations.selectors import organization_list_visible


def _organization_or_404(request, pk):
    organization = (
        organization_list_visible(actor=request.actor)
        .select_related("region")
        .filter(pk=pk)
        .first()
    )
    if organization is None:
        raise Http404
    return organization


def _detail(request, organization, *, form=None, status=200):
    actor = request.actor
    can_appeal = appeal_can_file(actor=actor, organization=organization) and actor.is_person
    context = {
        "organization": organization,
        "standing": credit_compute(organization=organization),
        "can_appeal": can_appeal,
        "appeal_form": form or AppealForm(),
        "open_event_ids": appeal_open_event_ids(organization_id=organization.pk)
        if can_appeal
        else set(),
        "window_months": round(settings.CREDIT_WINDOW_DAYS / 30.4),
        "half_life_months": round(settings.CREDIT_HALF_LIFE_DAYS / 30.4),
        "min_events": settings.CREDIT_MIN_EVENTS,
        "appeals": appeal_list_visible(actor=actor).filter(organization=organization)
        if actor.is_authenticated
        else [],
    }
    return render(request, "credit/credit_detail.html", context, status=status)


def credit_detail(request, pk):
    return _detail(request, _organization_or_404(request, pk))


@login_required
@require_POST
def appeal_file(request, pk):
    organization = _organization_or_404(request, pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_file(
                actor=request.actor,
                organization=organization,
                event_id=form.cleaned_data["event"],
                statement=form.cleaned_data["statement"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your appeal was sent to the CAST staff of your region."))
            return redirect("credit:detail", organization.pk)
    if not appeal_can_file(actor=request.actor, organization=organization):
        raise PermissionDenied
    return _detail(request, organization, form=form, status=400)


@login_required
def appeal_queue(request):
    actor = request.actor
    if not actor.is_staff_reviewer:
        raise PermissionDenied
    return render(
        request,
        "credit/appeal_queue.html",
        {"appeals": appeal_list_for_review(actor=actor), "decision_form": DecisionForm()},
    )


@login_required
@require_POST
def appeal_decide(request, pk):
    appeal = get_object_or_404(appeal_list_visible(actor=request.actor), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The decision could not be read; try again."))
        return redirect("credit:appeals")
    uphold = form.cleaned_data["decision"] == "uphold"
    try:
        services.appeal_decide(
            actor=request.actor, appeal=appeal, uphold=uphold, note=form.cleaned_data["note"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return redirect("credit:appeals")
    messages.success(
        request,
        _("Upheld: %(organization)s") % {"organization": appeal.organization.name}
        if uphold
        else _("Dismissed: %(organization)s") % {"organization": appeal.organization.name},
    )
    return redirect("credit:appeals")
