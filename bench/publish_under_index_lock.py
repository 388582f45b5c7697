"""A publish while another process holds the embedded index's write lock.

    python -m bench.publish_under_index_lock [--needs 10] [--wait 3]

The embedded default (SQLite, no REDIS_URL: the index and match task runs inside the publish),
on a throw-away database and index. Publishes `--needs` real needs the way the CAST staff do
(listing_review, then what runs on commit) first with the index free, then while another
process holds its write lock (BEGIN IMMEDIATE, as a worker, a sweep or a rebuild would), and
times each publish to the end of its on-commit work. SEARCH_REQUEST_LOCK_WAIT is `--wait`
(the default setting unless given). Prints p50/max of both; writes
bench/out/publish_under_index_lock.json.
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

from bench.common import DATA, cpu_flags_line, publishing_parties, read_jsonl

OUT = Path(__file__).resolve().parent / "out" / "publish_under_index_lock.json"
HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE state SET version = version")
print("held", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=10, help="publishes timed in each phase")
    parser.add_argument("--supply", type=int, default=50, help="achievements indexed first")
    parser.add_argument("--wait", type=float, help="SEARCH_REQUEST_LOCK_WAIT (default: setting)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="techbridge-bench-lock-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'db.sqlite3'}"
    os.environ["SEARCH_INDEX_DIR"] = str(scratch / "index")
    os.environ["REDIS_URL"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("EMAIL_URL", "consolemail://")
    if args.wait is not None:
        os.environ["SEARCH_REQUEST_LOCK_WAIT"] = str(args.wait)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from matching.tasks import index_and_match_dirty
    from organizations.selectors import actor_for
    from repositories import services
    from repositories.importing import listings_import
    from repositories.models import Listing, ListingKind, ListingStatus
    from repositories.signals import listing_changes_deferred
    from search.backends import get_backend
    from taxonomy.models import Region

    flags = cpu_flags_line()
    print(flags, flush=True)
    call_command("migrate", verbosity=0)
    hangzhou = Region.objects.get(code="330100")

    parties = publishing_parties(hangzhou)
    university, professor = parties.university, parties.professor
    enterprise, engineer, staff = parties.enterprise, parties.engineer, parties.staff
    with listing_changes_deferred():
        listings_import(
            rows=enumerate(read_jsonl(DATA / "achievements.jsonl", args.supply), start=1),
            kind=ListingKind.ACHIEVEMENT,
            organization=university,
            user=professor,
            status=ListingStatus.PUBLISHED,
        )
    index_and_match_dirty(limit=None)

    needs = iter(read_jsonl(DATA / "needs.jsonl", 2 * args.needs + 1))
    actor, staff_actor = actor_for(user=engineer), actor_for(user=staff)

    def publish():
        """Seconds from the review until its on-commit work (index, match) is done."""
        row = next(needs)
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
        started = time.perf_counter()
        with transaction.atomic():
            services.listing_review(listing=need, actor=staff_actor, approve=True)
        return time.perf_counter() - started, need.pk

    publish()  # warm-up: loads the model
    free = [publish()[0] for _ in range(args.needs)]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(get_backend().path / "index.sqlite3")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "held\n"
    try:
        locked, ids = [], []
        for _ in range(args.needs):
            seconds, pk = publish()
            locked.append(seconds)
            ids.append(pk)
    finally:
        holder.communicate("go\n", timeout=30)
    published = Listing.objects.filter(pk__in=ids, status=ListingStatus.PUBLISHED).count()
    dirty = Listing.objects.filter(pk__in=ids, indexed_at__isnull=True).count()
    index_and_match_dirty(limit=None)
    swept = Listing.objects.filter(pk__in=ids, indexed_at__isnull=False).count()

    def figures(values):
        return {"p50_s": round(statistics.median(values), 3), "max_s": round(max(values), 3)}

    report = {
        "machine": flags,
        "search_request_lock_wait_s": settings.SEARCH_REQUEST_LOCK_WAIT,
        "supply": args.supply,
        "needs_per_phase": args.needs,
        "index_free": figures(free),
        "index_held": figures(locked),
        "held_published": published,
        "held_left_dirty": dirty,
        "held_indexed_by_sweep_after": swept,
    }
    print(
        f"publish, index free: p50 {report['index_free']['p50_s']:.2f} s, "
        f"max {report['index_free']['max_s']:.2f} s"
    )
    print(
        f"publish, index write lock held by another process "
        f"(SEARCH_REQUEST_LOCK_WAIT={settings.SEARCH_REQUEST_LOCK_WAIT:g} s): "
        f"p50 {report['index_held']['p50_s']:.2f} s, max {report['index_held']['max_s']:.2f} s; "
        f"{published}/{args.needs} published, {dirty} left dirty, "
        f"{swept} indexed by the sweep after"
    )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"→ {OUT}")


if __name__ == "__main__":
    main()
