from django.contrib import admin

from demand_analysis.models import DemandAnalysis, Indicator, SolutionRoute


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


class SolutionRouteInline(admin.TabularInline):
    model = SolutionRoute
    extra = 0


@admin.register(DemandAnalysis)
class DemandAnalysisAdmin(admin.ModelAdmin):
    list_display = ["need", "source", "analyst", "status", "created_at", "submitted_at"]
    list_filter = ["status", "source"]
    list_select_related = ["need", "analyst"]
    search_fields = ["need__title", "analyst__name"]
    raw_id_fields = ["need", "analyst", "order", "created_by", "decided_by"]
    readonly_fields = ["created_at", "updated_at", "submitted_at", "decided_at"]
    inlines = [IndicatorInline, SolutionRouteInline]
