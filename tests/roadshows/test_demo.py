"""The demo's roadshows (`manage.py load_demo_roadshows`, run by `make run`): a past one with
replays, meetings held and an accepted intent with its deal, an upcoming one open for
registration; loaded once, refused without DEBUG."""

import pytest
from django.core.management import CommandError, call_command

from deals.models import Deal
from organizations.models import Organization
from roadshows.models import Intent, Meeting, Pitch, Roadshow, RoadshowStatus
from roadshows.services import registration_create
from tests.factories import AchievementFactory, OrganizationFactory, ProjectFactory, member_of
from tests.roadshows.conftest import act

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_organizations():
    host = OrganizationFactory(name="浙江省新材料学会", kind=Organization.Kind.SOCIETY)
    member_of(host, username="demo-host")
    AchievementFactory(organization=OrganizationFactory(kind=Organization.Kind.INSTITUTION))
    ProjectFactory(organization=OrganizationFactory())
    AchievementFactory(organization=OrganizationFactory(kind=Organization.Kind.INSTITUTION))
    member_of(OrganizationFactory(name="杭州观众制造有限公司"), username="demo-attendee")


def test_demo_roadshows_loaded_once(settings, demo_organizations):
    settings.DEBUG = True
    call_command("load_demo_roadshows")
    past = Roadshow.objects.get(status=RoadshowStatus.HELD)
    upcoming = Roadshow.objects.get(status=RoadshowStatus.PUBLISHED)
    assert past.pitches.filter(status=Pitch.Status.SELECTED).exclude(replay_url="").count() == 3
    assert Meeting.objects.filter(status=Meeting.Status.HELD).count() == 2
    intent = Intent.objects.get(status=Intent.Status.ACCEPTED)
    assert Deal.objects.get(pk=intent.deal_id).origin == Deal.Origin.ROADSHOW
    assert upcoming.starts_at > past.ends_at
    # The upcoming one is open for registration.
    newcomer = OrganizationFactory()
    user = member_of(newcomer)
    registration_create(actor=act(user), roadshow=upcoming, organization=newcomer)

    call_command("load_demo_roadshows")
    assert Roadshow.objects.count() == 2


def test_demo_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo_roadshows")
