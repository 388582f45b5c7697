from django.contrib import admin

from challenges.models import (
    Amendment,
    Application,
    ApplicationMilestone,
    Challenge,
    ChallengeIndicator,
    Invitation,
    PanelAssignment,
    PanelMember,
    Question,
    ReviewCriterion,
    Score,
)


class IndicatorInline(admin.TabularInline):
    model = ChallengeIndicator
    fields = ["position", "name", "current_value", "target_value", "unit", "test_method"]
    extra = 0


class AmendmentInline(admin.TabularInline):
    """The public log: never edited."""

    model = Amendment
    fields = ["made_at", "field_name", "old_text", "new_text", "reason", "made_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class CriterionInline(admin.TabularInline):
    model = ReviewCriterion
    fields = ["position", "name", "weight"]
    extra = 0


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    """Read and correct; a challenge's status moves only through its page or the API."""

    list_display = ["title", "sponsor", "status", "applications_close_on", "government_list"]
    list_filter = ["status", "government_list", "ip_arrangement"]
    search_fields = ["title", "sponsor__name"]
    list_select_related = ["sponsor"]
    raw_id_fields = [
        "sponsor",
        "need",
        "field",
        "region",
        "vetted_by",
        "created_by",
        "cosigned_by",
    ]
    readonly_fields = [
        "status",
        "submitted_at",
        "published_at",
        "closed_at",
        "awarded_at",
        "cosigned_at",
        "completed_at",
    ]
    inlines = [IndicatorInline, CriterionInline, AmendmentInline]


class MilestoneInline(admin.TabularInline):
    model = ApplicationMilestone
    fields = ["title", "due_on", "deliverable", "covers_indicator"]
    extra = 0


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["challenge", "applicant", "status", "decline_reason", "budget", "submitted_at"]
    list_filter = ["status", "decline_reason"]
    search_fields = ["challenge__title", "applicant__name"]
    list_select_related = ["challenge", "applicant"]
    raw_id_fields = ["challenge", "applicant", "submitted_by", "deal"]
    readonly_fields = ["status", "withdrawn_at", "decided_at"]
    inlines = [MilestoneInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["challenge", "organization", "asked_at", "answered_at"]
    list_select_related = ["challenge", "organization"]
    search_fields = ["text", "answer"]
    raw_id_fields = ["challenge", "organization", "asked_by", "answered_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["challenge", "organization", "score", "created_at"]
    list_select_related = ["challenge", "organization"]
    raw_id_fields = ["challenge", "organization"]


@admin.register(PanelMember)
class PanelMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "affiliation", "challenge", "is_enterprise_member", "seated_at"]
    list_filter = ["is_enterprise_member"]
    search_fields = ["name", "affiliation", "challenge__title"]
    list_select_related = ["challenge"]
    raw_id_fields = ["challenge", "user", "seated_by"]


class ScoreInline(admin.TabularInline):
    """The record of the review: read, never edited."""

    model = Score
    fields = ["criterion", "value", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(PanelAssignment)
class PanelAssignmentAdmin(admin.ModelAdmin):
    list_display = ["member", "application", "conflict", "scored_at"]
    list_filter = ["conflict"]
    list_select_related = ["member", "application__applicant", "application__challenge"]
    raw_id_fields = ["member", "application"]
    readonly_fields = ["conflict", "declared_at", "scored_at"]
    inlines = [ScoreInline]
