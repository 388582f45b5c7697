from django import template
from django.utils.translation import gettext_lazy as _

from matching.services import explanation_reasons, explanation_text
from matching.views import listing_matches_context

register = template.Library()

# Labels for a match degree (the estimated chance in percent that it is relevant), highest
# threshold first.
DEGREE_LABELS = [
    (75, _("very likely relevant")),
    (50, _("likely relevant")),
    (0, _("possibly relevant")),
]


@register.filter
def explain(match, names=None):
    """Why the match was proposed, in the reader's language; `names`: modes and fields by
    code, loaded once for a page of matches."""
    return explanation_text(match, names)


@register.filter
def reasons(match, names=None):
    """The explanation's sentences, one per reason."""
    return explanation_reasons(match, names)


@register.filter
def degree_label(degree):
    return next(label for threshold, label in DEGREE_LABELS if (degree or 0) >= threshold)


@register.inclusion_tag("matching/_listing_matches_section.html", takes_context=True)
def listing_matches(context, listing):
    """The matches section of a listing's page: the repositories' page shows it without
    importing matching."""
    actor = context["request"].actor
    return {
        **context.flatten(),
        "listing": listing,
        **listing_matches_context(actor=actor, listing=listing),
    }
