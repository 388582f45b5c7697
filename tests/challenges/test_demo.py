"""The demo's challenges (`manage.py load_demo_challenges`, run by `make run`): every status,
through the services, loaded once, refused without DEBUG."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from challenges.demo import PLAN
from challenges.models import (
    Amendment,
    Application,
    Challenge,
    ChallengeStatus,
    Question,
    Score,
)
from organizations.models import Organization
from outcomes.models import OutcomeEvent
from tests.factories import HANGZHOU, OrganizationFactory, cast_staff, member_of, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_organizations():
    for name in dict.fromkeys(spec["sponsor"] for spec in PLAN):
        sponsor = OrganizationFactory(name=name, region=region(HANGZHOU))
        member_of(sponsor)
    for name in ("东华大学环境科学与工程学院", "浙江工业大学膜分离与水科学技术中心"):
        member_of(OrganizationFactory(name=name, kind=Organization.Kind.INSTITUTION))
    cast_staff(HANGZHOU)


def test_demo_challenges_reach_every_status_once(settings, demo_organizations):
    settings.DEBUG = True
    call_command("load_demo_challenges")

    statuses = list(Challenge.objects.values_list("status", flat=True))
    assert sorted(statuses) == sorted(
        [
            ChallengeStatus.DRAFT,
            ChallengeStatus.SUBMITTED,
            ChallengeStatus.PUBLISHED,
            ChallengeStatus.PUBLISHED,
            ChallengeStatus.CLOSED,
            ChallengeStatus.AWARDED,
        ]
    )
    awarded = Challenge.objects.get(status=ChallengeStatus.AWARDED)
    winner = awarded.applications.get(status=Application.Status.AWARDED)
    assert winner.deal.milestones.count() == winner.milestones.count() == 2
    declined = awarded.applications.filter(status=Application.Status.DECLINED)
    assert declined.count() == 2
    assert all(a.decline_reason and a.decline_comment for a in declined)
    panel = awarded.panel.count()
    assert panel >= 1 and awarded.panel.filter(is_enterprise_member=True).count() == 1
    assert Score.objects.filter(assignment__application__challenge=awarded).count() == 12 * panel
    open_ones = Challenge.objects.filter(status=ChallengeStatus.PUBLISHED)
    hidden = open_ones.get(hide_sponsor=True)
    busy = open_ones.get(hide_sponsor=False)
    assert hidden.sponsor.name == "常州恒驰新能源科技有限公司"
    assert {a.field_name for a in Amendment.objects.filter(challenge=busy)} == {
        "applications_close_on",
        "eligibility",
    }
    assert Question.objects.get(challenge=busy).answer
    assert (
        Application.objects.filter(challenge=busy, status=Application.Status.SUBMITTED).count() == 2
    )
    closed = Challenge.objects.get(status=ChallengeStatus.CLOSED)
    assert closed.closed_at and closed.applications.count() == 1
    assert not OutcomeEvent.objects.filter(occurred_at__gt=timezone.now()).exists()

    call_command("load_demo_challenges")
    assert Challenge.objects.count() == 6
    assert Application.objects.count() == 6


def test_demo_challenges_need_debug(settings, demo_organizations):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo_challenges")
    assert not Challenge.objects.exists()
