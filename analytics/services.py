"""Keeping the aggregates (NeedJourney, DealJourney) true to the outcome log.

One set of rules applies an event to a need's or a deal's journey (_need_apply, _deal_apply,
_need_roll_up); the receiver of the log (journey_record_event) and the bulk rebuild
(statistics_rebuild) both go through them, in the log's order (event id), so the rows kept
current event by event are the rows a rebuild writes.

The rules, in short:
- a need's journey starts with its first `listing.published` (kind "need"); events about a
  need never seen published are ignored (the funnel is a cohort of published needs);
- each step keeps the first time it was reached;
- a deal's journey starts with any of its events; "registered" is the registration verified
  by the CAST staff (`deal.registration_verified`), and stops counting when staff reject it
  (`deal.registration_rejected`); a lost deal that resumes is no longer lost;
- the deal steps of a need (deal, signed, registered, completed, last loss) are rolled up from
  its deals' journeys.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from analytics.models import DealJourney, NeedJourney
from organizations.models import Organization
from outcomes.models import OutcomeEvent

Name = OutcomeEvent.Name
POSITIVE_ANSWERS = frozenset({"interested", "contacted"})
# Match and contact events: the need-journey column each one's first occurrence sets.
NEED_STEP_BY_EVENT = {
    Name.MATCH_PROPOSED: "proposed_at",
    Name.MATCH_APPROVED: "approved_at",
    Name.MATCH_ANSWERED: "interested_at",
    Name.CONVERSATION_OPENED: "contact_at",
}
# A deal's life (subject "deal"): every deal.* event but the parties' feedback afterwards.
DEAL_EVENTS = frozenset(
    name for name in Name.values if name.startswith("deal.") and name != "deal.feedback"
)
# What a rebuild reads: every other event leaves the aggregates as they are.
RELEVANT_EVENTS = frozenset([Name.LISTING_PUBLISHED, *NEED_STEP_BY_EVENT, *DEAL_EVENTS])
NEED_FIELDS = [field.attname for field in NeedJourney._meta.concrete_fields]
DEAL_FIELDS = [field.attname for field in DealJourney._meta.concrete_fields]
_EVENT_COLUMNS = (
    "id",
    "name",
    "occurred_at",
    "actor_id",
    "organization_id",
    "region_id",
    "field_id",
    "subject_type",
    "subject_id",
    "amount",
    "data",
)


@dataclass(frozen=True, slots=True)
class _Event:
    id: int
    name: str
    occurred_at: datetime
    actor_id: int | None
    organization_id: int | None
    region_id: int | None
    field_id: int | None
    subject_type: str
    subject_id: int
    amount: Decimal | None
    data: dict

    @classmethod
    def of(cls, event: OutcomeEvent) -> "_Event":
        return cls(*(getattr(event, column) for column in _EVENT_COLUMNS))


def _state_class(name: str, fields: list[str]) -> type:
    """A journey held in memory during a rebuild, with the model's attribute names: a model
    instance takes several times the memory, and a rebuild holds hundreds of thousands."""

    def __init__(self):
        for column in fields:
            setattr(self, column, None)

    return type(name, (), {"__slots__": tuple(fields), "__init__": __init__})


_NeedState = _state_class("_NeedState", NEED_FIELDS)
_DealState = _state_class("_DealState", DEAL_FIELDS)


def _month(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def _as_id(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _earliest(journey, column: str, moment: datetime) -> bool:
    current = getattr(journey, column)
    if current is None or moment < current:
        setattr(journey, column, moment)
        return True
    return False


def _is_need_publication(event: _Event) -> bool:
    return event.name == Name.LISTING_PUBLISHED and event.data.get("kind") == "need"


def _need_of(event: _Event) -> int | None:
    """The need a match or contact event is about, or None when it counts for no need."""
    if event.name == Name.MATCH_ANSWERED and event.data.get("answer") not in POSITIVE_ANSWERS:
        return None
    return _as_id(event.data.get("need"))


def _need_apply(journey, event: _Event, *, kind_of: Callable[[int], str]) -> list[str]:
    """Apply a publication or a match/contact event to a need's journey; the columns changed."""
    if _is_need_publication(event):
        if not _earliest(journey, "published_at", event.occurred_at):
            return []
        journey.published_month = _month(event.occurred_at)
        journey.organization_id = event.organization_id
        journey.organization_kind = kind_of(event.organization_id)
        journey.region_id = event.region_id
        journey.field_id = event.field_id
        return [
            "published_at",
            "published_month",
            "organization",
            "organization_kind",
            "region",
            "field",
        ]
    column = NEED_STEP_BY_EVENT[event.name]
    return [column] if _earliest(journey, column, event.occurred_at) else []


# A deal opened from a match or a conversation about a need collected on a mission counts as
# the mission's: the programme is what brought the need in.
MISSION_ORIGIN = "mission"


