"""Recording outcomes. Call outcome_record inside the transaction of the change it records."""

from decimal import Decimal

from django.db import transaction

from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded


def outcome_record(
    *,
    name: str,
    subject_type: str,
    subject_id: int,
    actor=None,
    organization=None,
    counterpart=None,
    region_id: int | None = None,
    field_id: int | None = None,
    amount: Decimal | None = None,
    data: dict | None = None,
) -> OutcomeEvent:
    """Append one event and announce it to the listeners, inside the transaction.

    The listeners write their work (outbox messages, webhook deliveries) in this transaction
    too, so a change that commits always has its work recorded and one that rolls back has
    none. A listener that fails fails the change: that is a bug to see, not to log and forget.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outcome_record must run inside the transaction of the change")
    event = OutcomeEvent.objects.create(
        name=name,
        subject_type=subject_type,
        subject_id=subject_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        organization=organization,
        counterpart=counterpart,
        region_id=region_id,
        field_id=field_id,
        amount=amount,
        data=data or {},
    )
    outcome_recorded.send(sender=OutcomeEvent, event=event)
    return event
