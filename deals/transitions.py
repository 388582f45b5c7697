"""The deal's state machine as data: (stage, action) → (next stage, who may, checks).

deals.services.deal_transition is the only code that moves a deal; it looks the step up here,
checks who acts, runs the checks, then writes the stage, a history row and an outcome event in
one transaction and tells the other party. A table a person can read beats a library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum, StrEnum

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deals.models import Contract, Deal, Milestone, Stage
from outcomes.models import OutcomeEvent


class Who(Enum):
    PARTY = "party"  # a member (or API token) of either party
    STAFF = "staff"  # the CAST staff of the deal's region
    SYSTEM = "system"  # a timer


class Action(StrEnum):
    PROPOSE_NDA = "propose_nda"
    ACCEPT_NDA = "accept_nda"
    NEGOTIATE = "negotiate"
    SIGN = "sign"
    REGISTER = "register"
    VERIFY_REGISTRATION = "verify_registration"
    REJECT_REGISTRATION = "reject_registration"
    START = "start"
    COMPLETE = "complete"
    LOSE = "lose"
    TERMINATE = "terminate"
    GO_DORMANT = "go_dormant"
    RESUME = "resume"


ACTION_LABELS = {
    Action.PROPOSE_NDA: gettext_lazy("Propose a confidentiality agreement"),
    Action.ACCEPT_NDA: gettext_lazy("Accept the confidentiality agreement"),
    Action.NEGOTIATE: gettext_lazy("Start negotiating"),
    Action.SIGN: gettext_lazy("Confirm the contract is signed"),
    Action.REGISTER: gettext_lazy("Enter the contract registration"),
    Action.VERIFY_REGISTRATION: gettext_lazy("Verify the registration"),
    Action.REJECT_REGISTRATION: gettext_lazy("Reject the registration"),
    Action.START: gettext_lazy("Start executing the contract"),
    Action.COMPLETE: gettext_lazy("Confirm the contract is fulfilled"),
    Action.LOSE: gettext_lazy("Close as lost"),
    Action.TERMINATE: gettext_lazy("Terminate the contract"),
    Action.GO_DORMANT: gettext_lazy("Mark dormant"),
    Action.RESUME: gettext_lazy("Resume"),
}

# `to` of a step that returns the deal to where it was before it fell dormant.
PREVIOUS_STAGE = "previous"


def _contract_complete(deal: Deal) -> dict:
    contract = Contract.objects.filter(deal=deal).first()
    if contract is None:
        return {"contract": _("Record the contract's type, amounts and payment terms first.")}
    errors = {}
    if contract.signed_on is None:
        errors["signed_on"] = _("Enter the date the contract was signed.")
    elif contract.signed_on > timezone.localdate():
        errors["signed_on"] = _("The signing date cannot be in the future.")
    return errors


def _registration_entered(deal: Deal) -> dict:
    contract = Contract.objects.filter(deal=deal).first()
    errors = {}
    if contract is None or not contract.registration_number:
        errors["registration_number"] = _("Enter the registration number.")
    if contract is None or contract.registered_on is None:
        errors["registered_on"] = _("Enter the date of registration.")
    elif contract.registered_on > timezone.localdate():
        errors["registered_on"] = _("The registration date cannot be in the future.")
    if contract is not None and contract.registration_status in (
        Contract.Registration.PENDING,
        Contract.Registration.VERIFIED,
    ):
        errors["registration_number"] = _("The registration has already been entered.")
    return errors


def _registration_pending(deal: Deal) -> dict:
    contract = Contract.objects.filter(deal=deal).first()
    if contract is None or contract.registration_status != Contract.Registration.PENDING:
        return {"registration_number": _("There is no registration awaiting verification.")}
    return {}


def _milestones_accepted(deal: Deal) -> dict:
    open_count = Milestone.objects.filter(deal=deal).exclude(status=Milestone.Status.ACCEPTED)
    if open_count.exists():
        return {"milestones": _("Every milestone must be accepted before the deal completes.")}
    return {}


def _quiet_long_enough(deal: Deal) -> dict:
    """No step, document or message (in the deal's conversation) for DEAL_DORMANT_AFTER_DAYS."""
    quiet_since = timezone.now() - timedelta(days=settings.DEAL_DORMANT_AFTER_DAYS)
    last_message_at = deal.conversation.last_message_at
    if deal.last_activity_at > quiet_since or (last_message_at and last_message_at > quiet_since):
        return {"stage": _("The deal has had activity recently.")}
    return {}


@dataclass(frozen=True)
class Step:
    to: str | None  # None: the stage stays (a check by the staff, a registration entered later)
    who: Who
    event: str
    # Both parties must take it before the stage moves: each one's yes is a Confirmation.
    both: bool = False
    checks: tuple = ()
    # What the actor must give: a coded reason, a note.
    needs_reason: bool = False
    needs_note: bool = False


_E = OutcomeEvent.Name
_LOSE = Step(Stage.LOST, Who.PARTY, _E.DEAL_LOST, needs_reason=True)
_TERMINATE = Step(
    Stage.TERMINATED, Who.PARTY, _E.DEAL_TERMINATED, needs_reason=True, needs_note=True
)
_DORMANT = Step(Stage.DORMANT, Who.SYSTEM, _E.DEAL_DORMANT, checks=(_quiet_long_enough,))
_START = Step(Stage.EXECUTING, Who.PARTY, _E.DEAL_EXECUTING)
_VERIFY = Step(None, Who.STAFF, _E.DEAL_REGISTRATION_VERIFIED, checks=(_registration_pending,))
_REJECT = Step(
    None, Who.STAFF, _E.DEAL_REGISTRATION_REJECTED, checks=(_registration_pending,), needs_note=True
)

TRANSITIONS: dict[tuple[str, Action], Step] = {
    (Stage.LEAD, Action.PROPOSE_NDA): Step(Stage.NDA, Who.PARTY, _E.DEAL_NDA),
    (Stage.LEAD, Action.NEGOTIATE): Step(Stage.NEGOTIATION, Who.PARTY, _E.DEAL_NEGOTIATION),
    (Stage.LEAD, Action.LOSE): _LOSE,
    (Stage.LEAD, Action.GO_DORMANT): _DORMANT,
    (Stage.NDA, Action.ACCEPT_NDA): Step(
        Stage.NEGOTIATION, Who.PARTY, _E.DEAL_NEGOTIATION, both=True
    ),
    (Stage.NDA, Action.LOSE): _LOSE,
    (Stage.NDA, Action.GO_DORMANT): _DORMANT,
    (Stage.NEGOTIATION, Action.SIGN): Step(
        Stage.SIGNED, Who.PARTY, _E.DEAL_SIGNED, both=True, checks=(_contract_complete,)
    ),
    (Stage.NEGOTIATION, Action.LOSE): _LOSE,
    (Stage.NEGOTIATION, Action.GO_DORMANT): _DORMANT,
    (Stage.SIGNED, Action.REGISTER): Step(
        Stage.REGISTERED, Who.PARTY, _E.DEAL_REGISTERED, checks=(_registration_entered,)
    ),
    (Stage.SIGNED, Action.START): _START,
    (Stage.SIGNED, Action.TERMINATE): _TERMINATE,
    (Stage.REGISTERED, Action.VERIFY_REGISTRATION): _VERIFY,
    # A registration the staff cannot verify sends the deal back to be registered again.
    (Stage.REGISTERED, Action.REJECT_REGISTRATION): Step(
        Stage.SIGNED,
        Who.STAFF,
        _E.DEAL_REGISTRATION_REJECTED,
        checks=(_registration_pending,),
        needs_note=True,
    ),
    (Stage.REGISTERED, Action.START): _START,
    (Stage.REGISTERED, Action.TERMINATE): _TERMINATE,
    # Contracts are often registered once executing; the stage then stays.
    (Stage.EXECUTING, Action.REGISTER): Step(
        None, Who.PARTY, _E.DEAL_REGISTERED, checks=(_registration_entered,)
    ),
    (Stage.EXECUTING, Action.VERIFY_REGISTRATION): _VERIFY,
    (Stage.EXECUTING, Action.REJECT_REGISTRATION): _REJECT,
    (Stage.EXECUTING, Action.COMPLETE): Step(
        Stage.COMPLETED, Who.PARTY, _E.DEAL_COMPLETED, both=True, checks=(_milestones_accepted,)
    ),
    (Stage.EXECUTING, Action.TERMINATE): _TERMINATE,
    (Stage.COMPLETED, Action.VERIFY_REGISTRATION): _VERIFY,
    (Stage.COMPLETED, Action.REJECT_REGISTRATION): _REJECT,
    (Stage.DORMANT, Action.RESUME): Step(PREVIOUS_STAGE, Who.PARTY, _E.DEAL_RESUMED),
    (Stage.DORMANT, Action.LOSE): _LOSE,
}


def step_for(stage: str, action: str) -> Step | None:
    try:
        return TRANSITIONS.get((stage, Action(action)))
    except ValueError:
        return None


def actions_from(stage: str, who: Who) -> list[Action]:
    """What `who` can do at `stage`, in the table's order."""
    return [
        action
        for (from_stage, action), step in TRANSITIONS.items()
        if from_stage == stage and step.who == who
    ]
