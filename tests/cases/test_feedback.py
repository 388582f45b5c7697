"""Feedback is asked of each party once when a deal closes, answered once, counted per reason,
and written to the outcome log; bad input comes back with Chinese errors naming the field."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.models import Case, Feedback
from cases.selectors import feedback_reason_counts
from cases.services import feedback_request, feedback_submit
from notifications.models import Notification
from outcomes.models import OutcomeEvent
from tests.cases.conftest import act, complete, lose


def _feedback_notifications():
    return Notification.objects.filter(
        topic=Notification.Topic.DEAL, url__startswith="/cases/feedback/"
    )


def test_completion_asks_each_party_once_and_drafts_the_case(world, deal):
    deal = complete(world, deal)
    assert deal.stage == "completed"
    feedback = Feedback.objects.filter(deal=deal)
    assert sorted(feedback.values_list("organization_id", flat=True)) == sorted(deal.party_ids)
    assert set(feedback.values_list("outcome", flat=True)) == {"completed"}
    # Every member of both parties hears of it once: the enterprise's two, the university's one.
    assert _feedback_notifications().count() == 3
    assert Case.objects.filter(deal=deal).count() == 1
    # A repeated event asks nobody again.
    assert feedback_request(deal=deal) == []
    assert Feedback.objects.filter(deal=deal).count() == 2
    assert _feedback_notifications().count() == 3


def test_a_lost_deal_asks_for_feedback_but_drafts_no_case(world, deal):
    lose(world, deal)
    assert Feedback.objects.filter(deal=deal, outcome="lost").count() == 2
    assert _feedback_notifications().count() == 3
    assert not Case.objects.exists()


def test_a_deal_still_open_asks_for_nothing(world, deal):
    assert not Feedback.objects.exists()
    assert not _feedback_notifications().exists()


def test_feedback_is_stored_counted_and_logged(world, deal):
    lose(world, deal)
    mine = Feedback.objects.get(deal=deal, organization=world.enterprise)
    theirs = Feedback.objects.get(deal=deal, organization=world.university)
    feedback_submit(
        actor=act(world.owner),
        feedback=mine,
        rating=2,
        reasons=["price", "budget"],
        comment="预算不足",
    )
    feedback_submit(actor=act(world.scientist), feedback=theirs, rating=3, reasons=["price"])
    assert feedback_reason_counts() == {"price": 2, "budget": 1}
    assert feedback_reason_counts(outcome="completed") == {}
    assert feedback_reason_counts(region_ids=[world.need.region_id]) == {"price": 2, "budget": 1}
    events = OutcomeEvent.objects.filter(name="deal.feedback", subject_type="deal")
    assert events.count() == 2
    event = events.get(organization_id=world.enterprise.pk)
    assert event.data["reasons"] == ["price", "budget"]
    assert event.data["need"] == deal.need_id and event.data["deal"] == deal.pk
    assert event.counterpart_id == world.university.pk
    with pytest.raises(ValidationError):
        feedback_submit(actor=act(world.owner), feedback=mine, rating=4, reasons=["other"])


def test_only_the_partys_members_answer(world, deal):
    lose(world, deal)
    mine = Feedback.objects.get(deal=deal, organization=world.enterprise)
    with pytest.raises(PermissionDenied):
        feedback_submit(actor=act(world.scientist), feedback=mine, rating=3, reasons=["price"])
    with pytest.raises(PermissionDenied):
        feedback_submit(actor=act(world.stranger), feedback=mine, rating=3, reasons=["price"])


def test_completed_feedback_fills_the_case_and_an_administrator_consents(world, deal):
    deal = complete(world, deal)
    feedback_submit(
        actor=act(world.owner),
        feedback=Feedback.objects.get(deal=deal, organization=world.enterprise),
        rating=5,
        success_factors=["clear_need", "cast_support"],
        success_note="科协协助完成合同登记",
        consent_to_publish=True,
    )
    case = Case.objects.get(deal=deal)
    assert case.success_factors == ["clear_need", "cast_support"]
    assert "科协协助完成合同登记" in case.what_made_it_work
    assert list(case.consents.values_list("organization_id", flat=True)) == [world.enterprise.pk]
    assert OutcomeEvent.objects.get(name="deal.feedback").data["success_factors"] == [
        "clear_need",
        "cast_support",
    ]


def test_a_plain_members_wish_to_publish_is_no_consent(world, deal):
    deal = complete(world, deal)
    feedback_submit(
        actor=act(world.colleague),
        feedback=Feedback.objects.get(deal=deal, organization=world.enterprise),
        rating=4,
        consent_to_publish=True,
    )
    assert Feedback.objects.get(organization=world.enterprise).consent_to_publish
    assert not Case.objects.get(deal=deal).consents.exists()


def test_the_form_comes_back_bound_with_chinese_errors(client, world, deal):
    lose(world, deal)
    feedback = Feedback.objects.get(deal=deal, organization=world.enterprise)
    url = reverse("cases:feedback", args=[feedback.pk])
    client.force_login(world.owner)
    page = client.get(url)
    assert page.status_code == 200 and "对接未成的原因" in page.content.decode()
    assert "同意将此对接作为案例" not in page.content.decode()  # no case for a lost deal
    bad = client.post(url, {"rating": "9", "reasons": ["nonsense"], "comment": "还要再谈谈"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "请为合作情况打分（1–5分）" in text
    assert "请从列表中选择" in text
    assert "还要再谈谈" in text  # bound
    no_reason = client.post(url, {"rating": "2", "comment": ""})
    assert no_reason.status_code == 400
    assert "请至少选择一个对接未成的原因" in no_reason.content.decode()
    too_long = client.post(url, {"rating": "2", "reasons": ["price"], "comment": "长" * 1001})
    assert too_long.status_code == 400
    assert "备注" in too_long.content.decode() and "1000" in too_long.content.decode()
    assert not Feedback.objects.get(pk=feedback.pk).is_answered
    good = client.post(url, {"rating": "2", "reasons": ["price", "ip_terms"]})
    assert good.status_code == 302
    answered = client.get(url)
    assert answered.status_code == 200 and "知识产权条款" in answered.content.decode()


def test_a_stranger_and_the_other_party_cannot_open_the_form(client, world, deal):
    lose(world, deal)
    feedback = Feedback.objects.get(deal=deal, organization=world.enterprise)
    url = reverse("cases:feedback", args=[feedback.pk])
    for user in (world.stranger, world.scientist):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"rating": "1", "reasons": ["price"]}).status_code == 404
