"""The demo loader publishes the case of each completed deal through the services."""

from cases.demo import demo_cases_load
from cases.models import Case, Feedback
from outcomes.models import OutcomeEvent
from tests.cases.conftest import complete


def test_demo_cases_are_published_through_the_services(client, world, deal):
    complete(world, deal)
    assert demo_cases_load() == 1
    case = Case.objects.get(deal=deal)
    assert case.status == Case.Status.PUBLISHED and case.reviewed_by == world.staff
    assert case.consents.count() == 2
    assert Feedback.objects.filter(deal=deal, answered_at__isnull=False).count() == 2
    assert "clear_need" in case.success_factors and "fair_price" in case.success_factors
    assert OutcomeEvent.objects.filter(name="deal.feedback").count() == 2
    assert OutcomeEvent.objects.filter(name="case.published").count() == 1
    assert client.get(case.get_absolute_url()).status_code == 200
    # Again: nothing changes.
    assert demo_cases_load() == 1
    assert OutcomeEvent.objects.filter(name="case.published").count() == 1
