from django.urls import register_converter

from repositories.models import ListingKind

KIND_BY_SLUG = {
    "needs": ListingKind.NEED,
    "achievements": ListingKind.ACHIEVEMENT,
    "projects": ListingKind.PROJECT,
    "talents": ListingKind.TALENT,
}
SLUG_BY_KIND = {kind: slug for slug, kind in KIND_BY_SLUG.items()}


class KindConverter:
    """/needs/, /achievements/, … in URLs; a ListingKind in views."""

    regex = "needs|achievements|projects|talents"

    def to_python(self, value):
        return KIND_BY_SLUG[value]

    def to_url(self, value):
        return SLUG_BY_KIND[value]


register_converter(KindConverter, "kind")
