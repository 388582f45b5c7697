from django.contrib import admin

from catalogue.models import ServiceCategory, ServiceOffering


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "position"]
    ordering = ["position"]


@admin.register(ServiceOffering)
class ServiceOfferingAdmin(admin.ModelAdmin):
    """Read and correct; reviews go through the pages (the service notifies and records)."""

    list_display = ["title", "provider", "category", "price_kind", "status", "published_at"]
    list_select_related = ["provider", "category"]
    list_filter = ["status", "category", "price_kind"]
    search_fields = ["title", "provider__name"]
    raw_id_fields = ["provider", "created_by", "reviewed_by"]
    filter_horizontal = ["regions"]
    readonly_fields = ["status", "reviewed_by", "reviewed_at", "submitted_at", "published_at"]
