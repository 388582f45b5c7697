"""The pages: the public explanation, the appeal form for members only, the staff's queue,
and the standing shown on the organization's page and on the provider's offerings."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from credit.models import CreditAppeal
from tests.factories import member_of


def test_anyone_sees_the_public_standing_and_its_events(client, world):
    response = client.get(reverse("credit:detail", args=[world.provider.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "53.2" in page and "订单按期完成" in page and "订单争议败诉" in page
    # The other party by kind, never by name; no appeal form for the anonymous.
    assert world.buyer.name not in page
    assert reverse("credit:appeal", args=[world.provider.pk]) not in page


def test_the_appeal_form_is_for_the_organizations_members(client, world):
    url = reverse("credit:detail", args=[world.provider.pk])
    client.force_login(member_of(world.buyer))
    assert (
        reverse("credit:appeal", args=[world.provider.pk]) not in client.get(url).content.decode()
    )
    response = client.post(
        reverse("credit:appeal", args=[world.provider.pk]),
        {"event": world.events["e4"].pk, "statement": "理由"},
    )
    assert response.status_code == 403
    client.force_login(world.member)
    assert reverse("credit:appeal", args=[world.provider.pk]) in client.get(url).content.decode()


def test_a_member_files_an_appeal_and_sees_errors_in_chinese(client, world):
    client.force_login(world.member)
    url = reverse("credit:appeal", args=[world.provider.pk])
    response = client.post(url, {"event": world.events["e4"].pk, "statement": ""})
    assert response.status_code == 400
    assert "申诉理由" in response.content.decode()
    response = client.post(url, {"event": world.events["e4"].pk, "statement": "裁决有误"})
    assert response.status_code == 302
    assert CreditAppeal.objects.filter(organization=world.provider).count() == 1
    response = client.post(url, {"event": world.events["e4"].pk, "statement": "再次申诉"})
    assert response.status_code == 400
    assert "针对该事件的申诉尚在处理中" in response.content.decode()


def test_the_staff_queue_and_decision(client, world):
    client.force_login(world.member)
    client.post(
        reverse("credit:appeal", args=[world.provider.pk]),
        {"event": world.events["e4"].pk, "statement": "裁决有误"},
    )
    appeal = CreditAppeal.objects.get()
    assert client.get(reverse("credit:appeals")).status_code == 403
    client.force_login(world.far_staff)
    assert f"appeal-{appeal.pk}" not in client.get(reverse("credit:appeals")).content.decode()
    assert (
        client.post(reverse("credit:decide", args=[appeal.pk]), {"decision": "uphold"}).status_code
        == 404
    )
    client.force_login(world.staff)
    assert f"appeal-{appeal.pk}" in client.get(reverse("credit:appeals")).content.decode()
    client.post(reverse("credit:decide", args=[appeal.pk]), {"decision": "uphold"})
    appeal.refresh_from_db()
    assert appeal.status == CreditAppeal.Status.UPHELD


def test_the_organization_page_shows_the_standing(client, world):
    page = client.get(world.provider.get_absolute_url()).content.decode()
    assert 'id="credit-summary"' in page and "53.2" in page
    assert reverse("credit:detail", args=[world.provider.pk]) in page


def _offering(world, provider, title):
    from types import SimpleNamespace

    from tests.catalogue.conftest import make_offering

    catalogue_world = SimpleNamespace(
        agency=world.provider, provider=world.member, staff=world.staff
    )
    return make_offering(catalogue_world, provider=provider, title=title)


def test_offerings_show_the_providers_level_and_rank_by_it(client, world):
    from catalogue.models import ServiceOffering
    from catalogue.selectors import offering_list_public
    from credit.models import CreditStanding
    from organizations.models import Organization
    from tests.factories import OrganizationFactory

    newcomer = OrganizationFactory(name="新设服务机构", kind=Organization.Kind.AGENCY)
    poor = OrganizationFactory(name="屡次违约机构", kind=Organization.Kind.AGENCY)
    proven = _offering(world, world.provider, "技术与专利价值评估（老牌）")
    fresh = _offering(world, newcomer, "技术与专利价值评估（新设）")
    sunk = _offering(world, poor, "技术与专利价值评估（差评）")
    # The newest first within a rank: the newcomer's is the newest of all.
    ServiceOffering.objects.filter(pk=fresh.pk).update(
        published_at=proven.published_at + timedelta(days=2)
    )
    CreditStanding.objects.update_or_create(
        organization=poor,
        defaults={"score": 30, "level": "D", "event_count": 8, "computed_at": timezone.now()},
    )
    # C (the world's history) ranks with a newcomer, newest first; D sinks below both.
    assert list(offering_list_public()) == [fresh, proven, sunk]
    CreditStanding.objects.filter(organization=world.provider).update(level="A", score=90)
    assert list(offering_list_public()) == [proven, fresh, sunk]
    CreditStanding.objects.filter(organization=world.provider).update(level="C", score=53)
    page = client.get(reverse("catalogue:list")).content.decode()
    assert "信用 C" in page and "记录不足" in page
    detail = client.get(proven.get_absolute_url()).content.decode()
    assert "信用 C" in detail
