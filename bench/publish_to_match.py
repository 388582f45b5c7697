"""Publish → matches visible, with one real Celery worker on Redis and PostgreSQL.

    eval "$(scripts/services.sh)"
    python -m bench.publish_to_match [--supply 500] [--needs 30]

Creates a throw-away database (techbridge_bench) next to DATABASE_URL's, imports `--supply`
real achievements from ../shared/data/listings and indexes them, starts one worker (solo pool,
the deployment's settings), then publishes `--needs` real needs one after another the way the
CAST staff do (listing_review) and times each from the commit until its matches are in the
database. Prints p50/p95/max; writes bench/out/publish_to_match.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.common import DATA, publishing_parties, read_jsonl

BENCH_DATABASE = "techbridge_bench"
OUT = Path(__file__).resolve().parent / "out" / "publish_to_match.json"


def bench_database_url():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit('Needs PostgreSQL and Redis: eval "$(scripts/services.sh)" first.')
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        cursor.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    connection.close()
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supply", type=int, default=500)
    parser.add_argument("--needs", type=int, default=30)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ["SEARCH_INDEX_DIR"] = tempfile.mkdtemp(prefix="techbridge-bench-index-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("EMAIL_URL", "consolemail://")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from matching.models import Match
    from matching.tasks import index_and_match_dirty
    from organizations.selectors import actor_for
    from repositories import services
    from repositories.importing import listings_import
    from repositories.models import ListingKind, ListingStatus
    from repositories.signals import listing_changes_deferred
    from taxonomy.models import Region

    call_command("migrate", verbosity=0)
    hangzhou = Region.objects.get(code="330100")

    parties = publishing_parties(hangzhou)
    university, professor = parties.university, parties.professor
    enterprise, engineer, staff = parties.enterprise, parties.engineer, parties.staff

    started = time.perf_counter()
    with listing_changes_deferred():
        listings_import(
            rows=enumerate(read_jsonl(DATA / "achievements.jsonl", args.supply), start=1),
            kind=ListingKind.ACHIEVEMENT,
            organization=university,
            user=professor,
            status=ListingStatus.PUBLISHED,
        )
    index_and_match_dirty(limit=None)
    indexing_seconds = time.perf_counter() - started
    print(f"Indexed {args.supply} achievements in {indexing_seconds:.0f} s", flush=True)

    log = Path(tempfile.mkstemp(suffix=".log", prefix="bench-worker-")[1])
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "INFO"],
        env=os.environ.copy(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    from config.celery import app

    app.conf.task_always_eager = False
    try:
        while "ready" not in log.read_text():
            time.sleep(0.2)
        needs = read_jsonl(DATA / "needs.jsonl", args.needs + 1)
        actor, staff_actor = actor_for(user=engineer), actor_for(user=staff)
        latencies, empty = [], 0
        for number, row in enumerate(needs):
            need = services.listing_create(
                kind=ListingKind.NEED,
                actor=actor,
                organization=enterprise,
                data={
                    "title": row["name"][:200],
                    "summary": row["context"][:2000],
                    "problem": row["context"],
                    "region": hangzhou,
                },
            )
            services.listing_submit(listing=need, actor=actor)
            with transaction.atomic():
                services.listing_review(listing=need, actor=staff_actor, approve=True)
            published = time.perf_counter()
            deadline = published + 60
            while not Match.objects.filter(need=need).exists():
                if time.perf_counter() > deadline:
                    empty += 1
                    break
                time.sleep(0.02)
            else:
                if number:  # the first one loads the model in the worker: warm-up
                    latencies.append(time.perf_counter() - published)
        latencies.sort()
        report = {
            "supply": args.supply,
            "needs_timed": len(latencies),
            "needs_without_match": empty,
            "p50_s": round(statistics.median(latencies), 3),
            "p95_s": round(latencies[max(0, int(len(latencies) * 0.95) - 1)], 3),
            "max_s": round(latencies[-1], 3),
            "indexing_s": round(indexing_seconds, 1),
        }
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(
        f"publish → matches visible over {report['needs_timed']} needs: "
        f"p50 {report['p50_s']:.2f} s, p95 {report['p95_s']:.2f} s, max {report['max_s']:.2f} s"
    )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    print(f"→ {OUT}")


if __name__ == "__main__":
    main()
