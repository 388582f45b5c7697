from django.contrib import admin

from cases.models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read and correct; consent and review go through the case's pages."""

    list_display = ["title", "region", "contract_type", "amount_band", "status", "published_at"]
    list_filter = ["status", "contract_type", "amount_band"]
    search_fields = ["title", "demand_party__name", "supply_party__name"]
    list_select_related = ["region"]
    raw_id_fields = ["deal", "demand_party", "supply_party", "field", "region", "reviewed_by"]
    readonly_fields = ["status", "reviewed_by", "reviewed_at", "published_at"]
