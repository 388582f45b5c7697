from django import template
from django.utils.formats import number_format

register = template.Library()

HIDDEN = "<5"


@register.filter
def cell(value):
    """A count; None is a public cell under five, shown as "<5"."""
    return HIDDEN if value is None else value


@register.filter
def percent(value):
    return "—" if value is None else f"{number_format(value, 1)}%"


@register.filter
def days(value):
    return "—" if value is None else number_format(value, 1)
