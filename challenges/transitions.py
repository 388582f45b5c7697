"""The challenge's state machine as data: (status, action) → (next status, who may, checks).

challenges.services.challenge_transition is the only code that moves a challenge; it looks the
step up here, checks who acts, runs the checks, then writes the status and an outcome event in
one transaction and tells those concerned (as orders.transitions and deals.transitions do).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from challenges.models import Challenge, ChallengeStatus


class Who(Enum):
    SPONSOR = "sponsor"  # a member (or a write token) of the sponsoring organization
    VETTER = "vetter"  # the CAST staff who vet the challenge (challenges.permissions)
    SYSTEM = "system"  # a timer


class Action(StrEnum):
    SUBMIT = "submit"
    PUBLISH = "publish"
    RETURN = "return"
    CLOSE = "close"
    EXPIRE = "expire"
    CANCEL = "cancel"
    START_REVIEW = "start_review"
    AWARD = "award"
    COSIGN = "cosign"
    COMPLETE = "complete"


ACTION_LABELS = {
    Action.SUBMIT: gettext_lazy("Submit for vetting"),
    Action.PUBLISH: gettext_lazy("Publish the challenge"),
    Action.RETURN: gettext_lazy("Return for changes"),
    Action.CLOSE: gettext_lazy("Close applications"),
    Action.EXPIRE: gettext_lazy("Close applications at the deadline"),
    Action.CANCEL: gettext_lazy("Cancel the challenge"),
    Action.START_REVIEW: gettext_lazy("Start the panel's review"),
    Action.AWARD: gettext_lazy("Award the challenge"),
    Action.COSIGN: gettext_lazy("Co-sign the award"),
    Action.COMPLETE: gettext_lazy("Complete the challenge"),
}
# Steps with their own form (the award's winners and reasons): not offered as a bare button.
FORM_ACTIONS = frozenset({Action.AWARD})


def _complete(challenge: Challenge) -> dict:
    """What vetting needs: indicators, and deadlines still ahead."""
    errors = {}
    if not challenge.indicators.exists():
        errors["indicators"] = _("Add at least one target indicator.")
    today = timezone.localdate()
    if challenge.applications_close_on <= today:
        errors["applications_close_on"] = _(
            "Applications must close after today; choose a later date."
        )
    if challenge.decision_by < challenge.applications_close_on:
        errors["decision_by"] = _("The decision comes on or after the day applications close.")
    return errors


def _deadline_passed(challenge: Challenge) -> dict:
    if challenge.applications_close_on >= timezone.localdate():
        return {"status": _("Applications are still open until their closing day.")}
    return {}


def _panel_seated(challenge: Challenge) -> dict:
    if not challenge.panel.exists():
        return {"panel": _("Seat at least one panel member first.")}
    if not challenge.applications.filter(status="submitted").exists():
        return {"status": _("There is no application to review.")}
    return {}


def _decided(challenge: Challenge) -> dict:
    """The award: at least one winner, and no application left without a decision (every
    one not awarded is declined with a reason)."""
    errors = {}
    if not challenge.applications.filter(status="awarded").exists():
        errors["winners"] = _("Choose at least one winner.")
    undecided = challenge.applications.filter(status="submitted").count()
    if undecided:
        errors["decline_reason"] = _(
            "%(count)d application(s) have neither been awarded nor declined with a reason."
        ) % {"count": undecided}
    return errors


def _deals_completed(challenge: Challenge) -> dict:
    winners = challenge.applications.filter(status="awarded")
    if not winners.exists() or winners.exclude(deal__stage="completed").exists():
        return {"status": _("Every winner's deal must be completed first.")}
    return {}


@dataclass(frozen=True)
class Step:
    to: str
    who: Who
    event: str  # the outcome recorded; "" records none (no outcome name for it yet)
    checks: tuple = ()
    needs_note: bool = False
    # Where a government list goes instead (the award waits for the CAST co-signature).
    government_to: str | None = None

    def target(self, challenge: Challenge) -> str:
        if challenge.government_list and self.government_to:
            return self.government_to
        return self.to


S = ChallengeStatus
_SUBMIT = Step(S.SUBMITTED, Who.SPONSOR, "challenge.submitted", checks=(_complete,))
_CANCEL = Step(S.CANCELLED, Who.SPONSOR, "challenge.cancelled")

TRANSITIONS: dict[tuple[str, Action], Step] = {
    (S.DRAFT, Action.SUBMIT): _SUBMIT,
    (S.RETURNED, Action.SUBMIT): _SUBMIT,
    (S.SUBMITTED, Action.PUBLISH): Step(
        S.PUBLISHED, Who.VETTER, "challenge.published", checks=(_complete,)
    ),
    (S.SUBMITTED, Action.RETURN): Step(
        S.RETURNED, Who.VETTER, "challenge.returned", needs_note=True
    ),
    (S.PUBLISHED, Action.CLOSE): Step(S.CLOSED, Who.SPONSOR, "challenge.closed"),
    (S.PUBLISHED, Action.EXPIRE): Step(
        S.CLOSED, Who.SYSTEM, "challenge.closed", checks=(_deadline_passed,)
    ),
    (S.DRAFT, Action.CANCEL): _CANCEL,
    (S.RETURNED, Action.CANCEL): _CANCEL,
    (S.SUBMITTED, Action.CANCEL): _CANCEL,
    # Applicants relied on an open challenge: cancelling it says why.
    (S.PUBLISHED, Action.CANCEL): Step(
        S.CANCELLED, Who.SPONSOR, "challenge.cancelled", needs_note=True
    ),
    (S.CLOSED, Action.START_REVIEW): Step(S.REVIEWING, Who.SPONSOR, "", checks=(_panel_seated,)),
    # challenges.services.challenge_award decides the applications, then takes this step.
    (S.REVIEWING, Action.AWARD): Step(
        S.AWARDED,
        Who.SPONSOR,
        "challenge.awarded",
        checks=(_decided,),
        government_to=S.COSIGNING,
    ),
    (S.COSIGNING, Action.COSIGN): Step(S.AWARDED, Who.VETTER, "challenge.cosigned"),
    (S.AWARDED, Action.COMPLETE): Step(
        S.COMPLETED, Who.SYSTEM, "challenge.completed", checks=(_deals_completed,)
    ),
}


def step_for(status: str, action: str) -> Step | None:
    try:
        return TRANSITIONS.get((status, Action(action)))
    except ValueError:
        return None
