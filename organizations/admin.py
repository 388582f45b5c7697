"""Back office for the platform administrators: organizations, CAST offices and their staff."""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import HTTPS_LINKS, ReadOnlyAdmin, ReadOnlyInline, service_action
from organizations import services
from organizations.models import ApiToken, CastOffice, Membership, Organization
from taxonomy.admin import ProvinceListFilter

PROFILE_FIELDS = [
    "name",
    "kind",
    "region",
    "credit_code",
    "business_licence_link",
    "parent",
    "description",
    "website",
    "contact_name",
    "contact_phone",
    "contact_email",
    "fields",
]
REVIEW_FIELDS = ["status", "review_note", "reviewed_by", "reviewed_at", "created_at", "updated_at"]


class MembersInline(ReadOnlyInline):
    model = Membership
    fields = ["user", "role", "status", "created_at"]
    readonly_fields = fields
    verbose_name_plural = _("members")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Organizations that joined (入驻). Their profile is their administrators' to edit;
    here they are found, checked and verified or rejected through the verification service."""

    list_display = ["name", "kind", "region_label", "status", "created_at"]
    list_filter = ["status", "kind", ProvinceListFilter]
    search_fields = ["name", "credit_code"]
    list_select_related = ["region", "region__parent"]
    fieldsets = [
        (None, {"fields": PROFILE_FIELDS}),
        (_("verification"), {"fields": REVIEW_FIELDS}),
    ]
    readonly_fields = [*PROFILE_FIELDS, *REVIEW_FIELDS]
    inlines = [MembersInline]
    actions = [
        service_action(
            name="verify",
            description=_("Verify the selected organizations"),
            decide=lambda organization, actor, note: services.organization_review(
                organization=organization, actor=actor, approve=True
            ),
        ),
        service_action(
            name="reject",
            description=_("Reject the selected organizations"),
            decide=lambda organization, actor, note: services.organization_review(
                organization=organization, actor=actor, approve=False, note=note
            ),
            needs_reason=True,
        ),
    ]

    def get_queryset(self, request):
        # CAST offices are set up and staffed under their own heading.
        return super().get_queryset(request).exclude(kind=Organization.Kind.CAST_OFFICE)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("region"), ordering="region__code")
    def region_label(self, organization):
        return organization.region.path_label

    @admin.display(description=_("business licence"))
    def business_licence_link(self, organization):
        if not organization.business_licence:
            return _("not uploaded")
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("organizations:licence", args=[organization.pk]),
            _("View the business licence"),
        )


class StaffInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "status", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 1
    verbose_name = _("staff member")
    verbose_name_plural = _("staff")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(CastOffice)
class CastOfficeAdmin(admin.ModelAdmin):
    """Local CAST offices: the platform sets them up, verified; their staff review their region
    (a provincial office also covers its cities)."""

    list_display = ["name", "region_label", "staff_count", "status"]
    list_filter = [ProvinceListFilter]
    formfield_overrides = HTTPS_LINKS
    search_fields = ["name", "region__name"]
    list_select_related = ["region", "region__parent"]
    fields = [
        "name",
        "region",
        "contact_name",
        "contact_phone",
        "contact_email",
        "website",
        "description",
        "status",
        "created_at",
    ]
    readonly_fields = ["status", "created_at"]
    autocomplete_fields = ["region"]
    inlines = [StaffInline]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # A new office is verified on saving; there is no status to show yet.
        return fields if obj is not None else [f for f in fields if f not in self.readonly_fields]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(staff_total=Count("memberships"))

    def save_model(self, request, obj, form, change):
        services.cast_office_save(office=obj, actor=request.actor)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("region"), ordering="region__code")
    def region_label(self, office):
        return office.region.path_label

    @admin.display(description=_("staff"), ordering="staff_total")
    def staff_count(self, office):
        return office.staff_total


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "prefix", "created_by", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "organization__name"]
    list_select_related = ["organization", "created_by"]
    fields = [
        "name",
        "organization",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
