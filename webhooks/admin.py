"""Organizations' webhook endpoints and the delivery log, read-only (secrets never shown)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, labelled
from webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "organization", "is_active", "failure_streak", "disabled_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "organization__name"]
    list_select_related = ["organization"]
    fields = [
        "organization",
        "url",
        "description",
        "events",
        "is_active",
        "failure_streak",
        "disabled_at",
        "created_on",
    ]
    readonly_fields = ["failure_streak", "created_on"]

    created_on = labelled("created_at", _("created at"))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "last_status_code", "created_on"]
    list_filter = ["status", "event"]
    search_fields = ["endpoint__url", "endpoint__organization__name"]
    list_select_related = ["endpoint"]
    fields = [
        "endpoint",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_on",
        "payload",
    ]
    readonly_fields = ["created_on"]

    created_on = labelled("created_at", _("created at"))
