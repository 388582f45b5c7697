"""The demo's contact (`manage.py load_demo_conversations`, run by `make run`)."""

import pytest
from django.core.management import call_command

from conversations.models import ContactRequest, Conversation
from matching.models import Match
from organizations.models import Organization
from tests.factories import AchievementFactory, NeedFactory, OrganizationFactory, cast_staff
from tests.matching.builders import make_match

pytestmark = pytest.mark.django_db


def test_demo_contact_is_made_through_the_services_and_once(settings):
    settings.DEBUG = True
    needs = []
    for number in range(4):
        enterprise = OrganizationFactory()
        needs.append(NeedFactory(organization=enterprise, external_id=f"demo-n{number}"))
        university = OrganizationFactory(kind=Organization.Kind.INSTITUTION)
        AchievementFactory(organization=university, external_id=f"demo-a{number}")
    cast_staff(needs[0].region.code)
    proposal = make_match(needs[0], AchievementFactory(external_id="demo-x"))
    call_command("load_demo_conversations")
    statuses = sorted(ContactRequest.objects.values_list("status", flat=True))
    assert statuses == ["accepted", "accepted", "declined", "pending"]
    assert Conversation.objects.filter(origin="request").count() == 2
    talk = Conversation.objects.filter(origin="request", messages__body__contains="下周二")
    assert talk.distinct().get().messages.count() == 4
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.APPROVED
    assert Conversation.objects.get(match=proposal).messages.count() == 1
    call_command("load_demo_conversations")
    assert Conversation.objects.count() == 3
