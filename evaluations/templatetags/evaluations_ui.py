from django import template

register = template.Library()


@register.inclusion_tag("evaluations/_order_panel.html", takes_context=True)
def evaluation_panel(context, order):
    """The evaluation's state and links on its order's page: the orders app shows it without
    importing evaluations (it sits above orders). The page has checked who may read the order."""
    from evaluations.models import Evaluation
    from evaluations.selectors import latest_report
    from evaluations.views import badge

    evaluation = Evaluation.objects.filter(order=order).select_related("order").first()
    if evaluation is None:
        return {
            "evaluation": None,
            "no_achievement": getattr(order.category, "code", "") == "evaluation",
        }
    actor = context["request"].actor
    return {
        "evaluation": evaluation,
        "report": latest_report(evaluation),
        "badge": badge(evaluation.status),
        "provider": order.provider_id in actor.organization_ids,
    }


@register.inclusion_tag("evaluations/_achievement_trl.html")
def evaluated_maturity(achievement):
    """The evaluated TRL beside the self-declared one on the achievement's page, with a link
    to the public summary of the evaluation it comes from."""
    from evaluations.selectors import evaluation_for_achievement

    if not getattr(achievement, "evaluated_maturity", None):
        return {"achievement": achievement}
    return {
        "achievement": achievement,
        "evaluation": evaluation_for_achievement(achievement_id=achievement.pk),
    }
