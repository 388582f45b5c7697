from django.contrib import admin

from service_teams.models import (
    Mission,
    MissionHost,
    MissionMember,
    MissionNeed,
    PilotAssessment,
    PilotCity,
    ServiceHourRecord,
    ServiceStation,
    TeamMember,
)


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "role", "affiliation", "active"]
    list_filter = ["role", "active"]
    search_fields = ["name", "affiliation", "team__name"]
    list_select_related = ["team"]
    raw_id_fields = ["team", "user", "field"]


@admin.register(ServiceStation)
class ServiceStationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "host", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "host__name"]
    list_select_related = ["host", "region"]
    raw_id_fields = ["host", "region", "teams"]


@admin.register(PilotCity)
class PilotCityAdmin(admin.ModelAdmin):
    """Pilot cities are set up here; their actuals are read from the outcome log."""

    list_display = ["name", "region", "batch", "starts_on", "target_needs", "target_events"]
    list_filter = ["batch"]
    search_fields = ["name"]
    list_select_related = ["region"]
    raw_id_fields = ["region", "focus_fields", "lead_societies", "working_group", "evaluators"]


class HostInline(admin.TabularInline):
    model = MissionHost
    fields = ["host", "confirmed_at", "confirmed_by"]
    readonly_fields = ["confirmed_at", "confirmed_by"]
    raw_id_fields = ["host"]
    extra = 0


class MemberInline(admin.TabularInline):
    model = MissionMember
    fields = ["member", "hours"]
    raw_id_fields = ["member"]
    extra = 0


class NeedInline(admin.TabularInline):
    model = MissionNeed
    fields = ["listing"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    """Read and correct; a mission's status moves only through its page or the API."""

    list_display = ["title", "team", "pilot_city", "kind", "status", "starts_on"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "team__name"]
    list_select_related = ["team", "pilot_city"]
    raw_id_fields = ["team", "pilot_city", "verified_by", "created_by"]
    readonly_fields = ["status", "reported_at", "verified_at"]
    inlines = [HostInline, MemberInline, NeedInline]


@admin.register(ServiceHourRecord)
class ServiceHourRecordAdmin(admin.ModelAdmin):
    list_display = ["member", "mission", "hours", "verified_at"]
    list_select_related = ["member", "mission"]
    raw_id_fields = ["member", "mission"]
    readonly_fields = ["member", "mission", "hours", "verified_at"]


@admin.register(PilotAssessment)
class PilotAssessmentAdmin(admin.ModelAdmin):
    list_display = ["pilot_city", "period", "assessor", "level", "score", "created_at"]
    list_filter = ["level"]
    list_select_related = ["pilot_city", "assessor"]
    raw_id_fields = ["pilot_city", "assessor", "created_by"]
    readonly_fields = ["actuals"]
