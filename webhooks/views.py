"""An organization's webhooks: endpoints, their secrets (shown once) and the delivery log.

Only active administrators of the organization see these pages; anyone else gets a 404.
"""

import json

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
from webhooks import services
from webhooks.forms import WebhookEndpointForm
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.permissions import webhook_can_manage
from webhooks.selectors import webhook_delivery_list, webhook_endpoint_list

DELIVERIES_PER_PAGE = 25


def _administered_organization(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    if not webhook_can_manage(actor=request.actor, organization_id=organization.id):
        raise Http404
    return organization


def _endpoint(request, organization, endpoint_pk):
    return get_object_or_404(
        webhook_endpoint_list(actor=request.actor, organization=organization), pk=endpoint_pk
    )


@login_required
def endpoint_list(request, pk):
    organization = _administered_organization(request, pk)
    endpoints = list(webhook_endpoint_list(actor=request.actor, organization=organization))
    deliveries = webhook_delivery_list(actor=request.actor, organization=organization)
    endpoint_filter = request.GET.get("endpoint", "")
    if endpoint_filter.isdigit():
        deliveries = deliveries.filter(endpoint_id=int(endpoint_filter))
    status_filter = request.GET.get("status", "")
    if status_filter in WebhookDelivery.Status.values:
        deliveries = deliveries.filter(status=status_filter)
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    for delivery in page:
        delivery.payload_json = json.dumps(delivery.payload, ensure_ascii=False, indent=2)
    return render(
        request,
        "webhooks/endpoint_list.html",
        {
            "organization": organization,
            "endpoints": endpoints,
            "page": page,
            "statuses": WebhookDelivery.Status.choices,
            "endpoint_filter": endpoint_filter,
            "status_filter": status_filter,
            "max_endpoints": services.MAX_ENDPOINTS_PER_ORGANIZATION,
        },
    )


@login_required
def endpoint_create(request, pk):
    organization = _administered_organization(request, pk)
    form = WebhookEndpointForm(
        request.POST or None,
        initial={
            "events": [WebhookEvent.MATCH_PUSHED, WebhookEvent.MATCH_ANSWERED],
            "is_active": True,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.webhook_endpoint_create(
                organization=organization, actor=request.actor, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            # The secret is shown on this one response; the pages never show it again.
            return render(
                request,
                "webhooks/endpoint_created.html",
                {"organization": organization, "endpoint": endpoint, "secret": endpoint.secret},
            )
    return render(
        request, "webhooks/endpoint_form.html", {"organization": organization, "form": form}
    )


@login_required
def endpoint_edit(request, pk, endpoint_pk):
    organization = _administered_organization(request, pk)
    endpoint = _endpoint(request, organization, endpoint_pk)
    form = WebhookEndpointForm.for_endpoint(endpoint, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_endpoint_update(
                endpoint=endpoint, actor=request.actor, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Saved."))
            return redirect("webhooks:list", pk=organization.pk)
    return render(
        request,
        "webhooks/endpoint_form.html",
        {"organization": organization, "form": form, "endpoint": endpoint},
    )


@login_required
@require_POST
def endpoint_delete(request, pk, endpoint_pk):
    organization = _administered_organization(request, pk)
    endpoint = _endpoint(request, organization, endpoint_pk)
    try:
        services.webhook_endpoint_delete(endpoint=endpoint, actor=request.actor)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Webhook endpoint deleted."))
    return redirect("webhooks:list", pk=organization.pk)


@login_required
@require_POST
def endpoint_ping(request, pk, endpoint_pk):
    organization = _administered_organization(request, pk)
    endpoint = _endpoint(request, organization, endpoint_pk)
    try:
        services.webhook_ping(endpoint=endpoint, actor=request.actor)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Ping sent: its result appears in the delivery log."))
    return redirect("webhooks:list", pk=organization.pk)


@login_required
@require_POST
def delivery_redeliver(request, pk, delivery_pk):
    organization = _administered_organization(request, pk)
    delivery = get_object_or_404(
        webhook_delivery_list(actor=request.actor, organization=organization), pk=delivery_pk
    )
    try:
        services.webhook_delivery_redeliver(delivery=delivery, actor=request.actor)
    except ValidationError as error:
        messages.error(request, error_text(error))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("The delivery will be sent again."))
    return redirect("webhooks:list", pk=organization.pk)
