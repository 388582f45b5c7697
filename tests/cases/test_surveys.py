"""Follow-up surveys 90 and 365 days after completion: created once per party when due by the
daily timer (safe to run twice), answered once by the party, read by both parties and the
region's staff."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Survey
from cases.services import survey_answer, surveys_send_due
from cases.tasks import send_follow_up_surveys
from deals.models import Deal
from notifications.models import Notification
from outcomes.models import OutcomeEvent
from tests.cases.conftest import act


def _completed_days_ago(deal, days):
    Deal.objects.filter(pk=deal.pk).update(stage_changed_at=timezone.now() - timedelta(days=days))


def _survey_notifications():
    return Notification.objects.filter(url__startswith="/cases/surveys/")


def test_the_timer_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["send-follow-up-surveys"]
    assert entry["task"] == "cases.tasks.send_follow_up_surveys"
    assert send_follow_up_surveys.name == entry["task"]


@pytest.mark.parametrize(
    "days,expected",
    [(0, set()), (89, set()), (90, {"d90"}), (200, {"d90"}), (364, {"d90"}), (365, {"d365"})],
)
def test_surveys_are_due_at_90_and_365_days(world, completed, days, expected):
    _completed_days_ago(completed, days)
    surveys_send_due()
    assert set(Survey.objects.values_list("kind", flat=True)) == expected
    assert Survey.objects.count() == 2 * len(expected)


def test_run_twice_each_survey_is_created_and_told_once(world, completed):
    _completed_days_ago(completed, 91)
    assert send_follow_up_surveys() == {"created": 2}
    assert send_follow_up_surveys() == {"created": 0}
    surveys = Survey.objects.filter(deal=completed, kind="d90")
    assert sorted(surveys.values_list("organization_id", flat=True)) == sorted(completed.party_ids)
    # The enterprise's two members and the university's one, once each.
    assert _survey_notifications().count() == 3
    _completed_days_ago(completed, 366)
    assert surveys_send_due() == {"created": 2}
    assert surveys_send_due() == {"created": 0}
    assert Survey.objects.filter(deal=completed).count() == 4
    assert _survey_notifications().count() == 6


def test_one_partys_missing_survey_is_made_up(world, completed):
    _completed_days_ago(completed, 100)
    surveys_send_due()
    Survey.objects.filter(organization=world.university).delete()
    assert surveys_send_due() == {"created": 1}


def test_a_lost_deal_gets_no_survey(world, deal):
    from tests.cases.conftest import lose

    lose(world, deal)
    _completed_days_ago(deal, 100)
    assert surveys_send_due() == {"created": 0}


def test_answering_a_survey(client, world, completed):
    _completed_days_ago(completed, 95)
    surveys_send_due()
    survey = Survey.objects.get(organization=world.enterprise)
    url = reverse("cases:survey", args=[survey.pk])
    client.force_login(world.owner)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"in_use": "", "output_value": "-3", "benefits": "良品率提升"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "请说明成果是否仍在使用" in text
    assert "新增产值（万元）" in text and "0" in text
    assert "良品率提升" in text  # bound
    not_a_number = client.post(url, {"in_use": "yes", "cost_saved": "很多"})
    assert not_a_number.status_code == 400 and "节约成本（万元）" in not_a_number.content.decode()
    assert not Survey.objects.get(pk=survey.pk).is_answered
    good = client.post(
        url,
        {"in_use": "partly", "benefits": "良品率提升5%", "output_value": "320", "cost_saved": ""},
    )
    assert good.status_code == 302
    survey.refresh_from_db()
    assert (survey.in_use, survey.output_value, survey.cost_saved) == (
        "partly",
        Decimal("320"),
        None,
    )
    event = OutcomeEvent.objects.get(name="survey.answered")
    assert (event.subject_type, event.subject_id) == ("deal", completed.pk)
    assert event.data["survey"] == survey.pk and event.data["kind"] == "d90"
    assert event.data["need"] == completed.need_id
    with pytest.raises(ValidationError):
        survey_answer(actor=act(world.owner), survey=survey, in_use="yes")
    # Seen by the other party and the region's staff; nobody else learns it exists.
    for user, status in (
        (world.scientist, 200),
        (world.staff, 200),
        (world.far_staff, 404),
        (world.stranger, 404),
    ):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == status
        if status == 200:
            assert "良品率提升5%" in page.content.decode()
    client.force_login(world.staff)
    assert completed.title in client.get(reverse("cases:review_queue")).content.decode()


def test_only_the_partys_members_answer_its_survey(client, world, completed):
    _completed_days_ago(completed, 95)
    surveys_send_due()
    survey = Survey.objects.get(organization=world.enterprise)
    with pytest.raises(PermissionDenied):
        survey_answer(actor=act(world.scientist), survey=survey, in_use="yes")
    client.force_login(world.scientist)
    page = client.get(reverse("cases:survey", args=[survey.pk]))
    assert page.status_code == 200 and 'id="survey-form"' not in page.content.decode()
