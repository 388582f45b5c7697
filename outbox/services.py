"""Writing Celery tasks to the outbox in the change's transaction, and relaying them to the broker.

A message is sent at least once: at once when its transaction commits, or by the periodic relay
if the broker did not take it then. A relay marks what it sent only after sending, so a relay
that dies in between leaves the message to be sent again: the tasks must be safe to run twice.
"""

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial

from celery import Task, current_app
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

# The periodic relay leaves a new message this long to the relay that its own commit starts.
RELAY_DELAY = timedelta(seconds=10)
# How long a relay holds the messages it took: if it dies, another takes them after this.
LEASE = timedelta(minutes=5)
# A message the broker refused waits this long before the next try, doubled each time.
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=10)
BATCH = 100
# One run of the periodic relay sends at most this many batches; the next run goes on.
MAX_BATCHES = 50
# Relayed messages are kept this long (to look into in the back office), then deleted.
RETENTION = timedelta(days=7)


def outbox_enqueue(task: Task, *args) -> OutboxMessage:
    """Record `task.delay(*args)` in the current transaction; it is sent once that commits.

    Must run inside the transaction of the change (the message commits or rolls back with it).
    The arguments must be JSON values (ids, not objects). A broker outage never reaches the
    caller: what could not be sent is sent later by relay_outbox.
    """
    (message,) = outbox_enqueue_many(task, args_list=[args])
    return message


def outbox_enqueue_many(task: Task, *, args_list: Iterable[Sequence]) -> list[OutboxMessage]:
    """outbox_enqueue for each tuple of arguments, in one insert."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_enqueue must run inside the transaction of the change")
    now = timezone.now()
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            task=task.name, args=list(args), created_at=now, available_at=now + RELAY_DELAY
        )
        for args in args_list
    )
    if messages:
        transaction.on_commit(partial(_relay_committed, [message.pk for message in messages]))
    return messages


def _relay_committed(message_ids: list[int]) -> None:
    """Send the messages a transaction just committed. Never raises: the request that made the
    change has succeeded, and whatever is left the periodic relay sends."""
    try:
        claimable = OutboxMessage.objects.filter(
            pk__in=message_ids, relayed_at__isnull=True, claim__isnull=True
        )
        _relay_claimable(claimable, ids=message_ids, now=timezone.now())
    except Exception:
        logger.exception("Relaying outbox messages %s failed; relay_outbox retries", message_ids)


def outbox_relay(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Send the pending messages that are due, batch after batch; returns how many were sent.

    Stops at the first message the broker refuses (the others would wait on it as well); that
    one is tried again after a back-off, the rest at the next run. Two relays running at once
    never both send a message: each claims its batch with a conditional UPDATE.
    """
    relayed = 0
    for _batch in range(MAX_BATCHES):
        moment = now or timezone.now()
        sent, taken, broker_down = _relay_batch(
            Q(available_at__lte=moment), limit=batch, now=moment
        )
        relayed += sent
        if broker_down or taken == 0:
            break
    return relayed


def outbox_prune(*, now: datetime | None = None) -> int:
    """Delete messages relayed more than RETENTION ago; returns how many."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _ = OutboxMessage.objects.filter(relayed_at__lt=cutoff).delete()
    return deleted


def _retry_delay(failures: int) -> timedelta:
    return min(RETRY_BASE * 2 ** (failures - 1), RETRY_MAX)


def _task(name: str) -> Task:
    if name not in current_app.tasks:
        # Celery imports the apps' task modules lazily; a worker or beat has them from the start.
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def _relay_batch(condition: Q, *, limit: int, now: datetime) -> tuple[int, int, bool]:
    """Send up to `limit` pending messages matching `condition`, oldest due first.

    Returns (sent, taken: how many were looked at, broker_down).
    """
    pending = OutboxMessage.objects.filter(condition, relayed_at__isnull=True)
    ids = list(pending.order_by("available_at", "id").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0, 0, False
    sent, broker_down = _relay_claimable(pending.filter(pk__in=ids), ids=ids, now=now)
    return sent, len(ids), broker_down


def _relay_claimable(
    claimable: QuerySet[OutboxMessage], *, ids: list[int], now: datetime
) -> tuple[int, bool]:
    """Claim the messages of `claimable` (among `ids`), send them, mark those sent.

    The claim is one conditional UPDATE: of two relays after the same message, the database
    lets one win. Returns (sent, broker_down: whether it stopped because the broker refused).
    """
    token = uuid.uuid4()
    claimable.update(claim=token, available_at=now + LEASE)
    mine = OutboxMessage.objects.filter(pk__in=ids, claim=token)
    claimed = list(mine.order_by("id"))
    sent, failed = [], 0
    broker_down = False
    for message in claimed:
        try:
            task = _task(message.task)
        except Exception as error:
            _record_failure(message, token, error)
            failed += 1
            continue
        try:
            task.delay(*message.args)
        except Exception as error:
            _record_failure(message, token, error)
            failed += 1
            # Eager (no broker) the task ran here and failed alone; otherwise the broker is out
            # and the next messages would only wait on it too.
            if not task.app.conf.task_always_eager:
                broker_down = True
                break
        else:
            sent.append(message.pk)
    if sent:
        mine.filter(pk__in=sent).update(relayed_at=timezone.now(), claim=None, last_error="")
    if len(sent) + failed < len(claimed):
        # Left untried after a broker failure: back as they were, for the next run.
        mine.update(claim=None, available_at=now)
    return len(sent), broker_down


def _record_failure(message: OutboxMessage, token: uuid.UUID, error: Exception) -> None:
    failures = message.attempts + 1
    logger.warning(
        "Could not relay outbox message %s (%s%s); it is tried again later",
        message.pk,
        message.task,
        tuple(message.args),
        exc_info=error,
    )
    OutboxMessage.objects.filter(pk=message.pk, claim=token).update(
        claim=None,
        attempts=F("attempts") + 1,
        available_at=timezone.now() + _retry_delay(failures),
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
