"""The judged development sets in ../shared/data, as the matcher sees them: demands, supply
profiles and graded judgements, for the quality benchmark and for fitting the initial ranker.

- listings: needs → achievements, graded 0–3 (unjudged count 0);
- csl: paper titles and keyword lists → abstracts (one relevant abstract each);
- experts: a project title → its investigator, each expert indexed as one passage per
  project (the query's own project, where an expert's list holds it, is left out).
"""

import json
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from matching.evaluation import read_qrels
from matching.matcher import Matcher, query_vectors, search_documents
from matching.ranker import hand_ranker
from search.backends.embedded import EmbeddedSearchBackend
from search.embedding.cache import embed_cached

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def joined(*parts):
    return "。".join(part.strip() for part in parts if part and part.strip())


def listings_set(reader, data=DATA):
    qrels = read_qrels(data / "listings" / "judged_dev_qrels.tsv")
    demands = {}
    for row in read_jsonl(data / "listings" / "needs.jsonl"):
        if row["id"] in qrels:
            row["text"] = joined(row["name"], row.get("context"))
            demands[row["id"]] = reader.profile(row, kind="need")
    supply = {}
    for row in read_jsonl(data / "listings" / "achievements.jsonl"):
        row["text"] = joined(row["name"], row.get("industry"), row.get("context"))
        supply[row["id"]] = reader.profile(row, kind="achievement")
    return demands, supply, qrels, 2


def csl_set(reader, data=DATA):
    qrels = read_qrels(data / "csl" / "dev_qrels.tsv")
    demands = {
        row["id"]: reader.profile(row, kind="need")
        for row in read_jsonl(data / "csl" / "dev_queries.jsonl")
    }
    supply = {
        row["id"]: reader.profile(row, kind="achievement")
        for row in read_jsonl(data / "csl" / "corpus.jsonl")
    }
    return demands, supply, qrels, 1


def experts_set(reader, data=DATA):
    qrels = read_qrels(data / "experts" / "dev_qrels.tsv")
    queries = read_jsonl(data / "experts" / "dev_queries.jsonl")
    query_titles = {row["text"] for row in queries}
    demands = {row["id"]: reader.profile(row, kind="need") for row in queries}
    supply = {}
    for row in read_jsonl(data / "experts" / "talents.jsonl"):
        titles = [p["title"] for p in row["projects"] if p["title"] not in query_titles]
        if titles:
            supply[row["id"]] = reader.profile({"id": row["id"], "passages": titles}, kind="talent")
    return demands, supply, qrels, 1


SETS = {"listings": listings_set, "csl": csl_set, "experts": experts_set}
# The ranker's models each set fits. Only the listings' grades say what a reviewer finds
# relevant, so their model serves every kind; csl and experts name the one paper or
# investigator a query came from (many others would serve), so they only measure ranking.
FITS = {"listings": "default"}


@contextmanager
def indexed(supply, *, embed):
    """A throw-away embedded index of the supply profiles."""
    with tempfile.TemporaryDirectory(prefix="techbridge-judged-") as folder:
        backend = EmbeddedSearchBackend(folder)
        backend.add_many(search_documents(supply.values(), embed=embed))
        yield backend


def candidates(backend, demands, supply):
    """{demand id: [(supply id, parts)]}: the candidates whose degree the ranker computes
    (the hand weights' best MATCHING["rerank"]), unthresholded, with every signal it reads."""
    kinds = sorted({p.kind for p in supply.values()})
    matcher = Matcher(backend, embed=embed_cached, ranker=hand_ranker())

    def lookup(ids):
        return {pid: supply[pid] for pid in ids if pid in supply}

    found = {}
    for demand in demands.values():
        vector, title_vector = query_vectors(demand, embed=embed_cached)
        ranked = matcher.match(
            demand,
            kinds=kinds,
            lookup=lookup,
            k=settings.MATCHING["rerank"],
            vector=vector,
            title_vector=title_vector,
            threshold=False,
        )
        found[demand.id] = [(c.profile.id, c.parts) for c in ranked]
    return found
