"""A programme's decision (a challenge's award, a roadshow intent accepted) opens a deal: the two
parties get a conversation of their own and the deal starts with the programme's milestones."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from conversations.models import Conversation
from conversations.permissions import conversation_party_organization_id
from deals.models import Deal, Milestone, Stage
from deals.services import deal_open_for_program
from organizations.selectors import actor_for
from outcomes.models import OutcomeEvent
from repositories.models import Listing, ListingSource
from tests.conversations.conftest import world  # noqa: F401  (fixture)


def open_award(world, **extra):  # noqa: F811
    due = date.today() + timedelta(days=60)
    return deal_open_for_program(
        origin=Deal.Origin.CHALLENGE,
        demand_party=world.enterprise,
        supply_party=world.university,
        title="  揭榜：LED手电筒 红外开关  ",
        region_id=world.need.region_id,
        need=world.need,
        field_id=world.need.field_id,
        milestones=[
            {"title": "原型样机", "due_on": due, "amount": 30},
            {"title": "小批量验证", "due_on": due + timedelta(days=30)},
        ],
        user=world.owner,
        opened_by_organization_id=world.enterprise.pk,
        **extra,
    )


@pytest.mark.django_db
def test_an_award_opens_a_deal_with_its_own_conversation_and_milestones(world):  # noqa: F811
    deal = open_award(world)
    assert deal.stage == Stage.LEAD
    assert deal.origin == Deal.Origin.CHALLENGE
    assert deal.title == "揭榜：LED手电筒 红外开关"
    assert (deal.demand_party, deal.supply_party, deal.need) == (
        world.enterprise,
        world.university,
        world.need,
    )
    assert deal.conversation.origin == Conversation.Origin.PROGRAM
    assert (
        conversation_party_organization_id(
            actor=actor_for(user=world.scientist), conversation=deal.conversation
        )
        == world.university.pk
    )
    assert list(deal.milestones.values_list("title", "status")) == [
        ("原型样机", Milestone.Status.PLANNED),
        ("小批量验证", Milestone.Status.PLANNED),
    ]
    opened = OutcomeEvent.objects.get(name=OutcomeEvent.Name.DEAL_OPENED, subject_id=deal.pk)
    assert (opened.data["origin"], opened.data["need_source"]) == ("challenge", "posted")


@pytest.mark.django_db
def test_a_need_collected_on_a_mission_is_named_in_the_deal_opened_event(world):  # noqa: F811
    Listing.objects.filter(pk=world.need.pk).update(source=ListingSource.MISSION)
    deal = open_award(world)
    opened = OutcomeEvent.objects.get(name=OutcomeEvent.Name.DEAL_OPENED, subject_id=deal.pk)
    assert opened.data["need_source"] == "mission"


@pytest.mark.django_db
def test_a_bad_milestone_refuses_the_whole_deal(world):  # noqa: F811
    with pytest.raises(ValidationError) as error:
        deal_open_for_program(
            origin=Deal.Origin.ROADSHOW,
            demand_party=world.enterprise,
            supply_party=world.university,
            title="路演意向：授权",
            region_id=world.need.region_id,
            milestones=[{"title": "", "due_on": date.today()}],
        )
    assert "title" in error.value.message_dict


@pytest.mark.django_db
def test_an_organization_cannot_deal_with_itself(world):  # noqa: F811
    with pytest.raises(ValidationError):
        deal_open_for_program(
            origin=Deal.Origin.ROADSHOW,
            demand_party=world.enterprise,
            supply_party=world.enterprise,
            title="路演意向",
            region_id=world.need.region_id,
        )
