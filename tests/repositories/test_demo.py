import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from matching.models import Match
from organizations.models import Organization
from repositories.demo import content
from repositories.models import Listing, ListingStatus

pytestmark = pytest.mark.django_db


def test_load_demo_builds_a_living_platform_and_is_idempotent(
    settings, capsys, tmp_path, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    # The command runs outside any transaction; here the test's is open, so run what it
    # leaves for the commit (indexing and matching the demo listings).
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    output = capsys.readouterr().out

    assert Listing.objects.count() == len(content.LISTINGS) >= 300
    live = Listing.objects.live()
    assert live.values("field__parent").distinct().count() >= 8
    assert (
        live.values("region__parent").distinct().count()
        + live.filter(region__parent__isnull=True).values("region").distinct().count()
        >= 10
    )
    assert set(Organization.objects.values_list("kind", flat=True)) == set(Organization.Kind.values)
    assert set(Listing.objects.values_list("status", flat=True)) == set(ListingStatus.values) - {
        ListingStatus.CLOSED
    }
    # One login per kind of organization (one per province for CAST offices), each a real
    # member of such an organization; tests/repositories/test_load_demo_output.py has the rest.
    printed = [
        line.split()[-1]
        for line in output.splitlines()
        if line.startswith("  ") and "…" not in line
    ]
    assert printed[0] == "admin"
    kinds = [
        User.objects.get(username=username).memberships.get().organization.kind
        for username in printed[1:]
    ]
    assert set(kinds) == set(Organization.Kind.values)
    assert User.objects.get(username="admin").is_superuser

    # Published listings went through review by their region's CAST staff.
    reviewed = live.exclude(reviewed_by=None).select_related("reviewed_by")
    assert reviewed.count() == live.count()

    # The demo was indexed and matched: each achievement written to answer a need is proposed
    # for it (both live), in its top three.
    found = []
    for need_title, achievement_title in content.MATCHING_PAIRS:
        need = live.filter(kind="need", title=need_title).first()
        achievement = live.filter(kind="achievement", title=achievement_title).first()
        if need and achievement:
            top = Match.objects.filter(need=need, supply_kind="achievement").order_by("-score")
            found.append(achievement.pk in list(top.values_list("supply_listing", flat=True)[:3]))
    assert len(found) >= 40
    assert sum(found) / len(found) >= 0.9, f"{sum(found)} of {len(found)} pairs in the top 3"

    call_command("load_demo")
    assert "already loaded" in capsys.readouterr().out
    assert Listing.objects.count() == len(content.LISTINGS)


def test_load_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert Listing.objects.count() == 0
