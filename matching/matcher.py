"""The matcher: for one demand, the supply that can answer it, ranked and explained.

1. Candidates: the top `depth` documents of each wanted kind by BM25 over jieba tokens and by
   cosine similarity of e5 embeddings (exact search, or HNSW beyond the exact limit).
2. Relevance: a convex combination over the candidates of BM25 (divided by the best BM25), the
   cosine of the demand with the candidate's text and with its title alone (each min-max
   scaled across the candidates). Unlike reciprocal rank fusion it keeps how far apart
   candidates are, not only their order; the title vector rewards supply whose very subject
   is the demand. A party indexed as several passages (an expert's projects) takes its best
   passage on each signal.
3. Structure: small bonuses, with weights in settings.MATCHING, for field agreement, region,
   compatible cooperation modes, maturity, freshness and completeness.

The platform and the offline `rank` command run this same code; only where profiles come
from differs (the database, or lines of JSON).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.conf import settings

from search.backends.base import SearchDocument
from search.documents import TITLE_KIND, TITLE_SUFFIX, owner_id, passage_ids
from search.embedding import encoder
from search.text import tokenize

STRUCTURE = ("field", "region", "cooperation", "maturity", "freshness", "completeness")


def profile_passage_ids(profile):
    return passage_ids(profile.id, len(profile.passages))


def encode(texts, *, role):
    """Embed `texts` as queries or passages with the platform's model."""
    if role == "query":
        return encoder.embed_queries(texts)
    return encoder.embed_passages(texts)


def search_filters(profile):
    """What a search may be narrowed by: the province, and the field at every level."""
    filters = {}
    if profile.province:
        filters["province"] = profile.province
    if profile.fields:
        filters["field"] = list(profile.fields)
    return filters


def search_documents(profiles, *, embed=encode):
    """The SearchDocuments of `profiles` (one per passage, and one for the title), embedded as
    passages."""
    profiles = list(profiles)
    texts = [passage for profile in profiles for passage in profile.passages]
    titled = [profile for profile in profiles if profile.title]
    vectors = embed(texts + [p.title for p in titled], role="passage") if texts else []
    documents, position = [], 0
    for profile in profiles:
        for doc_id, passage in zip(profile_passage_ids(profile), profile.passages, strict=True):
            documents.append(
                SearchDocument(
                    id=doc_id,
                    kind=profile.kind,
                    tokens=tokenize(passage),
                    vector=vectors[position],
                    model=encoder.model_id(),
                    filters=search_filters(profile),
                )
            )
            position += 1
    for profile in titled:
        documents.append(
            SearchDocument(
                id=f"{profile.id}{TITLE_SUFFIX}",
                kind=TITLE_KIND,
                tokens=[],
                vector=vectors[position],
                model=encoder.model_id(),
                filters=search_filters(profile),
            )
        )
        position += 1
    return documents


@dataclass
class Candidate:
    profile: object
    score: float
    parts: dict
    explanation: dict = field(default_factory=dict)


def _weights():
    return settings.MATCHING["weights"]


def _scaled(values):
    """`values` ({id: x}) min-max scaled to [0, 1]; all-equal values scale to 1."""
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    if high - low < 1e-9:
        return dict.fromkeys(values, 1.0)
    return {key: (value - low) / (high - low) for key, value in values.items()}


def field_agreement(demand, supply):
    """Shared levels of the field tree (domain, industry, direction) over three."""
    shared = 0
    for mine, theirs in zip(demand.fields, supply.fields, strict=False):
        if mine != theirs:
            break
        shared += 1
    return shared / 3


def region_agreement(demand, supply):
    if demand.region and demand.region == supply.region:
        return 1.0
    if demand.province and demand.province == supply.province:
        return 0.5
    return 0.0


def cooperation_agreement(demand, supply):
    """1 if the two accept a common cooperation mode, 0 if neither accepts the other's, and
    ½ when a side did not say."""
    if not demand.cooperation_modes or not supply.cooperation_modes:
        return 0.5
    return 1.0 if demand.cooperation_modes & supply.cooperation_modes else 0.0


def freshness(supply, today):
    if not supply.published:
        return 0.0
    age = max((today - supply.published).days, 0)
    return 0.5 ** (age / settings.MATCHING["freshness_half_life_days"])


def structure_parts(demand, supply, today):
    return {
        "field": field_agreement(demand, supply),
        "region": region_agreement(demand, supply),
        "cooperation": cooperation_agreement(demand, supply),
        "maturity": (supply.maturity - 1) / 8 if supply.maturity else 0.0,
        "freshness": freshness(supply, today),
        "completeness": (supply.completeness or 0) / 100,
    }


