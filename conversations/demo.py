"""Demo conversations for `make run`, written by the team and made through the same services
users go through: contact requests accepted (with a few messages), one pending, one declined,
and — where the matcher proposed one — a match approved and answered 感兴趣 by both sides."""

from django.db import transaction

from conversations import services
from conversations.models import ContactRequest, Conversation
from matching.models import Match
from matching.services import match_answer, match_review
from organizations.models import Membership, Organization
from organizations.selectors import actor_for, first_active_member
from repositories.models import Listing, ListingKind

DEMO_PREFIX = "demo-"
# (message of the request, the exchange that follows; None: pending; "decline": declined)
SCRIPT = [
    (
        "我们是一家制造企业，正在寻找可落地的技术方案，希望了解该成果的转化方式与报价。",
        [
            ("owner", "感谢关注。该成果可采用技术许可或合作开发，我们可先提供技术说明书。"),
            ("requester", "好的，请发送说明书；我们也想安排一次现场交流，下周二是否方便？"),
            ("owner", "下周二上午可以，地点在我院中试基地。"),
        ],
    ),
    (
        "贵方发布的成果与我司产线升级需求高度相关，能否提供中试数据？",
        [("owner", "可以，中试数据整理后本周内发给您，数据涉及保密，请先确认保密要求。")],
    ),
    ("希望进一步了解该成果的知识产权情况及许可条件。", None),
    ("我司希望以较低价格一次性买断该技术。", "decline"),
]


@transaction.atomic
def demo_conversations_load() -> int:
    """Create the demo contact once (nothing when conversations exist); returns how many
    conversations there are."""
    if Conversation.objects.exists() or ContactRequest.objects.exists():
        return Conversation.objects.count()
    live = Listing.objects.live().filter(external_id__startswith=DEMO_PREFIX)
    enterprises = list(
        Organization.objects.filter(
            kind=Organization.Kind.ENTERPRISE,
            status=Organization.Status.VERIFIED,
            listings__in=live.filter(kind=ListingKind.NEED),
        )
        .distinct()
        .order_by("id")[: len(SCRIPT)]
    )
    achievements = list(
        live.filter(kind=ListingKind.ACHIEVEMENT)
        .exclude(organization__in=enterprises)
        .select_related("organization")
        .order_by("id")
    )
    used = set()
    for (opening, follow_up), enterprise in zip(SCRIPT, enterprises, strict=False):
        achievement = next(a for a in achievements if a.organization_id not in used)
        used.add(achievement.organization_id)
        requester, owner = (
            first_active_member(enterprise),
            first_active_member(achievement.organization),
        )
        if requester is None or owner is None:
            continue
        request = services.contact_request_create(
            actor=actor_for(user=requester),
            listing=achievement,
            organization=enterprise,
            message=opening,
        )
        if follow_up is None:
            continue
        if follow_up == "decline":
            services.contact_request_decline(
                actor=actor_for(user=owner),
                contact_request=request,
                reason="price",
                note="该技术暂不考虑一次性转让，可考虑普通许可。",
            )
            continue
        conversation = services.contact_request_accept(
            actor=actor_for(user=owner), contact_request=request
        )
        for side, body in follow_up:
            author = owner if side == "owner" else requester
            services.message_send(
                actor=actor_for(user=author), conversation=conversation, body=body
            )
    _match_conversation()
    return Conversation.objects.count()


def _match_conversation():
    """The best proposed match whose sides are both live: approved by the need region's staff
    and answered 感兴趣 by both, which opens its conversation."""
    for match in Match.objects.filter(status=Match.Status.PROPOSED, supply_listing__isnull=False)[
        :20
    ]:
        staff = (
            Membership.objects.filter(
                organization__kind=Organization.Kind.CAST_OFFICE,
                organization__status=Organization.Status.VERIFIED,
                organization__region_id__in=[match.region_id, match.region.parent_id],
                status=Membership.Status.ACTIVE,
            )
            .select_related("user")
            .first()
        )
        need_side = first_active_member(match.need.organization)
        supply_side = first_active_member(match.supply_organization)
        if staff is None or need_side is None or supply_side is None:
            continue
        try:
            with transaction.atomic():
                match_review(match=match, actor=actor_for(user=staff.user), approve=True)
        except Exception:  # a side no longer live: try the next
            continue
        match_answer(match=match, actor=actor_for(user=need_side), answer="interested")
        match_answer(match=match, actor=actor_for(user=supply_side), answer="interested")
        conversation = Conversation.objects.filter(match=match).first()
        if conversation is not None:
            services.message_send(
                actor=actor_for(user=need_side),
                conversation=conversation,
                body="您好，我们对贵方的成果很感兴趣，希望约时间详细交流。",
            )
        return