def deal_origin(data: dict) -> str:
    """A deal's origin for the funnel, from its deal.opened event's data."""
    origin = str(data.get("origin") or "")[:16]
    if data.get("need_source") == MISSION_ORIGIN and origin in ("match", "conversation"):
        return MISSION_ORIGIN
    return origin


def _deal_apply(
    journey,
    event: _Event,
    *,
    kind_of: Callable[[int], str],
    need_side: Callable[[int], tuple[int | None, str] | None],
    approver_of: Callable[[int], int | None],
) -> None:
    """Apply a deal event to a deal's journey (a new one has every column None)."""
    data = event.data
    new = journey.opened_at is None and journey.stage is None
    if journey.need_id is None:
        journey.need_id = _as_id(data.get("need"))
    if journey.match_id is None:
        journey.match_id = _as_id(data.get("match"))
    if journey.conversation_id is None:
        journey.conversation_id = _as_id(data.get("conversation"))
    if journey.region_id is None:
        journey.region_id = event.region_id
    if journey.field_id is None:
        journey.field_id = event.field_id
    if new:
        side = need_side(journey.need_id) if journey.need_id is not None else None
        if side is None:
            # A deal about supply only: its demand side, which every deal event names.
            demand_id = _as_id(data.get("demand_party")) or event.organization_id
            side = (demand_id, kind_of(demand_id))
        journey.organization_id, journey.organization_kind = side
    if journey.approved_by_id is None and journey.match_id is not None:
        journey.approved_by_id = approver_of(journey.match_id)
    if data.get("to"):
        journey.stage = str(data["to"])[:32]
    elif journey.stage is None:
        journey.stage = ""
    if _earliest(journey, "opened_at", event.occurred_at):
        journey.opened_month = _month(event.occurred_at)
    name = event.name
    if name == Name.DEAL_OPENED:
        journey.origin = deal_origin(data)
    elif name == Name.DEAL_SIGNED:
        if journey.signed_at is None or event.occurred_at < journey.signed_at:
            journey.signed_at = event.occurred_at
        if event.amount is not None:
            journey.amount = event.amount
        journey.contract_type = str(data.get("contract_type") or "")[:32]
    elif name == Name.DEAL_REGISTRATION_VERIFIED:
        if journey.registered_at is None:
            journey.registered_at = event.occurred_at
        if event.amount is not None:
            journey.amount = event.amount
    elif name == Name.DEAL_REGISTRATION_REJECTED:
        journey.registered_at = None
    elif name == Name.DEAL_COMPLETED:
        _earliest(journey, "completed_at", event.occurred_at)
    elif name == Name.DEAL_LOST:
        journey.lost_at = event.occurred_at
        journey.reason = str(data.get("reason") or "")[:32]
    elif name == Name.DEAL_TERMINATED:
        journey.terminated_at = event.occurred_at
        journey.reason = str(data.get("reason") or "")[:32]
    elif name == Name.DEAL_RESUMED and journey.lost_at is not None:
        journey.lost_at = None
        journey.reason = ""
    for column in ("organization_kind", "contract_type", "reason", "origin"):
        if getattr(journey, column) is None:
            setattr(journey, column, "")


NEED_DEAL_COLUMNS = [
    "deal_at",
    "signed_at",
    "registered_at",
    "completed_at",
    "lost_at",
    "lost_reason",
]


def _need_roll_up(journey, deals) -> None:
    """The deal steps of a need: the first of its deals to reach each, and its last loss."""

    def first(column):
        moments = [getattr(deal, column) for deal in deals if getattr(deal, column) is not None]
        return min(moments) if moments else None

    journey.deal_at = first("opened_at")
    journey.signed_at = first("signed_at")
    journey.registered_at = first("registered_at")
    journey.completed_at = first("completed_at")
    lost = [deal for deal in deals if deal.lost_at is not None]
    last = max(lost, key=lambda deal: (deal.lost_at, deal.deal_id)) if lost else None
    journey.lost_at = last.lost_at if last else None
    journey.lost_reason = last.reason if last else ""


# Incremental: one event, in its own transaction.


def _kind_from_database(organization_id: int | None) -> str:
    if organization_id is None:
        return ""
    kind = Organization.objects.filter(pk=organization_id).values_list("kind", flat=True).first()
    return kind or ""


def _need_side_from_database(need_id: int) -> tuple[int | None, str] | None:
    return (
        NeedJourney.objects.filter(pk=need_id)
        .values_list("organization_id", "organization_kind")
        .first()
    )


def _approver_from_database(match_id: int) -> int | None:
    return (
        OutcomeEvent.objects.filter(
            name=Name.MATCH_APPROVED, subject_type="match", subject_id=match_id
        )
        .order_by("id")
        .values_list("actor_id", flat=True)
        .first()
    )


def _need_roll_up_saved(need_id: int) -> None:
    journey = NeedJourney.objects.select_for_update().filter(pk=need_id).first()
    if journey is None:
        return
    _need_roll_up(journey, list(DealJourney.objects.filter(need_id=need_id)))
    journey.save(update_fields=NEED_DEAL_COLUMNS)


