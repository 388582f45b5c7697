from django import template

from matching.services import explanation_text

register = template.Library()


@register.filter
def explain(match):
    """Why the match was proposed, in the reader's language."""
    return explanation_text(match)


@register.filter
def percent(score):
    return f"{min(max(score, 0), 1) * 100:.0f}"
