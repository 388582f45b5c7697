"""Recording outcomes. Call outcome_record inside the transaction of the change it records."""

import logging
from decimal import Decimal
from functools import partial

from django.db import transaction

from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded

logger = logging.getLogger(__name__)


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
    """Append one event; once the transaction commits, announce it to the listeners."""
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
    transaction.on_commit(partial(_announce, event))
    return event


def _announce(event: OutcomeEvent) -> None:
    # One listener failing (a broker outage, say) must not keep the others from their work.
    for receiver, result in outcome_recorded.send_robust(sender=OutcomeEvent, event=event):
        if isinstance(result, Exception):
            logger.error("%s failed on %s", receiver, event, exc_info=result)
