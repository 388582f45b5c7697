from django.contrib import admin

from orders.models import (
    Dispute,
    Order,
    OrderHistory,
    OrderMilestone,
    QuoteRequest,
    Voucher,
    VoucherRedemption,
)


class OrderHistoryInline(admin.TabularInline):
    model = OrderHistory
    fields = ["created_at", "action", "from_status", "to_status", "organization", "user", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class OrderMilestoneInline(admin.TabularInline):
    """Milestones move only on the order's page or through the API."""

    model = OrderMilestone
    fields = ["position", "title", "amount", "due_on", "status", "delivered_at", "accepted_at"]
    readonly_fields = ["status", "delivered_at", "accepted_at"]
    extra = 0
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Read and correct; an order's status moves only through its page or the API."""

    list_display = ["title", "buyer", "provider", "price", "status", "due_on", "late_since"]
    list_filter = ["status", "category"]
    search_fields = ["title", "buyer__name", "provider__name"]
    list_select_related = ["buyer", "provider"]
    raw_id_fields = [
        "buyer",
        "provider",
        "offering",
        "quote",
        "listing",
        "deal",
        "region",
        "created_by",
    ]
    readonly_fields = ["status", "accepted_at", "delivered_at", "completed_at", "late_since"]
    inlines = [OrderMilestoneInline, OrderHistoryInline]


@admin.register(QuoteRequest)
class QuoteRequestAdmin(admin.ModelAdmin):
    list_display = ["title", "buyer", "category", "status", "quotes_due_at"]
    list_filter = ["status", "category"]
    search_fields = ["title", "buyer__name"]
    list_select_related = ["buyer", "category"]
    raw_id_fields = ["buyer", "listing", "deal", "created_by"]
    filter_horizontal = ["invited"]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Disputes are decided on the order's page by the CAST staff of the buyer's region."""

    list_display = ["order", "opened_by", "answer_due_on", "decision", "created_at"]
    list_filter = ["decision"]
    list_select_related = ["order", "opened_by"]
    raw_id_fields = ["order", "opened_by", "decided_by"]
    readonly_fields = ["decision", "decided_by", "decided_at", "answered_at"]


class VoucherRedemptionInline(admin.TabularInline):
    model = VoucherRedemption
    fields = ["order", "amount", "status", "created_at", "decided_by", "decided_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    """Read and correct the terms; the office issues, revokes and verifies on its pages."""

    list_display = ["number", "issued_by", "holder", "amount", "valid_until", "status"]
    list_filter = ["status"]
    search_fields = ["number", "holder__name", "issued_by__name"]
    list_select_related = ["issued_by", "holder"]
    raw_id_fields = ["issued_by", "holder", "created_by"]
    filter_horizontal = ["categories"]
    readonly_fields = ["status", "revoked_at"]
    inlines = [VoucherRedemptionInline]


@admin.register(VoucherRedemption)
class VoucherRedemptionAdmin(admin.ModelAdmin):
    """Decided by the issuing CAST office on its queue, not here."""

    list_display = ["voucher", "order", "amount", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["voucher__number", "order__title"]
    list_select_related = ["voucher", "order"]
    raw_id_fields = ["voucher", "order", "applied_by", "decided_by"]
    readonly_fields = ["status", "decided_by", "decided_at"]
