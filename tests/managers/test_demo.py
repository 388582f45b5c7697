"""The demo's technology managers (`manage.py load_demo_managers`, run by `make run`): verified,
pending and rejected certificates, mandates in every status, and a deal the manager carried by
mandate to a verified registration, so a commission is due — made through the services, once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from deals.models import Contract, Deal, DealHistory
from managers.demo import MANAGERS
from managers.models import Commission, ManagerProfile
from organizations.models import Mandate, Organization
from outcomes.models import OutcomeEvent
from tests.factories import (
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    member_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(settings):
    settings.DEBUG = True
    for number in range(5):
        enterprise = OrganizationFactory(name=f"演示企业{number}")
        member_of(enterprise)
        NeedFactory(
            organization=enterprise,
            external_id=f"demo-n{number}",
            published_at=timezone.now() - timedelta(days=180 - 10 * number),
        )
    for number in range(3):
        institution = OrganizationFactory(
            kind=Organization.Kind.INSTITUTION, name=f"演示高校{number}"
        )
        member_of(institution)
        AchievementFactory(organization=institution, external_id=f"demo-a{number}")
    codes = {spec.region for spec in MANAGERS} | {"330100"}
    for code in codes:
        cast_staff(code)


def test_demo_managers_and_their_mandates_make_a_living_market(demo_world, client):
    call_command("load_demo_managers")
    statuses = dict(
        ManagerProfile.objects.filter(
            user__username__in=[spec.username for spec in MANAGERS]
        ).values_list("user__username", "certificate_status")
    )
    assert statuses == {
        "mgr_zhou": "verified",
        "mgr_shen": "verified",
        "mgr_li": "verified",
        "mgr_han": "verified",
        "mgr_guo": "pending",
        "mgr_deng": "rejected",
    }
    assert ManagerProfile.objects.get(user__username="mgr_deng").certificate_note
    assert set(Mandate.objects.values_list("status", flat=True)) == set(Mandate.Status.values)
    assert all(mandate.listings.exists() for mandate in Mandate.objects.all())

    # The brokered deal: the manager acted for the enterprise, the staff verified the
    # registration, and the commission was computed from the technical-transaction amount.
    commission = Commission.objects.select_related("mandate", "deal").get()
    deal = commission.deal
    assert deal.contract.registration_status == Contract.Registration.VERIFIED
    assert commission.mandate.manager.username == "mgr_zhou"
    assert commission.technical_amount == (180 - 20) * 10000
    assert commission.amount_due == 20000 + 160 * 10000 * 3 / 100
    assert DealHistory.objects.filter(deal=deal, user=commission.mandate.manager).exists()
    # In the deal's conversation too, marked as the manager's.
    written = deal.conversation.messages.filter(sender=commission.mandate.manager).get()
    assert written.by_mandate and written.sender_organization == deal.demand_party
    assert OutcomeEvent.objects.filter(name="commission.due", subject_id=deal.pk).exists()
    assert not OutcomeEvent.objects.filter(occurred_at__gt=timezone.now()).exists()

    # The pages show it: the directory, the manager's record, the deal in the manager's deals.
    page = client.get(reverse("managers:list")).content.decode()
    assert "周知远" in page and "郭明远" not in page and "邓雨桐" not in page
    profile = ManagerProfile.objects.get(user__username="mgr_zhou")
    page = client.get(profile.get_absolute_url()).content.decode()
    assert 'id="record-deals">1<' in page
    client.force_login(profile.user)
    assert deal.title in client.get(reverse("deals:list")).content.decode()
    page = client.get(deal.get_absolute_url()).content.decode()
    assert f'id="deal-commission-{commission.pk}"' in page

    call_command("load_demo_managers")
    assert ManagerProfile.objects.count() == len(MANAGERS)
    assert Commission.objects.count() == 1
    assert Deal.objects.count() == 1


def test_demo_managers_load_only_with_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo_managers")
    assert not ManagerProfile.objects.exists()
