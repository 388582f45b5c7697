from django.contrib import admin

from evaluations.models import Appeal, Evaluation, Material, Opinion, PanelMember, Report


class MaterialInline(admin.TabularInline):
    model = Material
    fields = ["name", "received", "received_at"]
    extra = 0


class PanelMemberInline(admin.TabularInline):
    model = PanelMember
    fields = ["name", "title", "affiliation", "organization", "declared_no_conflict", "declared_at"]
    raw_id_fields = ["organization"]
    extra = 0


class ReportInline(admin.TabularInline):
    model = Report
    fields = ["version", "evaluated_maturity", "overall", "level", "issued_at", "file"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    """Read and correct; an evaluation moves only through its pages or the API."""

    list_display = ["__str__", "achievement", "purpose", "status", "round", "final_at"]
    list_filter = ["status", "purpose"]
    search_fields = ["order__title", "achievement__title", "order__provider__name"]
    list_select_related = ["order", "achievement"]
    raw_id_fields = ["order", "achievement"]
    readonly_fields = ["status", "round", "final_at", "created_at", "updated_at"]
    inlines = [MaterialInline, PanelMemberInline, ReportInline]


@admin.register(Opinion)
class OpinionAdmin(admin.ModelAdmin):
    list_display = ["member", "round", "innovation", "advancement", "maturity", "updated_at"]
    list_select_related = ["member"]
    search_fields = ["member__name", "member__evaluation__order__title"]
    raw_id_fields = ["member", "entered_by"]


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["evaluation", "decision", "created_at", "decided_at"]
    list_filter = ["decision"]
    list_select_related = ["evaluation", "evaluation__order"]
    raw_id_fields = ["evaluation", "created_by", "decided_by"]
    readonly_fields = ["created_at", "decided_at"]
