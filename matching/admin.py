"""Matches in the back office: read-only, reviewed through match_review (which pushes them);
the ranker's versions, read-only: the nightly retraining writes them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ReadOnlyInline, labelled, service_action
from matching import services
from matching.models import Match, MatchAnswer, RankerModel
from taxonomy.admin import ProvinceListFilter


class AnswerInline(ReadOnlyInline):
    model = MatchAnswer
    fields = ["organization", "answer", "reason", "comment"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = [
        "need",
        "supply_label",
        "supply_kind",
        "region",
        "degree",
        "status",
        "created_at",
    ]
    list_filter = ["status", "supply_kind", "auto_approved", ProvinceListFilter]
    search_fields = ["need__title", "supply_listing__title", "supply_team__name"]
    list_select_related = ["need", "supply_listing", "supply_team", "region"]
    fields = [
        "need",
        "supply_kind",
        "supply_label",
        "region",
        "degree",
        "ranker_version",
        "status",
        "approved_automatically",
        "review_note",
        "reviewed_on",
        "pushed_on",
        "proposed_at",
    ]
    readonly_fields = [
        "supply_label",
        "approved_automatically",
        "reviewed_on",
        "pushed_on",
        "proposed_at",
    ]
    inlines = [AnswerInline]
    actions = [
        service_action(
            name="approve",
            description=_("Approve and push the selected matches"),
            decide=lambda match, actor, note: services.match_review(
                match=match, actor=actor, approve=True
            ),
        ),
        service_action(
            name="reject",
            description=_("Reject the selected matches"),
            decide=lambda match, actor, note: services.match_review(
                match=match, actor=actor, approve=False, note=note
            ),
            needs_reason=True,
        ),
    ]

    approved_automatically = labelled("auto_approved", _("approved automatically"), boolean=True)
    reviewed_on = labelled("reviewed_at", _("reviewed at"))
    pushed_on = labelled("pushed_at", _("pushed at"))
    proposed_at = labelled("created_at", _("proposed at"))

    @admin.display(description=_("supply"))
    def supply_label(self, match):
        return match.supply


@admin.register(RankerModel)
class RankerModelAdmin(ReadOnlyAdmin):
    list_display = ["version", "active", "decisions", "trained_at"]
    fields = ["version", "active", "decisions", "trained_at", "metrics", "coefficients"]
    readonly_fields = fields
