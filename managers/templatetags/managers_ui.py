"""Technology managers on other pages: the commissions due on a deal, on the deal's page."""

from django import template

from managers.models import Commission

register = template.Library()


@register.filter
def yuan(amount):
    """¥7,500 or ¥7,500.50, the same in every language."""
    if amount in (None, ""):
        return "—"
    return "¥" + f"{amount:,.2f}".removesuffix(".00")


def commissions_visible(*, actor, deal):
    """The commissions due on a deal that the actor may read: all of them for the members of
    the deal's two parties, a manager's own for the manager; none for anyone else (the CAST
    staff overseeing the deal read them on the mandate's page)."""
    if not actor.is_authenticated:
        return Commission.objects.none()
    commissions = Commission.objects.filter(deal=deal).select_related(
        "mandate__organization", "mandate__manager__manager_profile"
    )
    if set(deal.party_ids) & set(actor.organization_ids):
        return commissions
    return commissions.filter(mandate__manager=actor.user)


@register.inclusion_tag("managers/_deal_commissions.html", takes_context=True)
def deal_commissions(context, deal):
    request = context.get("request")
    actor = getattr(request, "actor", None)
    if actor is None:
        return {"commissions": []}
    rows = [
        {
            "commission": commission,
            # The other party reads the amount, not the mandate between the two.
            "can_open": commission.mandate.manager_id == actor.user.pk
            or commission.mandate.organization_id in actor.organization_ids,
        }
        for commission in commissions_visible(actor=actor, deal=deal)
    ]
    return {"commissions": rows}
