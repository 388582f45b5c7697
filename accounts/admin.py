from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class TechBridgeUserAdmin(UserAdmin):
    # The consent given at sign-up is evidence (PIPL): shown, never edited.
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Consent"), {"fields": ("terms_version", "terms_accepted_at")}),
    )
    readonly_fields = ("terms_version", "terms_accepted_at")
    list_display = (*UserAdmin.list_display, "terms_version")
