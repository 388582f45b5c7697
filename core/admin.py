"""Admin actions that take objects through the domain's services, never around them."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.web import error_text

admin.site.site_header = _("TechBridge back office")
admin.site.site_title = _("TechBridge back office")
admin.site.index_title = _("Platform administration")

# A link typed without its scheme is taken for https, as the platform's own forms take it.
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}


class ReasonForm(forms.Form):
    note = forms.CharField(
        label=_("reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": _("Give the reason: the applicant reads it.")},
    )


def service_action(*, name, description, decide, needs_reason=False):
    """An admin action calling `decide(obj, actor, note)` for each selected object.

    `decide` is a service call, so the domain's rules, records and notifications apply; what a
    service refuses is reported per object. With `needs_reason`, a page first asks for the
    reason that the service requires (to reject, to return).
    """

    def action(modeladmin, request, queryset):
        note = ""
        if needs_reason:
            form = ReasonForm(request.POST if "apply" in request.POST else None)
            if not form.is_valid():
                return TemplateResponse(
                    request,
                    "admin/service_action_reason.html",
                    {
                        **modeladmin.admin_site.each_context(request),
                        "title": description,
                        "opts": modeladmin.model._meta,
                        "queryset": queryset,
                        "form": form,
                        "action": name,
                        "action_checkbox_name": ACTION_CHECKBOX_NAME,
                    },
                )
            note = form.cleaned_data["note"]
        done = 0
        for obj in queryset:
            try:
                decide(obj, request.actor, note)
            except (ValidationError, PermissionDenied) as error:
                modeladmin.message_user(request, f"{obj}: {error_text(error)}", messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request,
                ngettext("%(count)d item done.", "%(count)d items done.", done) % {"count": done},
                messages.SUCCESS,
            )
        return None

    action.__name__ = name
    return admin.action(description=description)(action)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, searched and filtered, but written only by the domain's own flows."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def labelled(name, label, *, boolean=False):
    """A column or read-only row for a model field that has no verbose name of its own."""

    def value(self, obj):
        return getattr(obj, name)

    return admin.display(description=label, ordering=name, boolean=boolean)(value)
