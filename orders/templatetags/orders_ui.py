from django import template

register = template.Library()


@register.inclusion_tag("orders/_order_box.html", takes_context=True)
def order_box(context, offering):
    """立即下单 or 请求报价 beside an offering: the catalogue's page shows it without importing
    the orders app (it sits above the catalogue)."""
    from orders.views import order_box_context

    return order_box_context(context["request"], offering)


@register.filter
def yuan(amount):
    """¥7,500 or ¥7,500.50: as the catalogue shows its prices, the same in every language."""
    if amount in (None, ""):
        return "—"
    return "¥" + f"{amount:,.2f}".removesuffix(".00")
