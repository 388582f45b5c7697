"""The outcome log is append-only and written inside the change's transaction."""

import pytest
from django.db import transaction

from outcomes.models import AppendOnlyError, OutcomeEvent
from outcomes.services import outcome_record
from outcomes.signals import outcome_recorded

pytestmark = pytest.mark.django_db


def record():
    with transaction.atomic():
        return outcome_record(
            name=OutcomeEvent.Name.LISTING_PUBLISHED, subject_type="listing", subject_id=7
        )


def test_events_cannot_be_changed_or_deleted():
    event = record()
    event.subject_id = 8
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        OutcomeEvent.objects.filter(pk=event.pk).update(subject_id=8)
    with pytest.raises(AppendOnlyError):
        OutcomeEvent.objects.all().delete()
    assert OutcomeEvent.objects.get().subject_id == 7


def test_recording_outside_a_transaction_is_refused(django_db_blocker):
    # pytest-django wraps each test in a transaction; leave it to see what a caller would.
    with pytest.raises(RuntimeError, match="inside the transaction"):
        transaction.get_connection().in_atomic_block = False
        try:
            outcome_record(
                name=OutcomeEvent.Name.LISTING_CLOSED, subject_type="listing", subject_id=1
            )
        finally:
            transaction.get_connection().in_atomic_block = True


def test_listeners_hear_of_an_event_inside_its_transaction(django_capture_on_commit_callbacks):
    """They record their work with the event (the outbox), so nothing waits for the commit."""
    heard = []

    def listening(*, event, **kwargs):
        heard.append(event.subject_id)

    outcome_recorded.connect(listening, weak=False)
    try:
        with django_capture_on_commit_callbacks():
            record()
            assert heard == [7]  # before the commit
    finally:
        outcome_recorded.disconnect(listening)


def test_a_failing_listener_fails_the_change_instead_of_losing_its_work():
    def failing(**kwargs):
        raise ConnectionError("a listener that calls the broker itself")

    outcome_recorded.connect(failing, weak=False)
    try:
        with pytest.raises(ConnectionError):
            record()
    finally:
        outcome_recorded.disconnect(failing)
    assert not OutcomeEvent.objects.exists()
