"""The second slice's pages: the panel page, the blind review page, the score and conflict
forms, the award form with decline reasons, the co-signature button, the need's offer, and
the list that reads the vetting offices once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from challenges import services
from challenges.models import Application, ChallengeStatus
from deals.models import Deal
from matching.models import Match
from repositories.models import ListingStatus
from tests.challenges.conftest import INDICATORS, act, challenge_data
from tests.challenges.test_review import closed_with_two, reviewing, seat_expert
from tests.challenges.test_views import _form
from tests.factories import (
    HANGZHOU,
    ZHEJIANG,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db


def test_the_web_form_sets_weights_and_refuses_a_wrong_sum(world, client):
    client.force_login(world.sponsor_user)
    form = _form(**{"indicators-0-unit": "%", "criteria": "方案: 60\n团队：30"})
    response = client.post(reverse("challenges:create"), form)
    assert response.status_code == 400
    assert "评审指标的权重合计须为100，当前合计为90。" in response.content.decode()
    form["criteria"] = "方案: 60\n团队：40"
    form["blind_review"] = "on"
    response = client.post(reverse("challenges:create"), form)
    assert response.status_code == 302
    challenge = world.sponsor.challenges.order_by("-pk").first()
    assert challenge.blind_review
    assert list(challenge.criteria.values_list("name", "weight")) == [("方案", 60), ("团队", 40)]


def test_the_blind_review_page_shows_labels_never_names(world, client):
    services.challenge_save(
        actor=act(world.sponsor_user),
        challenge=world.challenge,
        data=challenge_data(blind_review=True),
        indicators=INDICATORS,
    )
    challenge, first, second, expert = reviewing(world)
    client.force_login(expert)
    page = client.get(reverse("challenges:review", args=[challenge.pk])).content.decode()
    assert "申请 A" in page and "申请 B" in page
    for hidden in (world.rival.name, world.other.name, first.team):
        assert hidden not in page
    # Not on the panel: no review page; the panel page is the sponsor's and the staff's.
    client.force_login(world.other_user)
    assert client.get(reverse("challenges:review", args=[challenge.pk])).status_code == 404
    assert client.get(reverse("challenges:panel", args=[challenge.pk])).status_code == 404
    client.force_login(world.staff)
    page = client.get(reverse("challenges:panel", args=[challenge.pk])).content.decode()
    assert world.rival.name in page and "9.0" in page


def test_the_score_and_conflict_forms(world, client):
    challenge, first, second = closed_with_two(world)
    services.panel_seat(actor=act(world.sponsor_user), challenge=challenge, user=world.rival_user)
    expert = seat_expert(world, challenge)
    services.panel_assign(actor=act(world.sponsor_user), challenge=challenge)
    services.challenge_transition(
        actor=act(world.sponsor_user), challenge=challenge, action="start_review"
    )
    criteria = list(challenge.criteria.all())
    client.force_login(world.rival_user)
    page = client.get(reverse("challenges:review", args=[challenge.pk])).content.decode()
    assert "您属于申请单位，永远不能为其申请评分。" in page
    response = client.post(
        reverse("challenges:score", args=[first.pk]), {f"score_{c.pk}": "8" for c in criteria}
    )
    assert response.status_code == 400
    assert "您属于申请单位，永远不能为其申请评分。" in response.content.decode()

    client.force_login(expert)
    response = client.post(reverse("challenges:conflict", args=[first.pk]), {"conflict": "0"})
    assert response.status_code == 302
    scores = {f"score_{c.pk}": "8" for c in criteria} | {f"score_{criteria[0].pk}": "11"}
    response = client.post(reverse("challenges:score", args=[first.pk]), scores)
    assert response.status_code == 400
    assert "须为0到10的整数" in response.content.decode()
    scores[f"score_{criteria[0].pk}"] = "10"
    response = client.post(reverse("challenges:score", args=[first.pk]), scores)
    assert response.status_code == 302
    assert first.assignments.get(member__user=expert).scores.count() == 4


def test_the_award_form_refuses_without_reasons_then_awards(world, client):
    challenge, first, second, expert = reviewing(world)
    client.force_login(world.sponsor_user)
    url = reverse("challenges:award", args=[challenge.pk])
    page = client.get(url).content.decode()
    assert "预算超出" in page and world.other.name in page
    response = client.post(url, {"winners": [first.pk]})
    assert response.status_code == 400
    assert world.other.name in response.content.decode()
    assert Application.objects.get(pk=second.pk).status == "submitted"
    response = client.post(
        url,
        {
            "winners": [first.pk],
            f"reason_{second.pk}": "ip_terms",
            f"comment_{second.pk}": "不接受独占",
        },
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.status, second.decline_reason) == ("declined", "ip_terms")
    page = client.get(reverse("challenges:application", args=[second.pk])).content.decode()
    assert "知识产权条款不符" in page and "不接受独占" in page
    deal = Deal.objects.get()
    page = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert first.milestones.first().title in page
    # The applicant reads its reason.
    client.force_login(world.other_user)
    page = client.get(reverse("challenges:application", args=[second.pk])).content.decode()
    assert "不接受独占" in page
    # Decided applications still count as filed.
    page = client.get(reverse("challenges:detail", args=[challenge.pk])).content.decode()
    assert "2 份申请" in page
    # The panel's page says the review is over, not that it has yet to start.
    client.force_login(expert)
    page = client.get(reverse("challenges:review", args=[challenge.pk])).content.decode()
    assert "评审已结束：该申请已婉拒。" in page and "启动评审后" not in page


def test_the_cosignature_button_in_the_staff_queue(world, client):
    office = world.staff.memberships.get().organization
    office_admin = member_of(office, username="office-admin")
    province_staff = cast_staff(ZHEJIANG, username="zj-staff")
    c = services.challenge_save(
        actor=act(office_admin), sponsor=office, data=challenge_data(), indicators=INDICATORS
    )
    services.challenge_transition(actor=act(office_admin), challenge=c, action="submit")
    services.challenge_transition(actor=act(province_staff), challenge=c, action="publish")
    first = services.application_submit(
        actor=act(world.rival_user),
        challenge=c,
        applicant=world.rival,
        data={
            "approach": "方案",
            "budget": "100",
            "team": "团队",
            "evidence": "证明",
            "coi_declared": True,
            "originality_declared": True,
        },
        milestones=[
            {
                "title": "中试",
                "due_on": timezone.localdate() + timedelta(days=30),
                "deliverable": "报告",
                "covers_indicator": i,
            }
            for i in c.indicators.all()
        ],
    )
    services.challenge_transition(actor=act(office_admin), challenge=c, action="close")
    expert = member_of(OrganizationFactory(name="浙大专家单位"), username="gov-expert")
    services.panel_seat(actor=act(office_admin), challenge=c, user=expert)
    services.panel_assign(actor=act(office_admin), challenge=c)
    services.challenge_transition(actor=act(office_admin), challenge=c, action="start_review")
    services.conflict_declare(actor=act(expert), application=first, conflict=False)
    services.scores_submit(
        actor=act(expert),
        application=first,
        scores=[{"criterion": cr.pk, "value": 7} for cr in c.criteria.all()],
    )
    services.challenge_award(actor=act(office_admin), challenge=c, winners=[first.pk])
    client.force_login(province_staff)
    page = client.get(reverse("challenges:vetting")).content.decode()
    assert 'data-action="cosign"' in page
    response = client.post(reverse("challenges:act", args=[c.pk]), {"action": "cosign"})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == ChallengeStatus.AWARDED and Deal.objects.count() == 1


def test_a_need_without_a_good_match_offers_a_challenge(world, client):
    need = NeedFactory(
        organization=world.sponsor,
        status=ListingStatus.PUBLISHED,
        published_at=timezone.now() - timedelta(days=30),
        expires_at=timezone.now() + timedelta(days=60),
    )
    client.force_login(world.sponsor_user)
    page = client.get(need.get_absolute_url()).content.decode()
    assert 'id="need-to-challenge"' in page
    assert f"{reverse('challenges:create')}?need={need.pk}" in page
    # Not to another organization's member.
    client.force_login(world.other_user)
    assert 'id="need-to-challenge"' not in client.get(need.get_absolute_url()).content.decode()
    # Once a challenge is made of it, no more offer.
    services.challenge_save(
        actor=act(world.sponsor_user),
        sponsor=world.sponsor,
        data=challenge_data(need=need),
        indicators=INDICATORS,
    )
    client.force_login(world.sponsor_user)
    assert 'id="need-to-challenge"' not in client.get(need.get_absolute_url()).content.decode()
    assert not Match.objects.exists()


def test_the_list_reads_the_vetting_offices_once_for_hidden_government_lists(world, client):
    province_staff = cast_staff(ZHEJIANG, username="zj-staff")

    def hidden_list(number):
        office = OrganizationFactory(
            kind="cast_office", region=region(HANGZHOU), name=f"杭州科协{number}"
        )
        admin = member_of(office, username=f"office-{number}")
        c = services.challenge_save(
            actor=act(admin),
            sponsor=office,
            data=challenge_data(hide_sponsor=True, title=f"政府榜单{number}"),
            indicators=INDICATORS,
        )
        services.challenge_transition(actor=act(admin), challenge=c, action="submit")
        services.challenge_transition(actor=act(province_staff), challenge=c, action="publish")

    hidden_list(1)
    client.force_login(province_staff)
    client.get(reverse("challenges:list"))
    with CaptureQueriesContext(connection) as one:
        page = client.get(reverse("challenges:list")).content.decode()
    assert "杭州科协1" in page  # the vetting staff see the hidden sponsor
    for number in (2, 3, 4):
        hidden_list(number)
    with CaptureQueriesContext(connection) as four:
        page = client.get(reverse("challenges:list")).content.decode()
    assert "杭州科协4" in page
    assert len(four) == len(one)


def test_the_sponsor_declines_one_application_from_its_page(world, client):
    challenge, first, second, expert = reviewing(world)
    client.force_login(world.sponsor_user)
    page = client.get(reverse("challenges:application", args=[second.pk])).content.decode()
    assert 'id="decline-form"' in page
    response = client.post(reverse("challenges:decline", args=[second.pk]), {"reason": "budget"})
    assert response.status_code == 302
    assert Application.objects.get(pk=second.pk).status == "submitted"  # no comment: refused
    client.post(
        reverse("challenges:decline", args=[second.pk]),
        {"reason": "budget", "comment": "预算过高"},
    )
    second.refresh_from_db()
    assert (second.status, second.decline_reason, second.decline_comment) == (
        "declined",
        "budget",
        "预算过高",
    )
    # The applicant cannot decline; nor see the form.
    client.force_login(world.rival_user)
    page = client.get(reverse("challenges:application", args=[first.pk])).content.decode()
    assert 'id="decline-form"' not in page
    client.post(reverse("challenges:decline", args=[first.pk]), {"reason": "other", "comment": "x"})
    assert Application.objects.get(pk=first.pk).status == "submitted"


def test_seating_an_unknown_user_is_named_on_the_form(world, client):
    challenge, first, second = closed_with_two(world)
    client.force_login(world.sponsor_user)
    response = client.post(reverse("challenges:panel", args=[challenge.pk]), {"username": "nobody"})
    assert response.status_code == 400
    assert "没有此用户名的有效用户。" in response.content.decode()
    # A plain member of the sponsor does not seat anyone.
    client.force_login(world.sponsor_member)
    response = client.post(
        reverse("challenges:panel", args=[challenge.pk]), {"username": world.other_user.username}
    )
    assert response.status_code == 404
    assert not challenge.panel.exists()
