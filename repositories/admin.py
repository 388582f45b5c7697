"""The four repositories in the back office: found and read here, reviewed through the services.

Listings are written by their organizations and move through review in the domain's flow, so
the admin shows them read-only; publishing and returning go through listing_review, which
records the history, re-indexes and tells the organization.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, labelled, service_action
from repositories import services
from repositories.models import KIND_FIELDS, Achievement, Need, Project, Talent
from taxonomy.admin import ProvinceListFilter


class ListingAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "organization",
        "region",
        "status",
        "completeness",
        "published_at",
        "expires_at",
    ]
    list_filter = ["status", ProvinceListFilter]
    search_fields = ["title", "summary", "organization__name"]
    list_select_related = ["organization", "region"]
    readonly_fields = ["created_on", "submitted_on", "reviewed_on"]
    created_on = labelled("created_at", _("created at"))
    submitted_on = labelled("submitted_at", _("submitted at"))
    reviewed_on = labelled("reviewed_at", _("reviewed at"))
    actions = [
        service_action(
            name="publish",
            description=_("Publish the selected listings"),
            decide=lambda listing, actor, note: services.listing_review(
                listing=listing, actor=actor, approve=True
            ),
        ),
        service_action(
            name="return_for_changes",
            description=_("Return the selected listings for changes"),
            decide=lambda listing, actor, note: services.listing_review(
                listing=listing, actor=actor, approve=False, note=note
            ),
            needs_reason=True,
        ),
    ]

    def get_fields(self, request, obj=None):
        # COMMON_FIELDS and the owner, in the order an operator checks a listing: who and
        # where before what.
        common = ["title", "organization", "region", "field", "cooperation_modes", "summary"]
        workflow = ["status", "review_note", "published_at", "expires_at", "completeness"]
        kind_fields = KIND_FIELDS[self.model._meta.model_name]
        return [*common, *kind_fields, "confidential_details", *workflow, *self.readonly_fields]


for model in (Need, Achievement, Project, Talent):
    admin.site.register(model, ListingAdmin)
