"""Cases listen to the outcome log: when a deal closes, each party is asked for its feedback,
and a completed deal's case is drafted, in the closing step's transaction (rows only: the
feedback forms, the draft and the notifications' outbox messages). Deals never import this app.
"""

from django.dispatch import receiver

from cases.services import case_draft, feedback_request
from deals.models import Deal
from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded

CLOSING_EVENTS = frozenset(
    {
        OutcomeEvent.Name.DEAL_COMPLETED,
        OutcomeEvent.Name.DEAL_LOST,
        OutcomeEvent.Name.DEAL_TERMINATED,
    }
)


@receiver(outcome_recorded)
def ask_for_feedback_and_draft_the_case(*, event, **kwargs):
    if event.name not in CLOSING_EVENTS or event.subject_type != "deal":
        return
    deal = (
        Deal.objects.select_related("need", "listing", "match", "demand_party", "supply_party")
        .filter(pk=event.subject_id)
        .first()
    )
    if deal is None or not deal.is_closed:
        return
    feedback_request(deal=deal)
    if event.name == OutcomeEvent.Name.DEAL_COMPLETED:
        case_draft(deal=deal)
