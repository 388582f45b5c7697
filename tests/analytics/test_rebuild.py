"""The aggregates kept current event by event are the aggregates a rebuild from the log writes."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from analytics.models import DealJourney, NeedJourney
from analytics.services import journey_record_event, statistics_rebuild
from outcomes.models import OutcomeEvent

pytestmark = pytest.mark.django_db


def rows(model):
    return list(model.objects.order_by("pk").values())


def test_rebuild_gives_row_for_row_what_the_receiver_kept(history):
    needs, deals = rows(NeedJourney), rows(DealJourney)
    assert len(needs) == 5 and len(deals) == 4
    result = statistics_rebuild(chunk_size=7, batch_size=2)
    assert (result.needs, result.deals) == (5, 4)
    assert (
        result.events
        == OutcomeEvent.objects.exclude(name__in=["match.rejected", "listing.closed"]).count()
    )
    assert rows(NeedJourney) == needs
    assert rows(DealJourney) == deals


def test_rebuild_repairs_rows_that_drifted(history):
    expected = rows(NeedJourney)
    NeedJourney.objects.filter(pk=101).update(signed_at=None, organization_kind="investor")
    NeedJourney.objects.filter(pk=104).delete()
    DealJourney.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_statistics", stdout=out)
    assert "5 needs, 4 deals" in out.getvalue()
    assert rows(NeedJourney) == expected
    assert DealJourney.objects.count() == 4


def test_an_event_applied_twice_changes_nothing(history):
    needs, deals = rows(NeedJourney), rows(DealJourney)
    with transaction.atomic():
        for event in OutcomeEvent.objects.order_by("id"):
            journey_record_event(event=event)
    assert rows(NeedJourney) == needs
    assert rows(DealJourney) == deals


def test_a_rolled_back_event_leaves_no_figure(history, clock):
    from outcomes.services import outcome_record

    with pytest.raises(RuntimeError), transaction.atomic():
        outcome_record(
            name=OutcomeEvent.Name.DEAL_COMPLETED,
            subject_type="deal",
            subject_id=403,
            data={"need": 103, "match": 203, "to": "done"},
        )
        raise RuntimeError("the change failed")
    assert NeedJourney.objects.get(pk=103).completed_at is None


def test_feedback_and_other_subjects_make_no_deal(history, clock):
    from outcomes.services import outcome_record

    deals = rows(DealJourney)
    with transaction.atomic():
        outcome_record(
            name="deal.feedback",
            subject_type="deal",
            subject_id=401,
            data={"need": 101, "to": "feedback"},
        )
        outcome_record(
            name=OutcomeEvent.Name.DEAL_LOST,
            subject_type="case",
            subject_id=999,
            data={"need": 101, "to": "lost", "reason": "price"},
        )
    assert rows(DealJourney) == deals
    statistics_rebuild()
    assert rows(DealJourney) == deals
