"""An expert with an account on the platform sits on a panel in person: seated by username under
the conflict rule, told, they declare their interests and enter their scores on their seat's
page (我的评审), and the provider can no longer do it for them. Nobody else reaches the seat."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evaluations import services
from evaluations.models import Opinion, PanelMember
from notifications.models import Notification
from tests.evaluations.conftest import EXPERTS, SCORES, act, receive_materials, seat_panel
from tests.factories import OrganizationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert(db):
    university = OrganizationFactory(name="江南大学")
    return member_of(university, username="prof_wang", display_name="王立新")


def seat_in_person(market, evaluation, expert, **extra):
    return services.panel_member_add(
        actor=act(market.agency_user),
        evaluation=evaluation,
        name="王立新",
        title="教授",
        affiliation="江南大学",
        user=expert,
        **extra,
    )


def test_the_provider_seats_an_expert_by_username_and_the_expert_is_told(
    client, market, evaluation, expert
):
    client.force_login(market.agency_user)
    form = {"name": "王立新", "title": "教授", "affiliation": "江南大学", "field": "环境工程"}
    # An unknown username comes back on its field, with what was typed.
    bad = client.post(
        reverse("evaluations:member_add", args=[evaluation.pk]), {**form, "user": "nobody"}
    )
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "没有这个用户名的账号" in page and 'value="王立新"' in page
    response = client.post(
        reverse("evaluations:member_add", args=[evaluation.pk]), {**form, "user": "prof_wang"}
    )
    assert response.status_code == 302
    member = PanelMember.objects.get(evaluation=evaluation)
    assert member.user == expert
    told = Notification.objects.get(user=expert, topic="evaluation")
    assert "印染废水膜生物反应器处理技术" in told.title
    assert told.url == member.get_absolute_url()
    # The provider's page says the expert acts in person, and offers no form to do it for them.
    page = client.get(evaluation.get_absolute_url()).content.decode()
    assert "本人" in page and f'id="declare-form-{member.pk}"' not in page
    assert f'id="remove-form-{member.pk}"' in page


def test_an_account_from_a_party_is_refused_naming_the_field(market, evaluation):
    with pytest.raises(ValidationError) as refused:
        seat_in_person(market, evaluation, member_of(market.buyer, username="buyer_engineer"))
    assert "user" in refused.value.message_dict
    with pytest.raises(ValidationError) as ticked:
        seat_in_person(market, evaluation, UserFactory(), declared_no_conflict=True)
    assert "declared_no_conflict" in ticked.value.message_dict
    assert not PanelMember.objects.exists()


def test_the_expert_declares_and_scores_in_person(client, market, evaluation, expert):
    members = seat_panel(market, evaluation, experts=EXPERTS[:2])
    seat = seat_in_person(market, evaluation, expert)
    receive_materials(market, evaluation)
    provider = act(market.agency_user)
    # The provider cannot declare for an expert with an account.
    with pytest.raises(PermissionDenied):
        services.panel_member_declare(actor=provider, member=seat, no_conflict=True)

    client.force_login(expert)
    seats = client.get(reverse("evaluations:seats")).content.decode()
    assert seat.get_absolute_url() in seats
    page = client.get(seat.get_absolute_url()).content.decode()
    assert 'id="declare-form-' in page and 'id="scoring-later"' in page
    declare = reverse("evaluations:seat_declare", args=[seat.pk])
    # A conflict must be described: the form comes back with the error on its field.
    bad = client.post(declare, {"no_conflict": "no", "statement": ""})
    assert bad.status_code == 400
    assert client.post(declare, {"no_conflict": "yes"}).status_code == 302
    seat.refresh_from_db()
    assert seat.declared_no_conflict and seat.declared_at is not None

    services.panel_confirm(actor=provider, evaluation=evaluation)
    assert Notification.objects.filter(user=expert, title__contains="评分").exists()
    opinion = reverse("evaluations:seat_opinion", args=[seat.pk])
    # A score outside the bands is refused naming the criterion; the comment typed stays.
    bad = client.post(opinion, {**SCORES, "maturity": 12, "comment": "中试数据充分。"})
    assert bad.status_code == 400
    assert "中试数据充分。" in bad.content.decode()
    assert client.post(opinion, {**SCORES, "comment": "中试数据充分。"}).status_code == 302
    recorded = Opinion.objects.get(member=seat)
    assert (recorded.entered_by, recorded.comment) == (expert, "中试数据充分。")
    assert Notification.objects.filter(
        user=market.agency_user, topic="evaluation", title__contains="王立新"
    ).exists()
    # The provider still enters the others' opinions, never this one's.
    with pytest.raises(PermissionDenied):
        services.opinion_record(actor=provider, member=seat, comment="代填", **SCORES)
    services.opinion_record(actor=provider, member=members[0], comment="可行。", **SCORES)
    page = client.get(seat.get_absolute_url()).content.decode()
    assert "中试数据充分。" in page and 'id="opinion-form-' in page  # may still change it


def test_nobody_else_reaches_the_seat(client, market, evaluation, expert):
    seat = seat_in_person(market, evaluation, expert)
    for user in (market.agency_user, market.buyer_user, market.staff, UserFactory()):
        client.force_login(user)
        assert client.get(seat.get_absolute_url()).status_code == 404
        declare = reverse("evaluations:seat_declare", args=[seat.pk])
        assert client.post(declare, {"no_conflict": "yes"}).status_code == 404
    client.logout()
    assert client.get(seat.get_absolute_url()).status_code == 302  # to the login page
    seat.refresh_from_db()
    assert seat.declared_at is None


def test_the_api_seats_an_expert_by_username(client, market, evaluation, expert):
    from tests.factories import api_token_for

    _token, key = api_token_for(market.agency, user=market.agency_user)
    url = reverse("api:evaluation-panel", args=[evaluation.pk])
    headers = {"authorization": f"Token {key}"}
    body = {"name": "王立新", "affiliation": "江南大学", "user": "nobody"}
    refused = client.post(url, body, content_type="application/json", headers=headers)
    assert refused.status_code == 400 and "user" in refused.json()["fields"]
    body["user"] = "prof_wang"
    created = client.post(url, body, content_type="application/json", headers=headers)
    assert created.status_code == 201
    assert [m["in_person"] for m in created.json()["panel"]] == [True]
