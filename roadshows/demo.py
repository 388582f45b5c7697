"""Demo roadshows (路演) for `make run`: a past one with its programme, replays, one-to-one
meetings held and an accepted intent with its deal; an upcoming one open for pitches and
registration.

Everything goes through roadshows.services, with the clock set back for each step
(core.demo.demo_clock). The host is a demo society (or CAST office); the presenters are demo
organizations with published achievements or projects; the attendee is a demo enterprise.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.demo import demo_clock
from organizations.models import Membership, Organization
from organizations.selectors import actor_for
from repositories.models import Listing, ListingKind, ListingStatus
from roadshows import services
from roadshows.models import Intent, Roadshow
from roadshows.permissions import HOST_KINDS

PAST_TITLE = "长三角科技成果转化路演（秋季专场）"
UPCOMING_TITLE = "智能制造与绿色低碳技术成果线上路演暨创新大赛"


def _user(organization: Organization):
    membership = (
        Membership.objects.filter(organization=organization, status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    return membership.user if membership else None


def _actor(organization):
    return actor_for(user=_user(organization))


def _day(base: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    local = timezone.localtime(base) + timedelta(days=days)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _cast():
    """The host, two presenters (with a listing each) and an attendee enterprise, or None."""
    hosts = [
        o
        for o in Organization.objects.filter(
            status=Organization.Status.VERIFIED, kind__in=HOST_KINDS
        ).order_by("kind", "pk")
        if _user(o)
    ]
    hosts.sort(key=lambda o: o.kind != Organization.Kind.SOCIETY)
    if not hosts:
        return None
    host = hosts[0]
    listings, presenters = [], set()
    for listing in (
        Listing.objects.filter(
            kind__in=(ListingKind.ACHIEVEMENT, ListingKind.PROJECT),
            status=ListingStatus.PUBLISHED,
            organization__status=Organization.Status.VERIFIED,
        )
        .exclude(organization=host)
        .select_related("organization")
        .order_by("pk")
    ):
        if listing.organization_id in presenters or not _user(listing.organization):
            continue
        listings.append(listing)
        presenters.add(listing.organization_id)
        if len(listings) == 3:
            break
    attendee = next(
        (
            o
            for o in Organization.objects.filter(
                status=Organization.Status.VERIFIED, kind=Organization.Kind.ENTERPRISE
            )
            .exclude(pk__in=presenters | {host.pk})
            .order_by("pk")
            if _user(o)
        ),
        None,
    )
    if len(listings) < 2 or attendee is None:
        return None
    return host, listings, attendee


def _pitch(roadshow, listing, summary):
    pitch = services.pitch_submit(
        actor=_actor(listing.organization),
        roadshow=roadshow,
        organization=listing.organization,
        listing=listing,
        summary=summary,
    )
    return services.pitch_decide(actor=_actor(roadshow.host), pitch=pitch, select=True)


def _register(roadshow, attendee):
    registration = services.registration_create(
        actor=_actor(attendee), roadshow=roadshow, organization=attendee
    )
    return services.registration_decide(
        actor=_actor(roadshow.host), registration=registration, validate=True
    )


def _past(host, listings, attendee, now):
    begin = now - timedelta(days=40)
    starts, ends = _day(now, -30, 9), _day(now, -30, 17)
    with demo_clock(begin):
        roadshow = services.roadshow_save(
            actor=_actor(host),
            host=host,
            data={
                "title": PAST_TITLE,
                "theme": (
                    "集中发布高校院所可转化成果，面向长三角制造企业开展项目路演、"
                    "一对一洽谈与合作意向对接。"
                ),
                "field": listings[0].field,
                "format": "hybrid",
                "venue": "杭州未来科技城学术交流中心报告厅",
                "starts_at": starts,
                "ends_at": ends,
                "stream_url": "https://live.example.cn/roadshow/csj-2026",
                "is_competition": True,
                "pitches_close_on": (starts - timedelta(days=3)).date(),
            },
        )
        services.roadshow_transition(actor=_actor(host), roadshow=roadshow, action="publish")
    with demo_clock(begin + timedelta(days=3)):
        pitches = [
            _pitch(roadshow, listing, f"{listing.title}：技术路线、中试数据与合作方式介绍。")
            for listing in listings
        ]
        for number, pitch in enumerate(pitches):
            slot = starts + timedelta(minutes=30 * number)
            services.pitch_schedule(
                actor=_actor(host),
                pitch=pitch,
                position=number + 1,
                slot_starts_at=slot,
                slot_ends_at=slot + timedelta(minutes=25),
            )
        services.criterion_add(actor=_actor(host), roadshow=roadshow, name="技术先进性", weight=50)
        services.criterion_add(actor=_actor(host), roadshow=roadshow, name="市场前景", weight=30)
        services.criterion_add(actor=_actor(host), roadshow=roadshow, name="团队能力", weight=20)
        judge = _user(host)
        services.panel_add(actor=_actor(host), roadshow=roadshow, username=judge.username)
        _register(roadshow, attendee)
    attendee_actor = _actor(attendee)
    with demo_clock(begin + timedelta(days=5)):
        first = services.meeting_request(
            actor=attendee_actor,
            pitch=pitches[0],
            organization=attendee,
            starts_at=_day(now, -30, 14),
            ends_at=_day(now, -30, 14, 30),
            note="希望了解中试线投资规模与许可方式。",
        )
        second = services.meeting_request(
            actor=attendee_actor,
            pitch=pitches[1],
            organization=attendee,
            starts_at=_day(now, -30, 15),
            ends_at=_day(now, -30, 15, 30),
            note="关注量产一致性与供货周期。",
        )
        for meeting in (first, second):
            services.meeting_accept(actor=_actor(meeting.presenter), meeting=meeting)
    with demo_clock(ends - timedelta(minutes=30)):
        for pitch, values in zip(pitches, ((92, 85, 88), (84, 90, 80), (78, 80, 86)), strict=False):
            criteria = list(roadshow.criteria.all())
            services.pitch_score(
                actor=actor_for(user=judge),
                pitch=pitch,
                scores={c.pk: v for c, v in zip(criteria, values, strict=True)},
            )
    with demo_clock(ends + timedelta(hours=1)):
        services.roadshow_transition(actor=_actor(host), roadshow=roadshow, action="hold")
        for number, pitch in enumerate(pitches, start=1):
            services.pitch_set_replay(
                actor=_actor(host),
                pitch=pitch,
                replay_url=f"https://live.example.cn/replay/csj-2026/{number}",
            )
        for meeting in (first, second):
            services.meeting_mark_held(actor=attendee_actor, meeting=meeting)
    with demo_clock(ends + timedelta(days=2)):
        intent = services.intent_express(
            actor=attendee_actor,
            pitch=pitches[0],
            organization=attendee,
            kind=Intent.Kind.LICENSE,
            note="拟以普通许可方式引进，并在我司产线开展中试验证。",
        )
        services.intent_decide(actor=_actor(pitches[0].organization), intent=intent, accept=True)
    return roadshow


def _upcoming(host, listings, now):
    starts = _day(now, 14, 9)
    with demo_clock(now - timedelta(days=2)):
        roadshow = services.roadshow_save(
            actor=_actor(host),
            host=host,
            data={
                "title": UPCOMING_TITLE,
                "theme": (
                    "面向智能制造、节能减排与资源循环利用的技术成果征集与线上路演，设优秀项目评选。"
                ),
                "field": listings[-1].field,
                "format": "online",
                "venue": "",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=8),
                "stream_url": "https://live.example.cn/roadshow/green-2026",
                "is_competition": True,
                "pitches_close_on": (starts - timedelta(days=4)).date(),
            },
        )
        services.roadshow_transition(actor=_actor(host), roadshow=roadshow, action="publish")
        _pitch(roadshow, listings[-1], f"{listings[-1].title}：寻求示范应用与产业化合作。")
    return roadshow


def demo_roadshows_load() -> int:
    """Create the demo roadshows once (nothing when roadshows exist); returns how many there
    are."""
    if Roadshow.objects.exists():
        return Roadshow.objects.count()
    cast = _cast()
    if cast is None:
        return 0
    host, listings, attendee = cast
    now = timezone.now()
    with transaction.atomic():
        _past(host, listings, attendee, now)
        _upcoming(host, listings, now)
    return Roadshow.objects.count()
