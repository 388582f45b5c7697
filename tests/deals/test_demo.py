"""The demo's deals (`manage.py load_demo_deals`, run by `make run`): every stage, spread over
the months after each need was published, made through the services and loaded once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import Case
from deals.models import Contract, Deal, Stage
from organizations.models import Organization
from outcomes.models import OutcomeEvent
from tests.factories import NeedFactory, OrganizationFactory, cast_staff, member_of

pytestmark = pytest.mark.django_db


def test_demo_deals_reach_every_stage_over_the_months(settings):
    settings.DEBUG = True
    needs = []
    for number in range(30):
        enterprise = OrganizationFactory()
        member_of(enterprise)
        needs.append(
            NeedFactory(
                organization=enterprise,
                external_id=f"demo-n{number}",
                published_at=timezone.now() - timedelta(days=150 - 5 * number),
            )
        )
    for _number in range(6):
        member_of(OrganizationFactory(kind=Organization.Kind.INSTITUTION))
    for code in {need.region.code for need in needs}:
        cast_staff(code)
    call_command("load_demo_deals")
    assert set(Deal.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert Deal.objects.filter(stage=Stage.COMPLETED).count() == 12
    assert Contract.objects.filter(registration_status="pending").count() == 1
    verified = Contract.objects.filter(registration_status="verified")
    assert verified.count() >= 12
    # The history reads as the days it stands for: each deal after its need was published,
    # its steps in order, never in the future.
    for deal in Deal.objects.select_related("need"):
        opened = OutcomeEvent.objects.get(name="deal.opened", subject_id=deal.pk)
        assert opened.occurred_at > deal.need.published_at
    opened = OutcomeEvent.objects.filter(name="deal.opened").order_by("occurred_at")
    assert (timezone.now() - opened.first().occurred_at).days > 100
    completed = OutcomeEvent.objects.filter(name="deal.completed").values_list(
        "subject_id", "occurred_at"
    )
    for deal_id, when in completed:
        assert OutcomeEvent.objects.get(name="deal.opened", subject_id=deal_id).occurred_at < when
    assert not OutcomeEvent.objects.filter(occurred_at__gt=timezone.now()).exists()
    call_command("load_demo_deals")
    assert Deal.objects.count() == 29
    # The completed deals' cases, published through consent and review, once.
    call_command("load_demo_cases")
    call_command("load_demo_cases")
    assert Case.objects.filter(status=Case.Status.PUBLISHED).count() == 12
