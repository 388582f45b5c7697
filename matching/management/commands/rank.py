"""Rank supply for each demand offline with the platform's matcher, to measure it on any data.

    python manage.py rank --demand D.jsonl --supply S.jsonl --top 10 --out run.tsv

Each input line is a JSON object with at least `id` and `text`; see matching.profiles.RowReader
for the optional keys. Output lines: demand_id<TAB>supply_id<TAB>rank<TAB>degree: what the
platform would propose, up to --top per demand and none below the thresholds (--all: the whole
ranking). The supply is indexed in a throw-away embedded backend; the database is only read
(taxonomy, and the active ranker model).
"""

import json
import tempfile
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from matching.matcher import Matcher, query_vectors, search_documents
from matching.profiles import RowReader
from search.backends.embedded import EmbeddedSearchBackend
from search.embedding.cache import embed_cached


def read_profiles(path, reader, kind):
    profiles = {}
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from error
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                profile = reader.profile(json.loads(line), kind=kind)
            except (json.JSONDecodeError, ValueError) as error:
                raise CommandError(f"{path}, line {number}: {error}") from error
            if profile.id in profiles:
                raise CommandError(f"{path}, line {number}: id {profile.id!r} appears twice")
            profiles[profile.id] = profile
    if not profiles:
        raise CommandError(f"{path}: no lines to read")
    return profiles


def rank_all(demands, supply, *, top, threshold=True, embed=embed_cached, progress=None):
    """{demand id: [Candidate]} for every demand, with the platform's matcher in memory."""
    with tempfile.TemporaryDirectory(prefix="techbridge-rank-") as folder:
        backend = EmbeddedSearchBackend(folder)
        backend.add_many(search_documents(supply.values(), embed=embed))
        kinds = sorted({profile.kind for profile in supply.values()})
        matcher = Matcher(backend, embed=embed)

        def lookup(ids):
            return {pid: supply[pid] for pid in ids if pid in supply}

        results = {}
        for demand in demands.values():
            vector, title_vector = query_vectors(demand, embed=embed)
            results[demand.id] = matcher.match(
                demand,
                kinds=kinds,
                lookup=lookup,
                k=top,
                vector=vector,
                title_vector=title_vector,
                threshold=threshold,
            )
            if progress:
                progress()
        return results


class Command(BaseCommand):
    help = "Rank supply for each demand with the platform's matcher; write a TSV run."

    def add_arguments(self, parser):
        parser.add_argument("--demand", required=True, help="JSONL of demands (needs)")
        parser.add_argument("--supply", required=True, help="JSONL of supply (achievements…)")
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--out", required=True, help="TSV to write")
        parser.add_argument("--demand-kind", default="need")
        parser.add_argument("--supply-kind", default="achievement")
        parser.add_argument(
            "--all", action="store_true", help="the whole ranking, thresholds ignored"
        )

    def handle(self, *args, demand, supply, top, out, demand_kind, supply_kind, **options):
        if top < 1:
            raise CommandError("--top must be at least 1")
        reader = RowReader()
        demands = read_profiles(demand, reader, demand_kind)
        supplies = read_profiles(supply, reader, supply_kind)
        started = time.perf_counter()
        with tqdm(total=len(demands), unit="demand", disable=options["verbosity"] < 1) as bar:
            results = rank_all(
                demands, supplies, top=top, threshold=not options["all"], progress=bar.update
            )
        with open(out, "w", encoding="utf-8") as handle:
            for demand_id, candidates in results.items():
                for rank, candidate in enumerate(candidates, start=1):
                    handle.write(
                        f"{demand_id}\t{candidate.profile.id}\t{rank}\t{candidate.degree}\n"
                    )
        self.stdout.write(
            f"Ranked {len(supplies)} supply for {len(demands)} demands in "
            f"{time.perf_counter() - started:.1f} s → {out}"
        )
