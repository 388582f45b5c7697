from django.contrib import admin

from credit.models import CreditAppeal, CreditStanding


@admin.register(CreditStanding)
class CreditStandingAdmin(admin.ModelAdmin):
    list_display = ["organization", "score", "level", "event_count", "computed_at"]
    list_select_related = ["organization"]
    readonly_fields = ["organization", "score", "level", "event_count", "computed_at"]


@admin.register(CreditAppeal)
class CreditAppealAdmin(admin.ModelAdmin):
    """Appeals are decided on /credit/appeals/ (credit.services): read-only here."""

    list_display = ["organization", "event", "status", "created_at", "decided_at"]
    list_select_related = ["organization", "event"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in CreditAppeal._meta.fields]
