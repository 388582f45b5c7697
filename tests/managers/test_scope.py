"""A mandate's scope: the manager acts for the organization on the listings in it and the deals
about them, and nowhere else; only while the mandate is in force."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from deals.models import Contract
from deals.permissions import deal_party_organization_id
from deals.selectors import deal_list_own
from deals.services import contract_save, deal_open
from managers.services import mandate_accept, mandate_end, mandate_set_listings
from organizations.models import Mandate
from repositories.models import ListingStatus
from repositories.permissions import listing_can_edit, listing_is_own
from repositories.services import listing_close, listing_delete, listing_update
from tests.factories import AchievementFactory, api_token_for
from tests.managers.conftest import act, offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_listing(world):
    return AchievementFactory(
        organization=world.university, title="院内另一项成果", status=ListingStatus.DRAFT
    )


def test_the_manager_edits_a_listing_in_scope_but_not_another_of_the_same_owner(
    world, mandate, other_listing
):
    manager = act(mandate.manager)
    assert manager.acts_for_listing(world.achievement)
    assert listing_can_edit(actor=manager, listing=world.achievement)
    assert not listing_is_own(actor=manager, listing=world.achievement)
    listing_update(listing=world.achievement, actor=manager, data={"summary": "经理人更新的摘要"})
    world.achievement.refresh_from_db()
    assert world.achievement.pending_status == "submitted"  # a published listing: to review
    assert not listing_can_edit(actor=manager, listing=other_listing)
    with pytest.raises(PermissionDenied):
        listing_update(listing=other_listing, actor=manager, data={"summary": "越权"})


def test_closing_and_deleting_stay_with_the_owners_members(world, mandate):
    manager = act(mandate.manager)
    with pytest.raises(PermissionDenied):
        listing_close(listing=world.achievement, actor=manager)
    draft = AchievementFactory(organization=world.university, status=ListingStatus.DRAFT)
    mandate_set_listings(actor=act(world.scientist), mandate=mandate, listings=[draft])
    with pytest.raises(PermissionDenied):
        listing_delete(listing=draft, actor=act(mandate.manager))


def test_an_offer_not_yet_accepted_gives_no_power(world, manager):
    offer(world, manager)
    assert not act(manager.user).acts_for_listing(world.achievement)


def test_a_mandate_out_of_its_term_or_ended_gives_no_power(world, manager):
    future = offer(
        world,
        manager,
        starts_on=timezone.localdate() + timedelta(days=5),
        ends_on=timezone.localdate() + timedelta(days=50),
    )
    mandate_accept(actor=act(manager.user), mandate=future)
    assert not act(manager.user).acts_for_listing(world.achievement)
    Mandate.objects.filter(pk=future.pk).update(starts_on=timezone.localdate() - timedelta(days=1))
    assert act(manager.user).acts_for_listing(world.achievement)
    mandate_end(actor=act(manager.user), mandate=future, note="合作结束")
    assert not act(manager.user).acts_for_listing(world.achievement)


def test_a_token_never_carries_its_creators_mandates(world, mandate):
    token, _key = api_token_for(world.stranger_org, user=world.stranger)
    from organizations.selectors import actor_for

    Mandate.objects.filter(pk=mandate.pk).update(manager=world.stranger)
    assert act(world.stranger).acts_for_listing(world.achievement)
    assert not actor_for(user=world.stranger, token=token).acts_for_listing(world.achievement)


def test_the_manager_acts_for_the_mandating_party_on_a_deal_in_scope(world, conversation, mandate):
    deal = deal_open(actor=act(world.owner), conversation=conversation)
    manager = act(mandate.manager)
    assert deal_party_organization_id(actor=manager, deal=deal) == world.university.pk
    assert list(deal_list_own(actor=manager)) == [deal]
    contract_save(
        actor=manager,
        deal=deal,
        contract_type="license_ordinary",
        total_amount=Decimal("80"),
        non_technical_amount=Decimal("0"),
        payment_terms="lump_sum",
    )
    assert Contract.objects.get(deal=deal).total_amount == Decimal("80")


def test_a_deal_about_another_listing_is_out_of_reach(world, conversation, manager, other_listing):
    mandate_accept(actor=act(manager.user), mandate=offer(world, manager, listings=[other_listing]))
    deal = deal_open(actor=act(world.owner), conversation=conversation)
    outsider = act(manager.user)
    assert deal_party_organization_id(actor=outsider, deal=deal) is None
    assert list(deal_list_own(actor=outsider)) == []
    with pytest.raises(PermissionDenied):
        contract_save(
            actor=outsider,
            deal=deal,
            contract_type="license_ordinary",
            total_amount=Decimal("80"),
            payment_terms="lump_sum",
        )


def test_on_the_web_the_manager_edits_in_scope_and_is_refused_elsewhere(
    client, world, conversation, mandate, other_listing
):
    client.force_login(mandate.manager)
    page = client.get(reverse("repositories:detail", args=["achievement", world.achievement.pk]))
    assert page.status_code == 200
    assert "技术经理人" in page.content.decode() or "technology manager" in page.content.decode()
    edit_url = reverse("repositories:edit", args=["achievement", world.achievement.pk])
    assert client.get(edit_url).status_code == 200
    assert (
        client.get(reverse("repositories:edit", args=["achievement", other_listing.pk])).status_code
        == 404
    )
    deal = deal_open(actor=act(world.owner), conversation=conversation)
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 200
