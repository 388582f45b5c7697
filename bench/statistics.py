"""The statistics at national size: rebuilding the aggregates from a million outcome events, and
the dashboard's queries over them.

    eval "$(scripts/services.sh)"
    .venv/bin/python -m bench.statistics [--events 1000000] [--needs 150000] [--repeat 15]

Works in its own PostgreSQL database, `techbridge_statistics` beside DATABASE_URL's (dropped and
made again unless --keep finds one of the asked size), migrated here. The outcome log is filled
with synthetic events written straight into the table (bulk INSERTs, not through the services),
shaped like a funnel over needs published across 24 months (until `--events` are written, at
most `--needs` needs), every region and field: 80 % get proposals, half an approved match (a
third of those automatically), answers, a quarter contact, a tenth a deal that goes on to be
signed, registered (some registrations rejected), executed with milestones, completed, lost
with a reason or terminated; and deals about
achievements without a need. Then it measures:

- `rebuild_statistics` over the whole log (wall time, events per second);
- p50 / p95 of each dashboard query (analytics.selectors) for the whole platform, a province,
  a city, a field and a range of months;
- p50 / p95 of GET /api/v1/statistics/funnel/ (anonymous and a province's staff) and of the
  whole staff dashboard page, through Django's test client (no network, no server);

prints them with the CPU line and writes bench/out/statistics.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

OUT = Path(__file__).resolve().parent / "out"
PG_DATABASE = "techbridge_statistics"
CHUNK = 10_000
MONTHS = 24
REASONS = [
    "not_our_field",
    "too_early",
    "benefit_unclear",
    "commercial_route_unclear",
    "price",
    "ip_terms",
    "scale_up_risk",
    "partner_unresponsive",
    "found_elsewhere",
    "budget",
    "region",
    "other",
]
CONTRACT_TYPES = ["development_commissioned", "development_cooperative", "transfer", "licence"]
KINDS = [("enterprise", 0.7), ("institution", 0.2), ("society", 0.05), ("investor", 0.05)]


def _setup(options):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit('Needs PostgreSQL: eval "$(scripts/services.sh)" first.')
    target = urlunsplit(urlsplit(url)._replace(path=f"/{PG_DATABASE}"))
    fresh = not options.keep
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE])
        exists = cursor.fetchone() is not None
        if fresh or not exists:
            cursor.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            cursor.execute(f"CREATE DATABASE {PG_DATABASE}")
            # Short queries on few cores: parallel workers cost more to start than they save.
            cursor.execute(f"ALTER DATABASE {PG_DATABASE} SET max_parallel_workers_per_gather = 0")
            fresh = True
    connection.close()
    os.environ.update(
        DATABASE_URL=target,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY="statistics-bench",
        API_THROTTLE_ANON="1000000/minute",
        API_THROTTLE_USER="1000000/minute",
        LOG_LEVEL="WARNING",
        WEBHOOK_DELIVERY="false",
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CACHE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return fresh


def _pick(weighted, rng):
    roll, total = rng.random(), 0.0
    for value, share in weighted:
        total += share
        if roll < total:
            return value
    return weighted[-1][0]


def generate(options) -> dict:
    """Organizations, staff and the outcome log; returns what was made."""
    from django.db import connection

    from accounts.models import User
    from organizations.models import Membership, Organization
    from outcomes.models import OutcomeEvent
    from taxonomy.models import Field, Region

    N = OutcomeEvent.Name
    rng = random.Random(20250301)
    cities = list(Region.objects.filter(level=Region.Level.CITY).values_list("id", flat=True))
    provinces = list(
        Region.objects.filter(level=Region.Level.PROVINCE).values_list("id", flat=True)
    )
    regions = cities + provinces[:5]
    directions = list(Field.objects.filter(level=3).values_list("id", flat=True))
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"基准机构{index}",
            kind=_pick(KINDS, rng),
            region_id=regions[index % len(regions)],
            contact_name="测试",
            contact_phone="13800000000",
            status=Organization.Status.VERIFIED,
        )
        for index in range(options.needs // 50)
    )
    offices = Organization.objects.bulk_create(
        Organization(
            name=f"科协{region_id}",
            kind=Organization.Kind.CAST_OFFICE,
            region_id=region_id,
            contact_name="科协",
            contact_phone="13800000000",
            status=Organization.Status.VERIFIED,
        )
        for region_id in provinces + cities
    )
    staff = User.objects.bulk_create(
        User(username=f"staff{office.region_id}", password="!") for office in offices
    )
    Membership.objects.bulk_create(
        Membership(user=user, organization=office, role=Membership.Role.MEMBER)
        for user, office in zip(staff, offices, strict=True)
    )
    staff_of_region = {
        office.region_id: user.pk for user, office in zip(staff, offices, strict=True)
    }
    parent = dict(Region.objects.values_list("id", "parent_id"))
    suppliers = [org for org in organizations if org.kind == "institution"] or organizations
    start = datetime(2023, 1, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
    span = timedelta(days=MONTHS * 30.4)
    batch: list = []
    made = {"events": 0, "needs": 0, "deals": 0}
    ids = {"match": 0, "conversation": 0, "deal": 0, "listing": 0}

    def next_id(kind):
        ids[kind] += 1
        return ids[kind]

    def emit(name, subject_type, subject_id, when, org, counterpart=None, *, region_id,
             field_id, actor_id=None, amount=None, data=None):  # fmt: skip
        batch.append(
            OutcomeEvent(
                name=name,
                subject_type=subject_type,
                subject_id=subject_id,
                occurred_at=when,
                actor_id=actor_id,
                organization_id=org.pk,
                counterpart_id=counterpart.pk if counterpart else None,
                region_id=region_id,
                field_id=field_id,
                amount=amount,
                data=data or {},
            )
        )
        made["events"] += 1
        if len(batch) >= CHUNK:
            OutcomeEvent.objects.bulk_create(batch)
            batch.clear()

    def later(when, low, high):
        return when + timedelta(days=rng.uniform(low, high))

    def deal_life(when, need_id, match_id, conversation_id, org, other, region_id, field_id):
        deal_id = next_id("deal")
        made["deals"] += 1

        def deal_event(name, moment, to, source=None, amount=None, **extra):
            emit(
                name, "deal", deal_id, moment, org, other, region_id=region_id,
                field_id=field_id, amount=amount,
                data={"need": need_id, "match": match_id, "conversation": conversation_id,
                      "action": name.split(".")[1], "from": source, "to": to, **extra},
            )  # fmt: skip

        when = later(when, 1, 20)
        deal_event(N.DEAL_OPENED, when, "lead")
        when = later(when, 3, 30)
        deal_event(N.DEAL_NDA, when, "nda", "lead")
        roll = rng.random()
        if roll < 0.3:
            deal_event(N.DEAL_LOST, later(when, 5, 60), "lost", "nda", reason=rng.choice(REASONS))
            return
        when = later(when, 5, 40)
        deal_event(N.DEAL_NEGOTIATION, when, "negotiation", "nda")
        if roll < 0.5:
            deal_event(
                N.DEAL_LOST, later(when, 5, 60), "lost", "negotiation",
                reason=rng.choice(REASONS),
            )  # fmt: skip
            return
        amount = Decimal(rng.randint(5, 5000))
        when = later(when, 10, 90)
        deal_event(N.DEAL_CONFIRMED, when, "negotiation", "negotiation")
        deal_event(
            N.DEAL_SIGNED, later(when, 0, 5), "signed", "negotiation", amount=amount,
            contract_type=rng.choice(CONTRACT_TYPES),
        )  # fmt: skip
        when = later(when, 5, 30)
        deal_event(N.DEAL_REGISTERED, when, "signed", "signed", amount=amount)
        when = later(when, 3, 20)
        if rng.random() < 0.1:
            deal_event(N.DEAL_REGISTRATION_REJECTED, when, "signed", "signed")
            return
        deal_event(N.DEAL_REGISTRATION_VERIFIED, when, "registered", "signed", amount=amount)
        when = later(when, 3, 30)
        deal_event(N.DEAL_EXECUTING, when, "executing", "registered")
        for _milestone in range(rng.randint(1, 3)):
            when = later(when, 10, 60)
            deal_event(N.DEAL_MILESTONE_DELIVERED, when, "executing", "executing")
            deal_event(N.DEAL_MILESTONE_ACCEPTED, later(when, 1, 10), "executing", "executing")
        if rng.random() < 0.1:
            deal_event(
                N.DEAL_TERMINATED, later(when, 10, 60), "terminated", "executing",
                reason=rng.choice(REASONS),
            )  # fmt: skip
            return
        deal_event(N.DEAL_COMPLETED, later(when, 10, 60), "completed", "executing")

    need = 0
    while made["events"] < options.events:
        need += 1
        if need > options.needs:
            break
        owner = organizations[rng.randrange(len(organizations))]
        need_id = next_id("listing")
        region_id, field_id = owner.region_id, rng.choice(directions)
        province = parent.get(region_id) or region_id
        reviewer = staff_of_region.get(region_id) or staff_of_region.get(province)
        when = start + span * rng.random() ** 0.8
        emit(
            N.LISTING_PUBLISHED, "listing", need_id, when, owner, region_id=region_id,
            field_id=field_id, data={"kind": "need"},
        )  # fmt: skip
        made["needs"] += 1
        if rng.random() < 0.2:
            continue
        matches = []
        for _rank in range(3):
            match_id = next_id("match")
            supplier = suppliers[rng.randrange(len(suppliers))]
            moment = later(when, 0, 3)
            emit(
                N.MATCH_PROPOSED, "match", match_id, moment, owner, supplier,
                region_id=region_id, field_id=field_id,
                data={"need": need_id, "supply": f"achievement:{match_id}"},
            )  # fmt: skip
            matches.append((match_id, supplier, moment))
        if rng.random() < 0.5:
            continue
        for match_id, supplier, moment in matches[: rng.randint(1, 2)]:
            automatic = rng.random() < 0.33
            moment = later(moment, 0, 1 if automatic else 10)
            emit(
                N.MATCH_APPROVED, "match", match_id, moment, owner, supplier,
                region_id=region_id, field_id=field_id,
                actor_id=None if automatic else reviewer,
                data={"need": need_id, "automatically": automatic},
            )  # fmt: skip
            interested = rng.random() < 0.5
            answer_at = later(moment, 0, 14)
            for side, other in ((owner, supplier), (supplier, owner)):
                answer = "interested" if interested else rng.choice(["interested", "not_relevant"])
                emit(
                    N.MATCH_ANSWERED, "match", match_id, answer_at, side, other,
                    region_id=region_id, field_id=field_id,
                    data={"need": need_id, "answer": answer,
                          "reason": "" if answer == "interested" else rng.choice(REASONS)},
                )  # fmt: skip
                answer_at = later(answer_at, 0, 7)
            if not interested:
                continue
            conversation_id = next_id("conversation")
            emit(
                N.CONVERSATION_OPENED, "conversation", conversation_id, answer_at, owner,
                supplier, region_id=region_id, field_id=field_id,
                data={"need": need_id, "match": match_id, "origin": "match"},
            )  # fmt: skip
            if rng.random() < 0.4:
                deal_life(
                    answer_at, need_id, match_id, conversation_id, owner, supplier, region_id,
                    field_id,
                )  # fmt: skip
            break
        if rng.random() < 0.02:
            # A deal about an achievement, without a need.
            other = organizations[rng.randrange(len(organizations))]
            deal_life(when, None, None, next_id("conversation"), owner, other, region_id, field_id)
    if batch:
        OutcomeEvent.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return made


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
    }


def _timed(function, repeat: int) -> dict:
    function()  # warm the caches once
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def measure_queries(options) -> dict:
    from analytics import selectors
    from taxonomy.models import Field, Region

    province = Region.objects.get(code="330000")
    city = Region.objects.get(code="330100")
    industry = Field.objects.filter(level=2).order_by("code").first()
    scenarios = {
        "platform": selectors.statistics_filter_build(),
        "province": selectors.statistics_filter_build(region=province),
        "city": selectors.statistics_filter_build(region=city),
        "field": selectors.statistics_filter_build(field=industry),
        "months": selectors.statistics_filter_build(
            month_from=datetime(2024, 1, 1).date(), month_to=datetime(2024, 6, 1).date()
        ),
    }
    queries = {
        "funnel": lambda f: selectors.funnel_compute(filter_=f, public=False),
        "loss_reasons": lambda f: selectors.loss_reasons_count(filter_=f, public=False),
        "deal_totals": lambda f: selectors.deal_totals_compute(filter_=f),
        **{
            f"breakdown_{by}": (
                lambda f, by=by: selectors.breakdown_compute(filter_=f, by=by, public=False)
            )
            for by in selectors.BREAKDOWNS
        },
        **{
            f"leaderboard_{by}": (lambda f, by=by: selectors.leaderboard_compute(filter_=f, by=by))
            for by in ("region", "staff", "match")
        },
    }
    results = {}
    for scenario, filter_ in scenarios.items():
        results[scenario] = {
            name: _timed(lambda query=query, f=filter_: query(f), options.repeat)
            for name, query in queries.items()
        }
        results[scenario]["needs"] = selectors.need_journeys(filter_=filter_).count()
    return results


def measure_http(options) -> dict:
    from django.test import Client, override_settings

    from accounts.models import User

    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    results = {}
    with override_settings(STORAGES=plain_static):
        anonymous = Client()
        staff = Client()
        staff.force_login(User.objects.get(username=f"staff{_region_id('330000')}"))
        admin = Client()
        admin.force_login(
            User.objects.filter(is_superuser=True).first()
            or User.objects.create_superuser("bench-admin", "a@example.cn", "x" * 12)
        )

        def get(client, url, **params):
            def call():
                response = client.get(url, params)
                assert response.status_code == 200, (url, response.status_code)

            return call

        funnel = "/api/v1/statistics/funnel/"
        results["api_funnel_anonymous_platform"] = _timed(get(anonymous, funnel), options.repeat)
        results["api_funnel_staff_province"] = _timed(get(staff, funnel), options.repeat)
        results["page_public_platform"] = _timed(get(anonymous, "/statistics/"), options.repeat)
        results["page_dashboard_province"] = _timed(
            get(staff, "/statistics/dashboard/"), options.repeat
        )
        results["page_dashboard_platform"] = _timed(
            get(admin, "/statistics/dashboard/"), options.repeat
        )
    return results


def _region_id(code):
    from taxonomy.models import Region

    return Region.objects.get(code=code).pk


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--needs", type=int, default=170_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it is there")
    options = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    fresh = _setup(options)

    from django.core.management import call_command
    from django.db import connection

    from analytics.models import DealJourney, NeedJourney
    from bench.common import cpu_flags_line
    from outcomes.models import OutcomeEvent

    report = {"cpu": cpu_flags_line(), "database": "postgresql"}
    if fresh or not OutcomeEvent.objects.exists():
        started = time.perf_counter()
        report["generated"] = generate(options)
        report["generate_s"] = round(time.perf_counter() - started, 1)
        print(f"generated {report['generated']} in {report['generate_s']} s", flush=True)
    report["events"] = OutcomeEvent.objects.count()
    started = time.perf_counter()
    call_command("rebuild_statistics", verbosity=0, stdout=io.StringIO())
    report["rebuild_s"] = round(time.perf_counter() - started, 1)
    report["rebuild_events_per_s"] = round(report["events"] / report["rebuild_s"])
    report["need_rows"] = NeedJourney.objects.count()
    report["deal_rows"] = DealJourney.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE analytics_needjourney, analytics_dealjourney")
    print(
        f"rebuild_statistics: {report['events']} events → {report['need_rows']} needs, "
        f"{report['deal_rows']} deals in {report['rebuild_s']} s "
        f"({report['rebuild_events_per_s']} events/s)",
        flush=True,
    )
    report["queries"] = measure_queries(options)
    report["http"] = measure_http(options)

    print(report["cpu"])
    for scenario, figures in report["queries"].items():
        print(f"{scenario} ({figures['needs']} needs):")
        for name, timing in figures.items():
            if name != "needs":
                print(f"  {name:<22} p50 {timing['p50_ms']:>8} ms   p95 {timing['p95_ms']:>8} ms")
    for name, timing in report["http"].items():
        print(f"{name:<32} p50 {timing['p50_ms']:>8} ms   p95 {timing['p95_ms']:>8} ms")
    OUT.mkdir(exist_ok=True)
    (OUT / "statistics.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written {OUT / 'statistics.json'}")


if __name__ == "__main__":
    main()
