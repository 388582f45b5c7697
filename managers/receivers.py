"""Managers listen to the outcome log: a verified registration computes the commission due to
the managers who brokered the deal, in the verifying step's transaction. Deals never import
this app."""

from django.dispatch import receiver

from deals.models import Deal
from managers.services import commissions_compute
from outcomes.models import OutcomeEvent
from outcomes.signals import outcome_recorded


@receiver(outcome_recorded)
def compute_commissions(*, event, **kwargs):
    if event.name != OutcomeEvent.Name.DEAL_REGISTRATION_VERIFIED or event.subject_type != "deal":
        return
    deal = Deal.objects.filter(pk=event.subject_id).first()
    if deal is not None:
        commissions_compute(deal=deal)
