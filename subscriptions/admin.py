"""People's subscriptions, read-only: each person manages their own."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, labelled
from subscriptions.models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["name", "subscriber", "frequency", "keywords", "is_active", "created_on"]
    list_filter = ["frequency", "is_active"]
    search_fields = ["name", "keywords", "user__username"]
    list_select_related = ["user"]
    fields = [
        "subscriber",
        "name",
        "kinds",
        "fields",
        "regions",
        "keywords",
        "frequency",
        "is_active",
    ]
    readonly_fields = ["subscriber"]

    subscriber = labelled("user", _("subscriber"))
    created_on = labelled("created_at", _("created at"))
