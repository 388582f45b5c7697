from django import template
from django.utils.translation import gettext_lazy as _

from matching.selectors import match_score_ceiling
from matching.services import explanation_text
from matching.views import listing_matches_context

register = template.Library()

# Labels for a match's score as a share of the best possible one, highest threshold first.
RELEVANCE_LABELS = [
    (80, _("highly relevant")),
    (60, _("relevant")),
    (0, _("possibly relevant")),
]


@register.filter
def explain(match, modes=None):
    """Why the match was proposed, in the reader's language; `modes`: cooperation modes by
    code, loaded once for a page of matches."""
    return explanation_text(match, modes)


@register.filter
def percent(value):
    """A value in [0, 1] (a similarity, an agreement) as a whole percentage."""
    return f"{min(max(value or 0, 0), 1) * 100:.0f}"


@register.filter
def score_percent(score):
    """A match's score as a percentage of the best possible one (the raw score exceeds 1)."""
    return percent(score / match_score_ceiling())


@register.filter
def relevance_label(score):
    share = int(score_percent(score))
    return next(label for threshold, label in RELEVANCE_LABELS if share >= threshold)


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
