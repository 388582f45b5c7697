"""Pages of the service catalogue (技术服务): browse, an offering, the provider's own, the
form, the provider's steps and the CAST staff's review queue. Thin: the services decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogue import services
from catalogue.forms import BrowseForm, OfferingForm, ReviewForm
from catalogue.models import TRANSITIONS, OfferingAction, OfferingStatus
from catalogue.permissions import (
    offering_can_edit,
    offering_can_follow_review,
    offering_can_review,
    offering_is_own,
)
from catalogue.selectors import (
    category_list,
    offering_get,
    offering_list_for_review,
    offering_list_own,
    offering_list_public,
    provider_organizations,
)
from core.web import add_service_errors, error_text

PAGE_SIZE = 20


def _offering_or_404(request, pk):
    offering = offering_get(actor=request.actor, pk=pk)
    if offering is None:
        raise Http404
    return offering


def offering_list(request):
    """技术服务: published offerings, filtered by category, region served, field, price kind
    and keywords."""
    form = BrowseForm(request.GET)
    if not form.is_valid():
        messages.warning(request, _("Some filters were not understood and were ignored."))
    filters = {
        name: value
        for name, value in getattr(form, "cleaned_data", {}).items()
        if name not in form.errors
    }
    offerings = offering_list_public(
        category=filters.get("category"),
        region=filters.get("region"),
        field=filters.get("field"),
        price_kind=filters.get("price_kind") or "",
        query=filters.get("q") or "",
    )
    page = Paginator(offerings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalogue/offering_list.html",
        {
            "form": form,
            "page": page,
            "categories": category_list(),
            "current_category": filters.get("category"),
            "can_provide": request.actor.is_authenticated
            and provider_organizations(actor=request.actor).exists(),
        },
    )


def offering_detail(request, pk):
    actor = request.actor
    offering = _offering_or_404(request, pk)
    is_own = offering_is_own(actor=actor, offering=offering)
    return render(
        request,
        "catalogue/offering_detail.html",
        {
            "offering": offering,
            "is_own": is_own,
            "can_edit": offering_can_edit(actor=actor, offering=offering),
            "can_submit": is_own and (offering.status, OfferingAction.SUBMIT) in TRANSITIONS,
            "can_withdraw": is_own and (offering.status, OfferingAction.WITHDRAW) in TRANSITIONS,
            "can_review": offering_can_review(actor=actor, offering=offering),
            "follows_review": offering_can_follow_review(actor=actor, offering=offering),
            "review_form": ReviewForm(),
        },
    )


@login_required
def offering_mine(request):
    """我的服务: the offerings of one's organizations in every state."""
    offerings = offering_list_own(actor=request.actor)
    return render(
        request,
        "catalogue/offering_mine.html",
        {
            "page": Paginator(offerings, PAGE_SIZE).get_page(request.GET.get("page")),
            "can_provide": provider_organizations(actor=request.actor).exists(),
        },
    )


def _save(request, form, offering=None):
    """Run the service with the form's values; its errors go back onto the form."""
    data = dict(form.cleaned_data)
    regions = data.pop("regions", [])
    fields = data.pop("fields", [])
    provider = data.pop("provider", None)
    try:
        if offering is None:
            return services.offering_create(
                actor=request.actor, provider=provider, data=data, regions=regions, fields=fields
            )
        return services.offering_update(
            actor=request.actor, offering=offering, data=data, regions=regions, fields=fields
        )
    except ValidationError as error:
        add_service_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, error_text(error))
    return None


@login_required
def offering_create(request):
    organizations = provider_organizations(actor=request.actor)
    if not organizations.exists():
        raise PermissionDenied(
            _("Only members of organizations that provide services can offer them.")
        )
    form = OfferingForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        offering = _save(request, form)
        if offering is not None:
            messages.success(request, _("Saved as a draft. Submit it for review to publish it."))
            return redirect(offering)
    return render(request, "catalogue/offering_form.html", {"form": form, "offering": None})


@login_required
def offering_edit(request, pk):
    offering = _offering_or_404(request, pk)
    if not offering_is_own(actor=request.actor, offering=offering):
        raise PermissionDenied
    if not offering_can_edit(actor=request.actor, offering=offering):
        messages.warning(
            request, _("An offering awaiting review cannot be edited; withdraw it first.")
        )
        return redirect(offering)
    organizations = provider_organizations(actor=request.actor)
    form = OfferingForm(request.POST or None, instance=offering, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        was_published = offering.status == OfferingStatus.PUBLISHED
        saved = _save(request, form, offering)
        if saved is not None:
            messages.success(
                request,
                _("Saved. The changes are published once the CAST staff approve them.")
                if was_published
                else _("Saved."),
            )
            return redirect(saved)
    return render(request, "catalogue/offering_form.html", {"form": form, "offering": offering})


def _step(request, pk, action, success):
    offering = _offering_or_404(request, pk)
    try:
        services.offering_transition(actor=request.actor, offering=offering, action=action)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, success)
    return redirect(offering)


@login_required
@require_POST
def offering_submit(request, pk):
    return _step(
        request,
        pk,
        OfferingAction.SUBMIT,
        _("Submitted. The CAST staff of your region will review it."),
    )


@login_required
@require_POST
def offering_withdraw(request, pk):
    return _step(request, pk, OfferingAction.WITHDRAW, _("Withdrawn from the catalogue."))


@login_required
def review_queue(request):
    actor = request.actor
    if not actor.is_staff_reviewer:
        raise PermissionDenied
    return render(
        request,
        "catalogue/review_queue.html",
        {"offerings": offering_list_for_review(actor=actor), "review_form": ReviewForm()},
    )


@login_required
@require_POST
def offering_review(request, pk):
    offering = _offering_or_404(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The review could not be read; try again."))
        return redirect(offering)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.offering_review(
            actor=request.actor, offering=offering, approve=approve, note=form.cleaned_data["note"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return redirect(offering)
    messages.success(
        request,
        _("Published: %(title)s") % {"title": offering.title}
        if approve
        else _("Rejected: %(title)s") % {"title": offering.title},
    )
    return redirect("catalogue:review_queue")