def shared_terms(demand_tokens, supply_text, limit=6):
    """Key terms both texts use, longest first, without terms inside a chosen longer one."""
    supply_tokens = set(tokenize(supply_text))
    common = [t for t in dict.fromkeys(demand_tokens) if t in supply_tokens and len(t) > 1]
    chosen = []
    for term in sorted(common, key=len, reverse=True):
        if not any(term in longer for longer in chosen):
            chosen.append(term)
    order = {term: n for n, term in enumerate(common)}
    return sorted(chosen[:limit], key=order.get)


class Matcher:
    """Ranks the supply indexed in `backend` for a demand profile."""

    def __init__(self, backend, *, embed=encode, today=None):
        self.backend = backend
        self.embed = embed
        self.today = today

    def match(self, demand, *, kinds, lookup, k=10, exclude_ids=(), vector=None):
        """The best `k` candidates of each kind in `kinds` for `demand`, best first.

        `lookup(ids)` returns {id: Profile} for the candidates still matchable (live, visible);
        the others are dropped. Candidates of the demand's own organization never appear.
        """
        tokens = tokenize(demand.text)
        if vector is None:
            vector = self.embed([demand.text], role="query")[0]
        depth = settings.MATCHING["depth"]
        model = encoder.model_id()
        keyword, dense = {}, {}
        for kind in kinds:
            for doc_id, score in self.backend.keyword_search(
                tokens, kinds=[kind], k=depth, exclude_ids=exclude_ids
            ):
                keyword[doc_id] = score
            for doc_id, score in self.backend.vector_search(
                vector, model=model, kinds=[kind], k=depth, exclude_ids=exclude_ids
            ):
                dense[doc_id] = score
        missing = [doc_id for doc_id in keyword if doc_id not in dense]
        for doc_id, stored in self.backend.get_vectors(missing, model=model).items():
            dense[doc_id] = float(np.dot(stored, vector))

        by_owner = defaultdict(lambda: {"keyword": 0.0, "dense": -1.0})
        for doc_id in set(keyword) | set(dense):
            best = by_owner[owner_id(doc_id)]
            best["keyword"] = max(best["keyword"], keyword.get(doc_id, 0.0))
            best["dense"] = max(best["dense"], dense.get(doc_id, -1.0))
        titles = self.backend.get_vectors([f"{pid}{TITLE_SUFFIX}" for pid in by_owner], model=model)
        for pid, signals in by_owner.items():
            title_vector = titles.get(f"{pid}{TITLE_SUFFIX}")
            # Without a title, the text stands in, so no candidate gains or loses by it.
            signals["title"] = (
                signals["dense"] if title_vector is None else float(np.dot(title_vector, vector))
            )
        profiles = lookup(list(by_owner))
        excluded = set(exclude_ids)
        profiles = {
            pid: p
            for pid, p in profiles.items()
            if pid not in excluded
            and pid != demand.id
            and not (demand.organization and p.organization == demand.organization)
        }
        today = self.today or date.today()
        weights = _weights()
        ranked = []
        floor = settings.MATCHING["min_similarity"]
        for kind in kinds:
            owners = {
                pid: by_owner[pid]
                for pid, p in profiles.items()
                if p.kind == kind and by_owner[pid]["dense"] >= floor
            }
            ranked.extend(self._rank(demand, tokens, owners, profiles, today, weights)[:k])
        return ranked

    def _rank(self, demand, tokens, owners, profiles, today, weights):
        dense = _scaled({pid: s["dense"] for pid, s in owners.items()})
        title = _scaled({pid: s["title"] for pid, s in owners.items()})
        best_keyword = max((s["keyword"] for s in owners.values()), default=0.0) or 1.0
        keyword_weight = 1 - weights["dense"] - weights["title"]
        candidates = []
        for pid, signals in owners.items():
            supply = profiles[pid]
            relevance = (
                weights["dense"] * dense[pid]
                + weights["title"] * title[pid]
                + keyword_weight * signals["keyword"] / best_keyword
            )
            parts = {
                "relevance": relevance,
                "dense": signals["dense"],
                "title": signals["title"],
                "keyword": signals["keyword"],
                **structure_parts(demand, supply, today),
            }
            score = relevance + sum(weights[name] * parts[name] for name in STRUCTURE)
            candidates.append(Candidate(profile=supply, score=score, parts=parts))
        candidates.sort(key=lambda c: (-c.score, c.profile.id))
        for candidate in candidates[:50]:
            candidate.explanation = explain(demand, candidate, tokens)
        return candidates


def explain(demand, candidate, tokens):
    """What a person reads: shared key terms and where field, region and modes agree."""
    supply = candidate.profile
    return {
        "terms": shared_terms(tokens, supply.text),
        "field_levels": round(candidate.parts["field"] * 3),
        "region": (
            "city"
            if candidate.parts["region"] == 1.0
            else "province"
            if candidate.parts["region"]
            else ""
        ),
        "cooperation_modes": sorted(demand.cooperation_modes & supply.cooperation_modes),
        "maturity": supply.maturity,
    }
