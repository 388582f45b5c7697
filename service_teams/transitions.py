"""A mission's state machine as data: (status, action) → (next status, who may, event).

service_teams.services.mission_transition is the only code that moves a mission; it looks the
step up here, checks who acts, then writes the status and an outcome event in one transaction
and tells those concerned (as challenges.transitions does).

Confirming is done by each host: the mission stays "reported" until the last host confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from django.utils.translation import gettext_lazy

from service_teams.models import MissionStatus


class Who(Enum):
    TEAM = "team"  # the team's members (or token), or its society's administrators
    HOST = "host"  # a member (or token) of one of the host enterprises
    STAFF = "staff"  # the CAST staff of the pilot city's region


class Action(StrEnum):
    REPORT = "report"
    CONFIRM = "confirm"
    VERIFY = "verify"
    REJECT = "reject"
    CANCEL = "cancel"


ACTION_LABELS = {
    Action.REPORT: gettext_lazy("Report the mission"),
    Action.CONFIRM: gettext_lazy("Confirm the visit"),
    Action.VERIFY: gettext_lazy("Verify the mission"),
    Action.REJECT: gettext_lazy("Return to the team"),
    Action.CANCEL: gettext_lazy("Cancel the mission"),
}


@dataclass(frozen=True)
class Step:
    to: str
    who: Who
    event: str
    needs_note: bool = False


S = MissionStatus
_REPORT = Step(S.REPORTED, Who.TEAM, "mission.reported")
_CANCEL = Step(S.CANCELLED, Who.TEAM, "mission.cancelled")

TRANSITIONS: dict[tuple[str, Action], Step] = {
    (S.PLANNED, Action.REPORT): _REPORT,
    (S.REJECTED, Action.REPORT): _REPORT,
    (S.REPORTED, Action.CONFIRM): Step(S.CONFIRMED, Who.HOST, "mission.confirmed"),
    (S.CONFIRMED, Action.VERIFY): Step(S.VERIFIED, Who.STAFF, "mission.verified"),
    (S.CONFIRMED, Action.REJECT): Step(S.REJECTED, Who.STAFF, "mission.rejected", needs_note=True),
    (S.PLANNED, Action.CANCEL): _CANCEL,
    (S.REJECTED, Action.CANCEL): _CANCEL,
}


def step_for(status: str, action: str) -> Step | None:
    try:
        return TRANSITIONS.get((status, Action(action)))
    except ValueError:
        return None
