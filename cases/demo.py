"""Demo cases for `make run`: for each completed demo deal without a published case, both parties
answer their feedback and agree to publish, and the region's CAST staff approve it — through the
same services users go through. Called by the deals demo loader once its deals are completed."""

from django.contrib.auth import get_user_model
from django.db import transaction

from cases import services
from cases.models import Case, CaseConsent, Feedback
from deals.models import Deal, Stage
from organizations.models import Membership, Organization
from organizations.selectors import actor_for

FEEDBACK = {
    "demand": {
        "rating": 5,
        "success_factors": ["clear_need", "mature_technology", "cast_support"],
        "success_note": "需求明确、技术成熟，科协帮助对接并推动合同登记。",
        "comment": "对方响应及时，交付质量好。",
    },
    "supply": {
        "rating": 4,
        "success_factors": ["trusted_partner", "fair_price"],
        "success_note": "企业愿意提供中试产线，双方对价格预期一致。",
        "comment": "希望平台继续推荐同领域需求。",
    },
}


def _admin(organization_id):
    membership = (
        Membership.objects.filter(
            organization_id=organization_id,
            role=Membership.Role.ADMIN,
            status=Membership.Status.ACTIVE,
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    return membership.user if membership else None


def _reviewer(case: Case):
    """A staff member of the CAST office of the case's city or province, else a superuser."""
    region_ids = [case.region_id] + ([case.region.parent_id] if case.region.parent_id else [])
    membership = (
        Membership.objects.filter(
            organization__kind=Organization.Kind.CAST_OFFICE,
            organization__status=Organization.Status.VERIFIED,
            organization__region_id__in=region_ids,
            status=Membership.Status.ACTIVE,
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    if membership is not None:
        return membership.user
    return get_user_model().objects.filter(is_superuser=True, is_active=True).first()


@transaction.atomic
def demo_cases_load() -> int:
    """Publish the case of each completed deal that has none published; returns how many
    cases are published. Running it again changes nothing."""
    for deal in Deal.objects.filter(stage=Stage.COMPLETED).select_related(
        "need", "listing", "match"
    ):
        case = services.case_draft(deal=deal)
        services.feedback_request(deal=deal)
        if case.status == Case.Status.PUBLISHED:
            continue
        admins = {}
        for side, organization_id in (
            ("demand", deal.demand_party_id),
            ("supply", deal.supply_party_id),
        ):
            user = _admin(organization_id)
            if user is None:
                break
            admins[side] = actor_for(user=user)
        else:
            for side, actor in admins.items():
                organization_id = getattr(deal, f"{side}_party_id")
                feedback = Feedback.objects.get(deal=deal, organization_id=organization_id)
                if not feedback.is_answered:
                    services.feedback_submit(
                        actor=actor, feedback=feedback, consent_to_publish=True, **FEEDBACK[side]
                    )
                case.refresh_from_db()
                if (
                    case.is_editable
                    and not CaseConsent.objects.filter(
                        case=case, organization_id=organization_id
                    ).exists()
                ):
                    services.case_consent_give(actor=actor, case=case)
            case.refresh_from_db()
            reviewer = _reviewer(case)
            if case.status == Case.Status.SUBMITTED and reviewer is not None:
                services.case_review(
                    actor=actor_for(user=reviewer),
                    case=case,
                    approve=True,
                    note="案例内容属实，同意发布。",
                )
    return Case.objects.filter(status=Case.Status.PUBLISHED).count()
