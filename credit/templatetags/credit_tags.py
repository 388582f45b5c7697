"""Credit on other apps' pages: the summary on an organization's page and the provider's level
on a service offering (its card and its page), from the cached standing."""

from django import template

from credit import rules
from credit.models import CreditStanding

register = template.Library()


@register.inclusion_tag("credit/_summary.html")
def credit_summary(organization):
    standing = CreditStanding.objects.filter(organization_id=organization.pk).first()
    level = standing.level if standing else ""
    return {
        "organization": organization,
        "standing": standing,
        "level": level,
        "level_label": rules.level_for(standing.score if standing else None)[1],
    }


@register.inclusion_tag("credit/_level_badge.html")
def provider_credit(offering):
    """The provider's level: from the browse list's annotation when there is one (no query per
    card), else its cached standing."""
    if hasattr(offering, "provider_credit_level"):
        level = offering.provider_credit_level or ""
        score = offering.provider_credit_score
    else:
        standing = CreditStanding.objects.filter(organization_id=offering.provider_id).first()
        level = standing.level if standing else ""
        score = standing.score if standing else None
    return {
        "provider_id": offering.provider_id,
        "level": level,
        "score": score,
        "level_label": rules.level_for(score)[1] if level else rules.NO_LEVEL_LABEL,
    }
