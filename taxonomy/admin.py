"""The shared vocabularies in the back office, and a province filter the other admins reuse."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from taxonomy.models import CooperationMode, Field, Region
from taxonomy.selectors import within_regions_q


class ProvinceListFilter(admin.SimpleListFilter):
    """Rows whose `region` is the province or one of its cities."""

    title = _("province")
    parameter_name = "province"

    def lookups(self, request, model_admin):
        provinces = Region.objects.filter(level=Region.Level.PROVINCE)
        return [(region.pk, region.label) for region in provinces]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(within_regions_q(self.value()))


class TaxonomyAdmin(admin.ModelAdmin):
    """Names can be corrected; codes and the hierarchy are fixed once rows are in use."""

    list_display = ["code", "name", "name_en", "level", "parent_label"]
    list_filter = ["level"]
    list_select_related = ["parent"]
    search_fields = ["code", "name", "name_en"]
    list_per_page = 100

    @admin.display(description=_("parent level"), ordering="parent__code")
    def parent_label(self, obj):
        return obj.parent or "—"

    def get_readonly_fields(self, request, obj=None):
        return ["code", "level", "parent_label"] if obj is not None else []

    def get_fields(self, request, obj=None):
        parent = "parent_label" if obj is not None else "parent"
        return ["code", "level", parent, *self.editable_names]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "parent":
            field.label = _("parent level")
        return field


@admin.register(Field)
class FieldAdmin(TaxonomyAdmin):
    search_fields = [*TaxonomyAdmin.search_fields, "keywords"]
    editable_names = ["name", "name_en", "keywords"]


@admin.register(Region)
class RegionAdmin(TaxonomyAdmin):
    editable_names = ["name", "name_en"]


@admin.register(CooperationMode)
class CooperationModeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "position"]
    list_editable = ["position"]
    search_fields = ["code", "name", "name_en"]
    fields = ["code", "name", "name_en", "position"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "position":
            field.label = _("display order")
        return field
