"""The notification centre's messages, read-only: what was sent to whom, read and e-mailed when."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, labelled
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "topic", "sent_at", "read_on", "emailed_on"]
    list_filter = ["topic"]
    search_fields = ["title", "user__username", "user__email"]
    list_select_related = ["user"]
    fields = ["recipient", "topic", "title", "body", "url", "sent_at", "read_on", "emailed_on"]
    readonly_fields = ["recipient", "sent_at", "read_on", "emailed_on"]

    recipient = labelled("user", _("recipient"))
    sent_at = labelled("created_at", _("sent at"))
    read_on = labelled("read_at", _("read at"))
    emailed_on = labelled("emailed_at", _("e-mailed at"))
