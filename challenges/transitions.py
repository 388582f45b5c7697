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


ACTION_LABELS = {
    Action.SUBMIT: gettext_lazy("Submit for vetting"),
    Action.PUBLISH: gettext_lazy("Publish the challenge"),
    Action.RETURN: gettext_lazy("Return for changes"),
    Action.CLOSE: gettext_lazy("Close applications"),
    Action.EXPIRE: gettext_lazy("Close applications at the deadline"),
    Action.CANCEL: gettext_lazy("Cancel the challenge"),
}


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


@dataclass(frozen=True)
class Step:
    to: str
    who: Who
    event: str
    checks: tuple = ()
    needs_note: bool = False


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
}


def step_for(status: str, action: str) -> Step | None:
    try:
        return TRANSITIONS.get((status, Action(action)))
    except ValueError:
        return None
