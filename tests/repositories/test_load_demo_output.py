"""What `make run` shows after loading the demo data: the logins, not thousands of e-mails."""

import pytest
from django.core.management import call_command

from matching import indexing
from notifications.models import Notification
from organizations.models import Membership, Organization
from repositories.demo import content
from repositories.models import Listing
from taxonomy.models import Region

# Committed for real, as `make run` does: the e-mails of notifications go out on commit.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo_output(settings, capsys, monkeypatch, tmp_path):
    """load_demo's standard output, without embedding and matching (tests/repositories/test_demo.py
    covers those with the real model)."""
    settings.DEBUG = True
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    monkeypatch.setattr(indexing, "dirty_team_ids", lambda limit: [])
    monkeypatch.setattr(indexing, "index_dirty_listings", lambda limit, progress=None: [])
    call_command("load_demo")
    return capsys.readouterr().out


def test_the_logins_one_per_role_and_per_demo_province_and_no_email(demo_output, mailoutbox):
    # Reviews of the demo listings did notify their organizations, in the notification centre.
    assert Notification.objects.filter(topic=Notification.Topic.LISTING_REVIEWED).count() > 300
    assert mailoutbox == []
    assert len(demo_output.splitlines()) < 40

    logins = [line.split() for line in demo_output.splitlines() if line.startswith("  ")]
    assert logins[0] == ["平台管理员", "admin"]
    assert logins[-1][0] == "…"
    rows = {username: line for *line, username in logins[1:-1]}
    by_user = {
        membership.user.username: membership.organization
        for membership in Membership.objects.filter(user__username__in=rows).select_related(
            "user", "organization__region"
        )
    }
    kinds = [organization.kind for organization in by_user.values()]
    offices = [o for o in by_user.values() if o.kind == Organization.Kind.CAST_OFFICE]
    # Each row names the role and the organization of its login.
    for username, organization in by_user.items():
        assert rows[username][-1] == organization.name
        assert " ".join(rows[username][:-1]) == organization.get_kind_display()

    assert sorted(kind for kind in kinds if kind != Organization.Kind.CAST_OFFICE) == sorted(
        set(Organization.Kind.values) - {Organization.Kind.CAST_OFFICE}
    )
    assert all(office.region.level == Region.Level.PROVINCE for office in offices)
    demo_provinces = {
        listing.region.province for listing in Listing.objects.select_related("region__parent")
    }
    assert len(demo_provinces) == 12
    assert sorted(office.region.code for office in offices) == sorted(
        province.code for province in demo_provinces
    )
    assert logins[-1] == [
        "…",
        "and",
        str(len(content.USERS) - len(rows)),
        "more:",
        "every",
        "demo",
        "user",
        "is",
        "listed",
        "in",
        "repositories/demo/content.py",
        "(USERS).",
    ]
