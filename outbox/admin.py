"""The task outbox, read-only: what is waiting for the broker, and why it waits."""

from django.contrib import admin

from outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Written only by the services and the relay (core's ReadOnlyAdmin is a sibling layer)."""

    list_display = ["task", "args", "created_at", "relayed_at", "attempts"]
    list_filter = [("relayed_at", admin.EmptyFieldListFilter)]
    search_fields = ["task"]
    fields = ["task", "args", "created_at", "available_at", "relayed_at", "attempts", "last_error"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
