"""The deals' world (an enterprise's need, a university's achievement, both in Hangzhou), with
helpers that close its deal through the deal's own steps, and cases made directly for search."""

import pytest
from django.utils import timezone

from cases.models import Case
from deals.models import Stage
from deals.services import deal_transition
from deals.transitions import Action
from tests.deals import conftest as deals_fixtures
from tests.deals.conftest import act, put_at
from tests.factories import OrganizationFactory, direction, region

# The deals' fixtures, offered to these tests too.
world = deals_fixtures.world
conversation = deals_fixtures.conversation
deal = deals_fixtures.deal


def complete(world, deal):
    """Both parties confirm the fulfilled contract: the deal completes (deal.completed)."""
    deal = put_at(deal, Stage.EXECUTING)
    deal_transition(actor=act(world.owner), deal=deal, action=Action.COMPLETE)
    return deal_transition(actor=act(world.scientist), deal=deal, action=Action.COMPLETE)


def lose(world, deal):
    return deal_transition(
        actor=act(world.owner), deal=deal, action=Action.LOSE, reason="price", note="价格未谈拢"
    )


@pytest.fixture
def completed(world, deal):
    return complete(world, deal)


def published_case(title, *, region_code, field=None, deal=None, **extra):
    """A published case without going through a deal's life (for search and the need page)."""
    demand, supply = OrganizationFactory(), OrganizationFactory()
    return Case.objects.create(
        deal=deal or _stand_in_deal(demand, supply, region_code),
        title=title,
        need_summary=f"{title}的需求",
        solution_summary=f"{title}的方案",
        demand_party=demand,
        supply_party=supply,
        field=field or direction(0),
        region=region(region_code),
        status=Case.Status.PUBLISHED,
        published_at=timezone.now(),
        **extra,
    )


def _stand_in_deal(demand, supply, region_code):
    from conversations.models import Conversation
    from deals.models import Deal

    talk = Conversation.objects.create(
        party_a=demand,
        party_b=supply,
        subject="对接",
        origin=Conversation.Origin.REQUEST,
        region=region(region_code),
    )
    return Deal.objects.create(
        title="对接",
        origin=Deal.Origin.CONVERSATION,
        demand_party=demand,
        supply_party=supply,
        conversation=talk,
        region=region(region_code),
        stage=Stage.COMPLETED,
    )
