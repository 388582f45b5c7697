"""The deal of the conversations' world: the enterprise's need (demand side) and the university's
achievement (supply side), in contact after both answered 感兴趣 to their approved match."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import Contract, Deal, Milestone, Stage
from deals.services import deal_open
from organizations.selectors import actor_for
from tests.conversations.conftest import (  # noqa: F401  (fixtures)
    answer,
    conversation,
    stranger_token,
    world,
)


def act(user):
    return actor_for(user=user)


@pytest.fixture
def deal(world, conversation):  # noqa: F811  (the fixtures imported above)
    return deal_open(actor=act(world.owner), conversation=conversation)


def put_at(deal: Deal, stage: str) -> Deal:
    """Bring a deal to a stage with what that stage implies (a contract, a registration
    awaiting verification, accepted milestones, a quiet spell), without the steps between."""
    signed = stage in (Stage.SIGNED, Stage.REGISTERED, Stage.EXECUTING, Stage.COMPLETED)
    if stage in (Stage.NEGOTIATION, Stage.DORMANT) or signed:
        Contract.objects.update_or_create(
            deal=deal,
            defaults={
                "contract_type": "license_ordinary",
                "total_amount": Decimal("120"),
                "non_technical_amount": Decimal("20"),
                "payment_terms": "instalments",
                "signed_on": date.today() - timedelta(days=3),
            },
        )
    if signed:
        # Entered by a party; sent for verification from the registered stage on.
        Contract.objects.filter(deal=deal).update(
            registration_number=f"{date.today().year}330100000123",
            registered_on=date.today() - timedelta(days=1),
            registration_status="" if stage == Stage.SIGNED else Contract.Registration.PENDING,
        )
    if stage == Stage.EXECUTING:
        Milestone.objects.create(
            deal=deal,
            title="样机交付",
            due_on=date.today(),
            status=Milestone.Status.ACCEPTED,
        )
    quiet = timezone.now() - timedelta(days=40)
    Deal.objects.filter(pk=deal.pk).update(
        stage=stage,
        stage_before_dormant=Stage.NEGOTIATION if stage == Stage.DORMANT else "",
        last_activity_at=quiet,
    )
    deal.refresh_from_db()
    return deal
