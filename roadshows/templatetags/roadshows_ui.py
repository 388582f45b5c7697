from django import template

from roadshows.models import ROADSHOW_PUBLIC, Pitch

register = template.Library()


@register.inclusion_tag("roadshows/_listing_pitches.html")
def roadshow_pitches(listing):
    """On a project's or achievement's page: the roadshows it was pitched at (selected) and the
    replay of each pitch. The repositories' page shows it without importing this app."""
    pitches = list(
        Pitch.objects.filter(
            listing_id=getattr(listing, "pk", None),
            status=Pitch.Status.SELECTED,
            roadshow__status__in=ROADSHOW_PUBLIC,
        )
        .select_related("roadshow")
        .order_by("-roadshow__starts_at")
    )
    return {"pitches": pitches}
