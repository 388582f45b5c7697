from django.contrib import admin

from deals.models import Contract, Deal, DealHistory, Milestone


class ContractInline(admin.StackedInline):
    model = Contract
    extra = 0
    can_delete = False
    raw_id_fields = ["registration_checked_by", "updated_by"]
    # Registration is verified on the deal's page, where the service records it.
    readonly_fields = ["registration_status", "registration_checked_by", "registration_checked_at"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ["title", "due_on", "amount", "status", "delivered_at", "accepted_at"]
    readonly_fields = ["status", "delivered_at", "accepted_at"]
    extra = 0


class DealHistoryInline(admin.TabularInline):
    model = DealHistory
    fields = ["created_at", "action", "from_stage", "to_stage", "organization", "user", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    """Read and correct; a deal's stage moves only through its page (the service records the
    step in the outcome log)."""

    list_display = ["title", "demand_party", "supply_party", "stage", "region", "last_activity_at"]
    list_filter = ["stage", "origin"]
    search_fields = ["title", "demand_party__name", "supply_party__name"]
    list_select_related = ["demand_party", "supply_party", "region"]
    raw_id_fields = [
        "demand_party",
        "supply_party",
        "conversation",
        "need",
        "listing",
        "match",
        "region",
        "field",
        "opened_by",
    ]
    readonly_fields = ["stage", "stage_before_dormant", "opened_at", "stage_changed_at"]
    inlines = [ContractInline, MilestoneInline, DealHistoryInline]
