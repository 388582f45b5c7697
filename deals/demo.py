"""Demo deals for `make run`, written by the team: research institutions ask enterprises about
their needs, talk, and carry deals to every stage — lost, dormant and terminated ones too —
in the months after each need was published, so that the deal pages, the staff's registration
queue and the funnel dashboards are alive.

Everything goes through the services users go through; only the clock is set back for each
step (core.demo.demo_clock), so that the history and the outcome log read as the days they
stand for.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from conversations import services as contact
from conversations.models import Conversation
from core.demo import demo_clock
from deals.models import Deal, Milestone
from deals.services import (
    contract_save,
    deal_open,
    deal_transition,
    deals_keep_alive,
    milestone_deliver,
    milestone_review,
    milestone_save,
)
from deals.transitions import Action
from organizations.models import Membership, Organization
from organizations.selectors import actor_for, first_active_member
from repositories.models import Listing, ListingKind

DEMO_PREFIX = "demo-"
# (the stage it reaches, contract type, total and equipment in 万元, payment terms, how it ends
# where it ends early), from the needs published longest ago to the newest.
PLAN = [
    ("completed", "license_ordinary", "120", "20", "instalments", ""),
    ("completed", "development_commissioned", "260", "60", "instalments", ""),
    ("completed", "transfer", "480", "0", "lump_sum", ""),
    ("completed", "service", "35", "5", "lump_sum", ""),
    ("completed", "consulting", "18", "0", "lump_sum", ""),
    ("completed", "license_exclusive", "900", "100", "royalty", ""),
    ("completed", "development_cooperative", "320", "80", "instalments", ""),
    ("completed", "license_sole", "150", "0", "use_first_pay_later", ""),
    ("completed", "transfer", "600", "0", "equity", ""),
    ("completed", "service", "56", "16", "instalments", ""),
    ("completed", "development_commissioned", "210", "40", "instalments", ""),
    ("completed", "license_ordinary", "75", "0", "royalty", ""),
    ("terminated", "development_commissioned", "150", "50", "instalments", "scale_up_risk"),
    ("lost", "", "", "", "", "price"),
    ("lost", "", "", "", "", "ip_terms"),
    ("lost", "", "", "", "", "found_elsewhere"),
    # Quiet for long, the timer makes it dormant (only closed deals come before it).
    ("dormant", "", "", "", "", ""),
    ("executing", "development_commissioned", "180", "30", "instalments", ""),
    ("executing", "license_ordinary", "95", "0", "royalty", ""),
    ("executing", "service", "42", "2", "lump_sum", ""),
    ("registered", "transfer", "300", "0", "lump_sum", ""),
    ("registered-pending", "license_exclusive", "260", "10", "instalments", ""),
    ("signed", "consulting", "12", "0", "lump_sum", ""),
    ("signed", "development_cooperative", "140", "40", "instalments", ""),
    ("negotiation", "license_ordinary", "66", "0", "royalty", ""),
    ("negotiation", "", "", "", "", ""),
    ("nda", "", "", "", "", ""),
    ("lead", "", "", "", "", ""),
    ("lead", "", "", "", "", ""),
]
# Deals before signing are recent (a quiet one falls dormant after DEAL_DORMANT_AFTER_DAYS).
RECENT = {"negotiation", "nda", "lead"}
MILESTONES = [
    ("小试方案与技术资料交付", "技术资料齐全，小试指标达到合同约定"),
    ("中试验证", "中试连续运行 72 小时，关键指标达标"),
]
ASK = "我院在该方向有成熟成果和中试经验，希望与贵公司进一步交流技术方案与合作方式。"
REPLY = "欢迎，我们关注贵院成果已久，可先安排一次技术交流，再讨论合作形式。"


def _staff_of(region) -> object | None:
    membership = (
        Membership.objects.filter(
            organization__kind=Organization.Kind.CAST_OFFICE,
            organization__status=Organization.Status.VERIFIED,
            organization__region_id__in=[region.pk, region.parent_id],
            status=Membership.Status.ACTIVE,
        )
        .select_related("user")
        .order_by("-organization__region__level", "id")
        .first()
    )
    return membership.user if membership else None


def _pairs():
    """(a live demo need, a research organization that may ask about it), each pair once."""
    needs = list(
        Listing.objects.live()
        .filter(kind=ListingKind.NEED, external_id__startswith=DEMO_PREFIX)
        .select_related("organization", "region")
        .order_by("published_at", "id")
    )
    suppliers = list(
        Organization.objects.filter(status=Organization.Status.VERIFIED)
        .exclude(kind__in=[Organization.Kind.CAST_OFFICE, Organization.Kind.ENTERPRISE])
        .order_by("id")
    )
    talking = set(Conversation.objects.values_list("listing_id", "party_a_id"))
    for index, need in enumerate(needs):
        for offset in range(len(suppliers)):
            supplier = suppliers[(index + offset) % len(suppliers)]
            if supplier.pk != need.organization_id and (need.pk, supplier.pk) not in talking:
                yield need, supplier
                break


class _Walk:
    """One deal carried step by step, each step a few days after the last."""

    def __init__(self, *, need, supplier, start, rng, now):
        self.need, self.supplier, self.rng, self.now = need, supplier, rng, now
        self.when = start
        self.demand_user = first_active_member(need.organization)
        self.supply_user = first_active_member(supplier)
        self.deal = None

    def later(self, low, high):
        """A few days on, but never past today: the latest steps of a young deal bunch up."""
        step = timedelta(days=self.rng.randint(low, high), hours=self.rng.randint(1, 8))
        self.when = max(self.when, min(self.when + step, self.now - timedelta(hours=1)))
        return demo_clock(self.when)

    def step(self, user, action, **kwargs):
        self.deal = deal_transition(
            actor=actor_for(user=user), deal=self.deal, action=action, **kwargs
        )

    def both(self, action):
        self.step(self.demand_user, action)
        self.step(self.supply_user, action)

    def open(self):
        demand, supply = actor_for(user=self.demand_user), actor_for(user=self.supply_user)
        with demo_clock(self.when):
            request = contact.contact_request_create(
                actor=supply, listing=self.need, organization=self.supplier, message=ASK
            )
        with self.later(1, 3):
            conversation = contact.contact_request_accept(actor=demand, contact_request=request)
            contact.message_send(actor=demand, conversation=conversation, body=REPLY)
        with self.later(2, 6):
            self.deal = deal_open(actor=demand, conversation=conversation)

    def agree(self, contract_type, total, equipment, payment):
        with self.later(5, 12):
            self.step(self.supply_user, Action.PROPOSE_NDA)
        with self.later(1, 3):
            self.both(Action.ACCEPT_NDA)
        with self.later(6, 15):
            contract_save(
                actor=actor_for(user=self.demand_user),
                deal=self.deal,
                contract_type=contract_type,
                equity_contribution=payment == "equity",
                total_amount=Decimal(total),
                non_technical_amount=Decimal(equipment),
                payment_terms=payment,
                payment_note="按合同约定分期支付。" if payment == "instalments" else "",
            )
            for offset, (title, criteria) in enumerate(MILESTONES):
                milestone_save(
                    actor=actor_for(user=self.supply_user),
                    deal=self.deal,
                    title=title,
                    due_on=(self.when + timedelta(days=60 * (offset + 1))).date(),
                    acceptance_criteria=criteria,
                )

    def sign(self):
        with self.later(4, 12):
            contract_save(
                actor=actor_for(user=self.demand_user),
                deal=self.deal,
                signed_on=timezone.localdate(),
            )
            self.both(Action.SIGN)

    def register(self, serial, verify=True):
        with self.later(3, 8):
            region_code = self.deal.region.code
            contract_save(
                actor=actor_for(user=self.supply_user),
                deal=self.deal,
                registration_number=f"{timezone.localdate().year}{region_code[:4]}01{serial:06d}",
                registered_on=timezone.localdate(),
            )
            self.step(self.supply_user, Action.REGISTER)
        staff = _staff_of(self.deal.region)
        if verify and staff is not None:
            with self.later(2, 7):
                self.step(staff, Action.VERIFY_REGISTRATION)

    def execute(self, deliver_all=True):
        with self.later(1, 5):
            self.step(self.demand_user, Action.START)
        for milestone in Milestone.objects.filter(deal=self.deal).order_by("due_on")[
            : None if deliver_all else 1
        ]:
            with self.later(12, 25):
                milestone_deliver(
                    actor=actor_for(user=self.supply_user),
                    milestone=milestone,
                    note="已按约定交付，详见交付报告。",
                )
            with self.later(2, 6):
                milestone_review(
                    actor=actor_for(user=self.demand_user), milestone=milestone, accept=True
                )


def _walk(plan_row, *, need, supplier, serial, rng, now) -> Deal | None:
    target, contract_type, total, equipment, payment, reason = plan_row
    # Days after the need was published; a deal before signing is recent.
    start = need.published_at + timedelta(days=rng.randint(2, 10), hours=rng.randint(1, 8))
    if target in RECENT:
        start = max(start, now - timedelta(days=rng.randint(8, 20)))
    walk = _Walk(need=need, supplier=supplier, start=start, rng=rng, now=now)
    if walk.demand_user is None or walk.supply_user is None:
        return None
    walk.open()
    if target == "lead":
        return walk.deal
    if target == "dormant":
        # Nobody acts for long: the timer marks it dormant.
        with demo_clock(now):
            deals_keep_alive()
        return walk.deal
    if target == "lost":
        with walk.later(10, 30):
            walk.step(walk.demand_user, Action.NEGOTIATE)
        with walk.later(10, 30):
            walk.step(walk.demand_user, Action.LOSE, reason=reason, note="双方未能就条款达成一致。")
        return walk.deal
    if target == "nda":
        with walk.later(5, 12):
            walk.step(walk.supply_user, Action.PROPOSE_NDA)
        return walk.deal
    if not contract_type:
        with walk.later(5, 12):
            walk.step(walk.demand_user, Action.NEGOTIATE)
        return walk.deal
    walk.agree(contract_type, total, equipment, payment)
    if target == "negotiation":
        return walk.deal
    walk.sign()
    if target == "signed":
        return walk.deal
    walk.register(serial, verify=target != "registered-pending")
    if target.startswith("registered"):
        return walk.deal
    walk.execute(deliver_all=target != "executing")
    if target == "terminated":
        with walk.later(10, 30):
            walk.step(
                walk.demand_user,
                Action.TERMINATE,
                reason=reason,
                note="中试放大未达到预期，双方协商解除合同。",
            )
        return walk.deal
    if target == "completed":
        with walk.later(5, 20):
            walk.both(Action.COMPLETE)
    return walk.deal


def demo_deals_load() -> int:
    """Create the demo deals once (nothing when deals exist); returns how many there are."""
    if Deal.objects.exists():
        return Deal.objects.count()
    rng = random.Random(2026)
    now = timezone.now()
    for serial, (plan_row, (need, supplier)) in enumerate(zip(PLAN, _pairs(), strict=False), 1):
        with transaction.atomic():
            _walk(plan_row, need=need, supplier=supplier, serial=serial, rng=rng, now=now)
    return Deal.objects.count()
