"""The demo's evaluations (`manage.py load_demo_evaluations`, run by `make run`): every state,
through the services, loaded once, and the achievements of the final ones show their TRL."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalogue.models import PriceKind, ServiceCategory
from evaluations.models import Appeal, Evaluation, EvaluationStatus, PanelMember, Report
from organizations.models import Organization
from outcomes.models import OutcomeEvent
from repositories.models import Achievement
from tests.factories import AchievementFactory, OrganizationFactory, member_of
from tests.orders.conftest import offering_of

pytestmark = pytest.mark.django_db


def test_demo_evaluations_reach_every_state_once(settings):
    settings.DEBUG = True
    agency = OrganizationFactory(kind=Organization.Kind.AGENCY, name="浙江省科技评估中心")
    member_of(agency)
    offering_of(
        agency, ServiceCategory.objects.get(code="evaluation"), kind=PriceKind.FROM, price="8000"
    )
    for number in range(5):
        owner = OrganizationFactory(name=f"示范企业{number}")
        AchievementFactory(organization=owner, created_by=member_of(owner), maturity=5 + number % 3)
    university = OrganizationFactory(kind=Organization.Kind.INSTITUTION, name="示范大学")
    scientist = member_of(university, display_name="赵教授")

    call_command("load_demo_evaluations")

    assert set(Evaluation.objects.values_list("status", flat=True)) == {
        EvaluationStatus.SETUP,
        EvaluationStatus.SCORING,
        EvaluationStatus.ISSUED,
        EvaluationStatus.FINAL,
    }
    assert Evaluation.objects.count() == 5
    assert Appeal.objects.get().decision == Appeal.Decision.UPHOLD
    assert Report.objects.count() == 3
    final = Evaluation.objects.filter(status=EvaluationStatus.FINAL)
    for evaluation in final:
        achievement = Achievement.objects.get(pk=evaluation.achievement_id)
        assert achievement.evaluated_maturity == evaluation.reports.get().evaluated_maturity
    assert not OutcomeEvent.objects.filter(occurred_at__gt=timezone.now()).exists()
    # The one being set up has a scientist with an account on its panel, to declare in person.
    seat = PanelMember.objects.get(user=scientist)
    assert (seat.evaluation.status, seat.name, seat.declared_at) == ("setup", "赵教授", None)
    call_command("load_demo_evaluations")
    assert Evaluation.objects.count() == 5
