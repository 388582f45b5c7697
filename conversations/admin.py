from django.contrib import admin

from conversations.models import (
    AbuseReport,
    Block,
    ContactRequest,
    Conversation,
    Message,
    SharedContact,
)


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["created_at", "sender", "sender_organization", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["subject", "party_a", "party_b", "origin", "region", "opened_at"]
    list_filter = ["origin"]
    search_fields = ["subject", "party_a__name", "party_b__name"]
    list_select_related = ["party_a", "party_b", "region"]
    raw_id_fields = ["party_a", "party_b", "listing", "match", "region", "field"]
    readonly_fields = ["opened_at", "last_message_at"]
    inlines = [MessageInline]


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):
    list_display = ["listing", "organization", "owner", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["listing__title", "organization__name", "owner__name"]
    list_select_related = ["listing", "organization", "owner"]
    raw_id_fields = [
        "listing",
        "organization",
        "owner",
        "requested_by",
        "decided_by",
        "conversation",
    ]


@admin.register(AbuseReport)
class AbuseReportAdmin(admin.ModelAdmin):
    """Reports of spam and abuse; the CAST staff of the region also see them at
    /conversations/reports/."""

    list_display = [
        "reported_organization",
        "reason",
        "reporter_organization",
        "region",
        "status",
        "created_at",
    ]
    list_filter = ["status", "reason"]
    search_fields = ["reported_organization__name", "reporter_organization__name", "note"]
    list_select_related = ["reported_organization", "reporter_organization", "region"]
    raw_id_fields = [
        "conversation",
        "contact_request",
        "reporter",
        "reporter_organization",
        "reported_organization",
        "region",
        "resolved_by",
    ]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["organization", "blocked", "created_at"]
    list_select_related = ["organization", "blocked"]
    raw_id_fields = ["organization", "blocked", "created_by"]


@admin.register(SharedContact)
class SharedContactAdmin(admin.ModelAdmin):
    list_display = ["organization", "name", "phone", "email", "updated_at"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization", "updated_by"]
