from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import SignUp, User


@admin.register(User)
class TechBridgeUserAdmin(UserAdmin):
    # The consent given at sign-up is evidence (PIPL): shown, never edited.
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Consent"), {"fields": ("terms_version", "terms_accepted_at")}),
    )
    readonly_fields = ("terms_version", "terms_accepted_at")
    list_display = (*UserAdmin.list_display, "terms_version")


@admin.register(SignUp)
class SignUpAdmin(admin.ModelAdmin):
    """Sign-ups whose link was not opened yet, for answering "I got no e-mail": shown, never
    edited or confirmed here (the link is the proof that the address is the person's)."""

    list_display = ["username", "email", "display_name", "terms_accepted_at", "link_sent_at"]
    search_fields = ["username", "email"]
    exclude = ["password"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
