from django import template

from cases.selectors import case_list_related

register = template.Library()


@register.inclusion_tag("cases/_related_cases.html")
def related_cases(listing):
    """相关案例 beside a need: the repositories' page shows them without importing cases."""
    if getattr(listing, "kind", None) != "need":
        return {"cases": []}
    return {"cases": case_list_related(listing=listing)}
