"""Back office for technology managers: profiles and their certificates (verified through the
same service as the CAST staff's page), the mandates organizations gave, and the commissions
computed from verified registrations. Mandates and commissions are read here, never written:
a mandate is a person's decision, a commission a computation."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, service_action
from managers import services
from managers.models import Commission, ManagerProfile
from organizations.models import Mandate

CERTIFICATE_FIELDS = [
    "certificate_number",
    "certificate_issuer",
    "certificate_level",
    "certificate_file",
    "certificate_status",
    "certificate_note",
    "certificate_checked_by",
    "certificate_checked_at",
]


@admin.register(ManagerProfile)
class ManagerProfileAdmin(admin.ModelAdmin):
    """A profile is its manager's to write; the certificate is verified or rejected through
    certificate_decide, which records the outcome and tells the manager."""

    list_display = ["name", "user", "region", "certificate_status", "certificate_checked_at"]
    list_filter = ["certificate_status"]
    search_fields = ["name", "headline", "user__username", "certificate_number"]
    list_select_related = ["user", "region"]
    raw_id_fields = ["user", "region"]
    readonly_fields = [*CERTIFICATE_FIELDS, "created_at", "updated_at"]
    filter_horizontal = ["fields"]
    actions = [
        service_action(
            name="verify_certificate",
            description=_("Verify the selected managers' certificates"),
            decide=lambda profile, actor, note: services.certificate_decide(
                actor=actor, profile=profile, approve=True
            ),
        ),
        service_action(
            name="reject_certificate",
            description=_("Do not verify the selected managers' certificates"),
            decide=lambda profile, actor, note: services.certificate_decide(
                actor=actor, profile=profile, approve=False, note=note
            ),
            needs_reason=True,
        ),
    ]


@admin.register(Mandate)
class MandateAdmin(ReadOnlyAdmin):
    list_display = ["organization", "manager", "status", "starts_on", "ends_on", "created_at"]
    list_filter = ["status"]
    search_fields = ["organization__name", "manager__username", "manager__display_name"]
    list_select_related = ["organization", "manager"]


@admin.register(Commission)
class CommissionAdmin(ReadOnlyAdmin):
    list_display = ["deal", "mandate", "technical_amount", "amount_due", "capped", "computed_at"]
    list_filter = ["capped"]
    search_fields = ["deal__title", "mandate__organization__name"]
    list_select_related = ["deal", "mandate__organization", "mandate__manager"]
