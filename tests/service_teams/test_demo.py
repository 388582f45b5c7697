"""The demo's service teams (`manage.py load_demo_service_teams`, run by `make run`): members,
stations, missions in every status in three pilot cities, figures on the pilot pages, loaded
once, refused without DEBUG."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from repositories.demo import loader
from repositories.models import Listing, ListingSource, ListingStatus
from service_teams.models import (
    Mission,
    MissionStatus,
    PilotAssessment,
    PilotCity,
    ServiceHourRecord,
    ServiceStation,
    TeamMember,
)
from service_teams.selectors import pilot_actuals
from taxonomy.models import Field, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_organizations():
    """The demo's organizations and logins, without its hundreds of listings."""
    regions = {region.code: region for region in Region.objects.all()}
    fields = {field.code: field for field in Field.objects.all()}
    organizations = loader._organizations(regions, fields)
    loader._users(organizations, "demo-password-42")


def test_demo_missions_reach_every_status_and_the_pilots_show_figures(
    settings, demo_organizations, client
):
    settings.DEBUG = True
    call_command("load_demo_service_teams")

    assert set(Mission.objects.values_list("status", flat=True)) == set(MissionStatus.values)
    assert PilotCity.objects.count() == 3
    assert TeamMember.objects.values("team").distinct().count() == 3
    assert ServiceStation.objects.count() == 3
    assert ServiceHourRecord.objects.exists()
    assert PilotAssessment.objects.count() == 3
    collected = Listing.objects.filter(source=ListingSource.MISSION)
    assert collected.filter(status=ListingStatus.PUBLISHED).count() >= 3
    hangzhou = PilotCity.objects.get(name="杭州市")
    actuals = pilot_actuals(pilot=hangzhou)
    assert actuals.missions_verified == 2 and actuals.needs_collected == 2
    assert actuals.needs_matched == 1 and actuals.match_rate == 50
    body = client.get(reverse("service_teams:pilot", kwargs={"pk": hangzhou.pk})).content.decode()
    assert '<span class="actual">2</span> / 12' in body
    assert client.get(reverse("service_teams:list")).status_code == 200

    count = Mission.objects.count()
    call_command("load_demo_service_teams")
    assert Mission.objects.count() == count


def test_the_demo_refuses_to_load_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo_service_teams")
