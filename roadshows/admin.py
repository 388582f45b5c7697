from django.contrib import admin

from core.admin import HTTPS_LINKS
from roadshows.models import (
    Criterion,
    Intent,
    Meeting,
    PanelMember,
    Pitch,
    Question,
    Registration,
    Roadshow,
    Score,
)


class PitchInline(admin.TabularInline):
    model = Pitch
    extra = 0
    fields = ["organization", "listing", "status", "position", "slot_starts_at", "replay_url"]
    raw_id_fields = ["organization", "listing"]
    formfield_overrides = HTTPS_LINKS


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Roadshow)
class RoadshowAdmin(admin.ModelAdmin):
    list_display = ["title", "host", "format", "status", "starts_at", "is_competition"]
    list_select_related = ["host"]
    list_filter = ["status", "format", "is_competition"]
    search_fields = ["title", "host__name"]
    raw_id_fields = ["host", "field", "region", "created_by"]
    inlines = [PitchInline, CriterionInline]
    readonly_fields = ["status", "published_at", "held_at", "cancelled_at"]
    formfield_overrides = HTTPS_LINKS


@admin.register(Pitch)
class PitchAdmin(admin.ModelAdmin):
    list_display = ["listing", "roadshow", "organization", "status", "position"]
    list_select_related = ["listing", "roadshow", "organization"]
    list_filter = ["status"]
    raw_id_fields = ["roadshow", "organization", "listing", "submitted_by"]
    formfield_overrides = HTTPS_LINKS


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["roadshow", "organization", "user", "status", "created_at"]
    list_select_related = ["roadshow", "organization", "user"]
    list_filter = ["status"]
    raw_id_fields = ["roadshow", "organization", "user"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["pitch", "presenter", "attendee", "starts_at", "status", "follow_ups_sent"]
    list_select_related = ["pitch__listing", "presenter", "attendee"]
    list_filter = ["status"]
    raw_id_fields = ["pitch", "presenter", "attendee", "attendee_user", "decided_by"]


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    list_display = ["pitch", "organization", "kind", "status", "deal"]
    list_select_related = ["pitch__listing", "organization", "deal"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["pitch", "organization", "deal", "expressed_by", "decided_by"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "pitch", "organization", "answered_at"]
    list_select_related = ["pitch__listing", "organization"]
    raw_id_fields = ["pitch", "organization", "asked_by", "answered_by"]


@admin.register(PanelMember)
class PanelMemberAdmin(admin.ModelAdmin):
    list_display = ["roadshow", "user"]
    list_select_related = ["roadshow", "user"]
    raw_id_fields = ["roadshow", "user"]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["pitch", "criterion", "judge", "value"]
    list_select_related = ["pitch__listing", "criterion", "judge"]
    raw_id_fields = ["pitch", "criterion", "judge"]
