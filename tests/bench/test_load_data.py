"""The load benchmark's data generator (bench.load_data) on a few hundred listings: the data is
what the platform would hold, and the pages and API calls the load program asks for answer."""

import pytest
from django.db.models import F
from django.urls import reverse

from bench.load_data import generate, token_key
from matching.models import Match
from repositories.models import Listing, ListingKind
from search.backends import get_backend

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    return generate(listings=300, seed=3, progress=lambda message: None)


def test_listings_organizations_matches_and_the_index(data):
    live = Listing.objects.live()
    assert Listing.objects.count() == 300
    assert data["live"] == live.count() > 250
    assert set(Listing.objects.values_list("kind", flat=True)) == {
        ListingKind.NEED,
        ListingKind.ACHIEVEMENT,
    }
    assert not live.filter(search_text="").exists()
    assert get_backend().count() == data["indexed_documents"] == data["live"]
    matches = Match.objects.all()
    assert matches.count() == data["matches"] > 0
    assert not matches.filter(need__organization=F("supply_listing__organization")).exists()


def test_what_the_load_program_asks_for_answers(client, data):
    need = Listing.objects.live().filter(kind=ListingKind.NEED).first()
    organization = Match.objects.filter(status=Match.Status.APPROVED).first().need.organization_id
    headers = {"authorization": f"Token {token_key(organization)}"}
    assert client.get("/").status_code == 200
    assert (
        client.get(reverse("repositories:list", kwargs={"kind": "need"}), {"q": "技术"}).status_code
        == 200
    )
    assert client.get(need.get_absolute_url()).status_code == 200
    assert client.get("/api/v1/achievements/", {"q": "技术"}, headers=headers).status_code == 200
    matches = client.get("/api/v1/matches/", headers=headers).json()
    assert matches["count"] > 0
