"""The subscription settings pages: list, create, edit, pause, delete, and a preview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.web import add_service_errors
from repositories.models import ListingKind
from subscriptions import services
from subscriptions.forms import SubscriptionForm
from subscriptions.selectors import (
    subscription_criteria,
    subscription_get,
    subscription_hits_recent,
    subscription_list,
    subscription_preview,
)

# HTMX swaps the form (fields, errors and preview) in place.
PREVIEW_TEMPLATE = "subscriptions/_form_body.html"


def _wants_preview(request):
    return request.method == "POST" and request.POST.get("action") == "preview"


def _initial_from(query):
    """The new subscription's criteria as a link carries them: name, keywords, kinds, fields."""
    return {
        "name": query.get("name", "")[:64],
        "keywords": query.get("keywords", "")[:200],
        "kinds": [kind for kind in query.getlist("kinds") if kind in ListingKind.values],
        "fields": [pk for pk in query.getlist("fields") if pk.isdigit()],
    }


@login_required
def subscription_index(request):
    """The person's subscriptions, the latest pushes, and the form for a new subscription
    (prefilled from the query string: a need without a good match links here)."""
    form = SubscriptionForm(request.POST or None, initial=_initial_from(request.GET))
    preview = None
    if request.method == "POST" and form.is_valid():
        if _wants_preview(request):
            preview = subscription_preview(user=request.user, **form.preview_criteria())
        else:
            try:
                subscription = services.subscription_create(
                    user=request.user, data=form.service_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Subscription “%(name)s” saved.") % {"name": subscription.name}
                )
                return redirect("subscriptions:list")
    if request.htmx and _wants_preview(request):
        return render(request, PREVIEW_TEMPLATE, {"form": form, "preview": preview})
    return render(
        request,
        "subscriptions/subscription_list.html",
        {
            "subscriptions": subscription_list(user=request.user),
            "recent_hits": subscription_hits_recent(user=request.user),
            "form": form,
            "preview": preview,
        },
    )


@login_required
def subscription_edit(request, pk):
    """Change a subscription; the preview shows what it would push."""
    subscription = subscription_get(user=request.user, pk=pk)
    form = SubscriptionForm(request.POST or None, subscription=subscription)
    preview = None
    if request.method == "POST" and form.is_valid():
        if _wants_preview(request):
            preview = subscription_preview(user=request.user, **form.preview_criteria())
        else:
            try:
                services.subscription_update(
                    subscription=subscription, user=request.user, data=form.service_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Subscription “%(name)s” saved.") % {"name": subscription.name}
                )
                return redirect("subscriptions:list")
    elif request.method != "POST":
        preview = subscription_preview(user=request.user, **subscription_criteria(subscription))
    if request.htmx and _wants_preview(request):
        return render(request, PREVIEW_TEMPLATE, {"form": form, "preview": preview})
    return render(
        request,
        "subscriptions/subscription_form.html",
        {"subscription": subscription, "form": form, "preview": preview},
    )


@login_required
@require_POST
def subscription_toggle(request, pk):
    """Pause an active subscription or resume a paused one."""
    subscription = subscription_get(user=request.user, pk=pk)
    services.subscription_set_active(
        subscription=subscription, user=request.user, is_active=not subscription.is_active
    )
    if subscription.is_active:
        message = _("Subscription “%(name)s” resumed.")
    else:
        message = _("Subscription “%(name)s” paused.")
    messages.success(request, message % {"name": subscription.name})
    return redirect("subscriptions:list")


@login_required
@require_POST
def subscription_delete(request, pk):
    subscription = subscription_get(user=request.user, pk=pk)
    name = subscription.name
    services.subscription_delete(subscription=subscription, user=request.user)
    messages.success(request, _("Subscription “%(name)s” deleted.") % {"name": name})
    return redirect("subscriptions:list")