def journey_record_event(*, event: OutcomeEvent) -> None:
    """Bring the aggregates up to date with one new event, in the event's transaction.

    A few indexed reads and one or two row writes: cheap enough for every event. Safe to run
    twice for the same event (every rule keeps the first time or the latest state).
    """
    if event.name not in RELEVANT_EVENTS:
        return
    record = _Event.of(event)
    if record.name == Name.LISTING_PUBLISHED:
        if not _is_need_publication(record):
            return
        journey, created = NeedJourney.objects.select_for_update().get_or_create(
            need_id=record.subject_id
        )
        changed = _need_apply(journey, record, kind_of=_kind_from_database)
        if changed:
            journey.save(update_fields=changed)
        if created:
            _need_roll_up_saved(journey.need_id)
    elif record.name in NEED_STEP_BY_EVENT:
        need_id = _need_of(record)
        if need_id is None:
            return
        journey = NeedJourney.objects.select_for_update().filter(pk=need_id).first()
        if journey is None:
            return
        changed = _need_apply(journey, record, kind_of=_kind_from_database)
        if changed:
            journey.save(update_fields=changed)
    elif record.subject_type == "deal":
        deal = DealJourney.objects.select_for_update().filter(pk=record.subject_id).first()
        if deal is None:
            deal = DealJourney(deal_id=record.subject_id, **dict.fromkeys(DEAL_FIELDS[1:]))
        _deal_apply(
            deal,
            record,
            kind_of=_kind_from_database,
            need_side=_need_side_from_database,
            approver_of=_approver_from_database,
        )
        deal.save()
        if deal.need_id is not None:
            _need_roll_up_saved(deal.need_id)


# In bulk: the whole log, once.


@dataclass
class RebuildResult:
    events: int
    needs: int
    deals: int


def statistics_rebuild(*, chunk_size: int = 20_000, batch_size: int = 5_000) -> RebuildResult:
    """Recompute every aggregate from the outcome log, replacing what is there.

    Reads the log once in id order (a server-side cursor on PostgreSQL), holds the journeys
    in memory as light objects, then replaces the tables in one transaction: readers see the
    old figures until it commits. On PostgreSQL the aggregate tables are locked first, so an
    event recorded meanwhile waits and is applied on top of the rebuilt rows, not lost.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {NeedJourney._meta.db_table}, {DealJourney._meta.db_table} "
                    "IN SHARE ROW EXCLUSIVE MODE"
                )
        kinds = dict(Organization.objects.values_list("id", "kind"))
        needs: dict[int, _NeedState] = {}
        deals: dict[int, _DealState] = {}
        approvers: dict[int, int | None] = {}

        def kind_of(organization_id):
            return kinds.get(organization_id, "")

        def need_side(need_id):
            need = needs.get(need_id)
            return (need.organization_id, need.organization_kind) if need else None

        events = (
            OutcomeEvent.objects.filter(name__in=RELEVANT_EVENTS)
            .order_by("id")
            .values_list(*_EVENT_COLUMNS)
            .iterator(chunk_size=chunk_size)
        )
        count = 0
        for row in events:
            count += 1
            event = _Event(*row)
            name = event.name
            if name in DEAL_EVENTS:
                if event.subject_type != "deal":
                    continue
                deal = deals.get(event.subject_id)
                if deal is None:
                    deal = deals[event.subject_id] = _DealState()
                    deal.deal_id = event.subject_id
                _deal_apply(
                    deal,
                    event,
                    kind_of=kind_of,
                    need_side=need_side,
                    approver_of=approvers.get,
                )
                continue
            if name == Name.MATCH_APPROVED:
                approvers.setdefault(event.subject_id, event.actor_id)
            if name == Name.LISTING_PUBLISHED:
                if not _is_need_publication(event):
                    continue
                need = needs.get(event.subject_id)
                if need is None:
                    need = needs[event.subject_id] = _NeedState()
                    need.need_id = event.subject_id
                    need.organization_kind = need.lost_reason = ""
            else:
                need = needs.get(_need_of(event))
                if need is None:
                    continue
            _need_apply(need, event, kind_of=kind_of)

        by_need = defaultdict(list)
        for deal in deals.values():
            if deal.need_id is not None:
                by_need[deal.need_id].append(deal)
        for need_id, need in needs.items():
            _need_roll_up(need, by_need.get(need_id, ()))

        NeedJourney.objects.all().delete()
        DealJourney.objects.all().delete()
        _bulk_create(NeedJourney, NEED_FIELDS, needs.values(), batch_size)
        _bulk_create(DealJourney, DEAL_FIELDS, deals.values(), batch_size)
    return RebuildResult(events=count, needs=len(needs), deals=len(deals))


def _bulk_create(model, fields: list[str], states, batch_size: int) -> None:
    batch = []
    for state in states:
        batch.append(model(**{column: getattr(state, column) for column in fields}))
        if len(batch) >= batch_size:
            model.objects.bulk_create(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
