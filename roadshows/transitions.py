"""The roadshow's state machine as data: (status, action) → (next status, who may, checks).

roadshows.services.roadshow_transition is the only code that moves a roadshow; it looks the
step up here, checks who acts, runs the checks, then writes the status and an outcome event in
one transaction and tells those concerned (as challenges.transitions does).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roadshows.models import Roadshow, RoadshowStatus


class Who(Enum):
    HOST = "host"  # a member (or a write token) of the host organization
    SYSTEM = "system"  # a timer


class Action(StrEnum):
    PUBLISH = "publish"
    HOLD = "hold"
    CLOSE = "close"
    CANCEL = "cancel"


ACTION_LABELS = {
    Action.PUBLISH: gettext_lazy("Publish the roadshow"),
    Action.HOLD: gettext_lazy("Mark the roadshow held"),
    Action.CLOSE: gettext_lazy("Mark the roadshow held after it ended"),
    Action.CANCEL: gettext_lazy("Cancel the roadshow"),
}


def roadshow_schedule_errors(roadshow: Roadshow) -> dict:
    """What a published roadshow needs: a future slot, its link or venue, the call's deadline."""
    errors = {}
    now = timezone.now()
    if roadshow.starts_at <= now:
        errors["starts_at"] = _("The roadshow must start later than now.")
    if roadshow.ends_at <= roadshow.starts_at:
        errors["ends_at"] = _("The roadshow ends after it starts.")
    if roadshow.is_online and not roadshow.stream_url:
        errors["stream_url"] = _("An online or hybrid roadshow needs its live-stream link.")
    if roadshow.is_offline and not roadshow.venue.strip():
        errors["venue"] = _("An offline or hybrid roadshow needs its venue.")
    if roadshow.pitches_close_on > timezone.localtime(roadshow.starts_at).date():
        errors["pitches_close_on"] = _("The call for pitches closes on or before the first day.")
    return errors


def _ended(roadshow: Roadshow) -> dict:
    if roadshow.ends_at > timezone.now():
        return {"status": _("The roadshow has not ended yet; mark it held after it ends.")}
    return {}


@dataclass(frozen=True)
class Step:
    to: str
    who: Who
    event: str
    checks: tuple = ()
    needs_note: bool = False


S = RoadshowStatus

TRANSITIONS: dict[tuple[str, Action], Step] = {
    (S.DRAFT, Action.PUBLISH): Step(
        S.PUBLISHED, Who.HOST, "roadshow.published", checks=(roadshow_schedule_errors,)
    ),
    (S.PUBLISHED, Action.HOLD): Step(S.HELD, Who.HOST, "roadshow.held", checks=(_ended,)),
    (S.PUBLISHED, Action.CLOSE): Step(S.HELD, Who.SYSTEM, "roadshow.held", checks=(_ended,)),
    (S.DRAFT, Action.CANCEL): Step(S.CANCELLED, Who.HOST, "roadshow.cancelled"),
    # Presenters and attendees relied on a published roadshow: cancelling it says why.
    (S.PUBLISHED, Action.CANCEL): Step(
        S.CANCELLED, Who.HOST, "roadshow.cancelled", needs_note=True
    ),
}


def step_for(status: str, action: str) -> Step | None:
    try:
        return TRANSITIONS.get((status, Action(action)))
    except ValueError:
        return None
