"""A hand-made history written through outcome_record, as the services write it, with the clock
set for each event: five needs, four deals (one without a need), a registration verified then
rejected, a lost deal and a terminated one. The figures it must give are worked out by hand in
test_funnel.py."""

from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from organizations.models import Organization
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_record
from tests.factories import (
    HANGZHOU,
    NINGBO,
    SHENZHEN,
    OrganizationFactory,
    cast_staff,
    direction,
    region,
)

N = OutcomeEvent.Name
T0 = datetime(2025, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def clock(monkeypatch):
    """clock(days) sets the time the next events happen at: T0 plus that many days."""
    moment = {"now": T0}
    monkeypatch.setattr(
        OutcomeEvent._meta.get_field("occurred_at"), "_get_default", lambda: moment["now"]
    )

    def set_day(days):
        moment["now"] = T0 + timedelta(days=days)

    return set_day


class Recorder:
    def __init__(self, clock):
        self.clock = clock

    def __call__(self, day, name, subject_type, subject_id, **kwargs):
        self.clock(day)
        with transaction.atomic():
            return outcome_record(
                name=name, subject_type=subject_type, subject_id=subject_id, **kwargs
            )

    def publish(self, day, need_id, organization, *, field_id, kind="need"):
        return self(
            day,
            N.LISTING_PUBLISHED,
            "listing",
            need_id,
            organization=organization,
            region_id=organization.region_id,
            field_id=field_id,
            data={"kind": kind},
        )

    def match(self, day, name, match_id, need_id, organization, *, actor=None, **data):
        return self(
            day,
            name,
            "match",
            match_id,
            actor=actor,
            organization=organization,
            region_id=organization.region_id,
            data={"need": need_id, "supply": "achievement:1", **data},
        )

    def deal(self, day, name, deal_id, *, need, match, organization, to, amount=None, **data):
        return self(
            day,
            name,
            "deal",
            deal_id,
            organization=organization,
            region_id=organization.region_id,
            field_id=direction(0).pk,
            amount=amount,
            data={
                "need": need,
                "match": match,
                "conversation": None,
                "action": name.split(".")[1],
                "from": None,
                "to": to,
                **data,
            },
        )


@pytest.fixture
def history(db, clock):
    record = Recorder(clock)
    hangzhou = OrganizationFactory(region=region(HANGZHOU))
    ningbo = OrganizationFactory(region=region(NINGBO))
    shenzhen = OrganizationFactory(region=region(SHENZHEN), kind=Organization.Kind.INSTITUTION)
    supplier = OrganizationFactory(region=region(SHENZHEN), kind=Organization.Kind.INSTITUTION)
    staff = cast_staff(HANGZHOU, display_name="杭州审核员")
    field_a, field_b = direction(0).pk, direction(5).pk

    # N1 (杭州): every step, to a completed deal with a verified registration.
    record.publish(0, 101, hangzhou, field_id=field_a)
    record.match(1, N.MATCH_PROPOSED, 201, 101, hangzhou)
    record.match(3, N.MATCH_APPROVED, 201, 101, hangzhou, actor=staff)
    record.match(5, N.MATCH_ANSWERED, 201, 101, hangzhou, actor=None, answer="interested")
    record(
        6, N.CONVERSATION_OPENED, "conversation", 301, organization=hangzhou,
        counterpart=supplier, region_id=hangzhou.region_id, data={"need": 101, "match": 201},
    )  # fmt: skip
    record.deal(
        10, N.DEAL_OPENED, 401, need=101, match=201, organization=hangzhou, to="lead",
        origin="match", need_source="posted",
    )  # fmt: skip
    record.deal(12, N.DEAL_NDA, 401, need=101, match=201, organization=hangzhou, to="nda")
    record.deal(
        20, N.DEAL_SIGNED, 401, need=101, match=201, organization=supplier, to="signed",
        amount=Decimal("50.00"), contract_type="development_commissioned",
    )  # fmt: skip
    record.deal(
        22, N.DEAL_REGISTERED, 401, need=101, match=201, organization=hangzhou, to="signed",
        amount=Decimal("50.00"),
    )  # fmt: skip
    record.deal(
        25, N.DEAL_REGISTRATION_VERIFIED, 401, need=101, match=201, organization=hangzhou,
        to="registered", amount=Decimal("50.00"),
    )  # fmt: skip
    record.deal(60, N.DEAL_COMPLETED, 401, need=101, match=201, organization=hangzhou, to="done")

    # N2 (杭州): the need side says no, the supply side says "contacted"; the deal is lost.
    # A service mission collected the need.
    record.publish(0, 102, hangzhou, field_id=field_a)
    record.match(2, N.MATCH_PROPOSED, 202, 102, hangzhou)
    record.match(4, N.MATCH_APPROVED, 202, 102, hangzhou, actor=staff)
    record.match(6, N.MATCH_ANSWERED, 202, 102, hangzhou, answer="not_relevant", reason="price")
    record.match(7, N.MATCH_ANSWERED, 202, 102, supplier, answer="contacted")
    record(
        9, N.CONVERSATION_OPENED, "conversation", 302, organization=hangzhou,
        counterpart=supplier, region_id=hangzhou.region_id, data={"need": 102, "match": 202},
    )  # fmt: skip
    record.deal(
        12, N.DEAL_OPENED, 402, need=102, match=202, organization=hangzhou, to="lead",
        origin="match", need_source="mission",
    )  # fmt: skip
    record.deal(
        30, N.DEAL_LOST, 402, need=102, match=202, organization=hangzhou, to="lost",
        reason="price",
    )  # fmt: skip

    # N3 (宁波): approved automatically; signed, registration verified and then rejected. The
    # deal was opened by a challenge's award (on a need a mission collected: the award counts).
    record.publish(1, 103, ningbo, field_id=field_b)
    record.match(2, N.MATCH_PROPOSED, 203, 103, ningbo)
    record.match(2, N.MATCH_APPROVED, 203, 103, ningbo, automatically=True)
    record.match(4, N.MATCH_ANSWERED, 203, 103, ningbo, answer="interested")
    record(
        5, N.CONVERSATION_OPENED, "conversation", 303, organization=ningbo,
        counterpart=supplier, region_id=ningbo.region_id, data={"need": 103, "match": 203},
    )  # fmt: skip
    record.deal(
        6, N.DEAL_OPENED, 403, need=103, match=203, organization=ningbo, to="lead",
        origin="challenge", need_source="mission",
    )  # fmt: skip
    record.deal(
        16, N.DEAL_SIGNED, 403, need=103, match=203, organization=ningbo, to="signed",
        amount=Decimal("30.00"), contract_type="transfer",
    )  # fmt: skip
    record.deal(
        20, N.DEAL_REGISTRATION_VERIFIED, 403, need=103, match=203, organization=ningbo,
        to="registered", amount=Decimal("30.00"),
    )  # fmt: skip
    record.deal(
        21, N.DEAL_REGISTRATION_REJECTED, 403, need=103, match=203, organization=ningbo,
        to="signed",
    )  # fmt: skip

    # N4 (宁波): proposed only. N5 (深圳, an institution, April): published only.
    record.publish(1, 104, ningbo, field_id=field_b)
    record.match(5, N.MATCH_PROPOSED, 204, 104, ningbo)
    record.publish(35, 105, shenzhen, field_id=field_b)

    # A deal about an achievement (no need), overseen in 杭州: signed, then terminated.
    record.deal(
        8, N.DEAL_OPENED, 404, need=None, match=None, organization=hangzhou, to="lead",
        origin="conversation", need_source=None,
    )  # fmt: skip
    record.deal(
        15, N.DEAL_SIGNED, 404, need=None, match=None, organization=hangzhou, to="signed",
        amount=Decimal("10.00"), contract_type="service",
    )  # fmt: skip
    record.deal(
        40, N.DEAL_TERMINATED, 404, need=None, match=None, organization=hangzhou,
        to="terminated", reason="ip_terms",
    )  # fmt: skip

    # Noise the funnel must not count: an achievement published, a need never seen published.
    record.publish(3, 106, supplier, field_id=field_a, kind="achievement")
    record.match(3, N.MATCH_PROPOSED, 299, 999, hangzhou)
    record.match(4, N.MATCH_APPROVED, 299, 999, hangzhou, actor=staff)
    return SimpleNamespace(
        hangzhou=hangzhou, ningbo=ningbo, shenzhen=shenzhen, supplier=supplier, staff=staff
    )
