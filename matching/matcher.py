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
   compatible cooperation modes, maturity, freshness and completeness. Relevance plus bonuses
   is the hand-weighted score, which picks the best `rerank` candidates.
4. Degree: for those, the ranker (matching.ranker) turns every signal — the cosines of the
   demand's text and title with the candidate's, BM25's share, the IDF-weighted share of the
   demand's key terms the candidate uses, the margin below the best cosine, the structure —
   into the chance that a reviewer finds the candidate relevant. Candidates are ordered by it,
   and only those worth proposing (`worth_proposing`) reach the staff.
5. Explanation: the rare key terms both use, the candidate's sentence that holds them, the
   shared field path, region, modes, and the maturity offered against the maturity wanted.

The platform and the offline `rank` command run this same code; only where profiles come
from differs (the database, or lines of JSON).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.conf import settings

from matching.ranker import active_ranker
from search.backends.base import SearchDocument
from search.documents import TITLE_KIND, TITLE_SUFFIX, owner_id, passage_ids
from search.embedding import encoder
from search.text import idf, is_key_term, tokenize

STRUCTURE = ("field", "region", "cooperation", "maturity", "freshness", "completeness")
# How far a candidate's cosine lies below the best candidate's is a strong signal in a full
# bank, and a false one in a small pool where the best is itself weak (an empty market, or a
# need nothing answers): the margin counts from at least this cosine, below the best candidate
# of every judged need in the development data (their lowest best is 0.891).
BEST_DENSE_FLOOR = 0.88
NEED_KIND = "need"
MAX_DEGREE = 99


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
    # The hand-weighted score (relevance + bonuses): the order before the ranker's.
    score: float
    parts: dict
    # The calibrated match degree, 0–100: the estimated chance, in percent, that a reviewer
    # finds the candidate relevant (matching.ranker).
    degree: int = 0
    explanation: dict = field(default_factory=dict)
    # The supply's tokens, read once for its coverage and again for its explanation.
    supply_tokens: frozenset = frozenset()


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
    return len(shared_fields(demand, supply)) / 3


def shared_fields(demand, supply):
    """The field codes both sides share, from the domain down."""
    shared = []
    for mine, theirs in zip(demand.fields, supply.fields, strict=False):
        if mine != theirs:
            break
        shared.append(mine)
    return shared


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


def need_and_offer(demand, supply):
    """(the need, what is offered): a need looks for supply, supply looks for needs."""
    return (supply, demand) if supply.kind == NEED_KIND else (demand, supply)


def maturity_fit(demand, supply):
    """1 when the offer is as mature as the need wants (or nobody said), less the further it
    falls short: a need asking TRL 6 is served worse by a laboratory result."""
    need, offer = need_and_offer(demand, supply)
    wanted, offered = need.maturity_wanted, offer.maturity
    if not wanted or not offered or offered >= wanted:
        return 1.0
    return max(0.0, 1 - (wanted - offered) / 4)


def freshness(supply, today):
    if not supply.published:
        return 0.0
    age = max((today - supply.published).days, 0)
    return 0.5 ** (age / settings.MATCHING["freshness_half_life_days"])


def structure_parts(demand, supply, today):
    _need, offer = need_and_offer(demand, supply)
    return {
        "field": field_agreement(demand, supply),
        "region": region_agreement(demand, supply),
        "cooperation": cooperation_agreement(demand, supply),
        "maturity": (offer.maturity - 1) / 8 if offer.maturity else 0.0,
        "maturity_fit": maturity_fit(demand, supply),
        "freshness": freshness(supply, today),
        "completeness": (supply.completeness or 0) / 100,
    }


def term_weights(tokens, backend):
    """{key term of `tokens`: its IDF in the index}; generic words and quantities left out."""
    key_terms = [token for token in dict.fromkeys(tokens) if is_key_term(token)]
    if not key_terms:
        return {}
    documents = max(backend.count(), 1)
    frequencies = backend.document_frequencies(key_terms)
    return {term: idf(frequencies.get(term, 0), documents) for term in key_terms}


def coverage(weights, supply_tokens):
    """The IDF-weighted share of the demand's key terms that the supply also uses."""
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for term, w in weights.items() if term in supply_tokens) / total


def shared_terms(weights, supply_tokens, limit=6):
    """The key terms both texts use, rarest first, without terms inside a chosen longer one."""
    common = [term for term in weights if term in supply_tokens]
    chosen = []
    for term in sorted(common, key=lambda t: (-weights[t], -len(t))):
        if not any(term in longer or longer in term for longer in chosen):
            chosen.append(term)
    return chosen[:limit]


SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


def matched_passage(weights, supply, limit=120):
    """The sentence of the supply that holds most of the demand's key terms (by weight)."""
    best, best_weight = "", 0.0
    for passage in supply.passages:
        for sentence in SENTENCE_END.split(passage):
            sentence = sentence.strip()
            tokens = set(tokenize(sentence))
            weight = sum(w for term, w in weights.items() if term in tokens)
            if weight > best_weight:
                best, best_weight = sentence, weight
    if len(best) > limit:
        best = best[: limit - 1] + "…"
    return best


class Matcher:
    """Ranks the supply indexed in `backend` for a demand profile.

    `ranker`: the model that turns a candidate's signals into a match degree (default: the
    active one, matching.ranker.active_ranker)."""

    def __init__(self, backend, *, embed=encode, today=None, ranker=None):
        self.backend = backend
        self.embed = embed
        self.today = today
        self.ranker = ranker

    def match(
        self,
        demand,
        *,
        kinds,
        lookup,
        k=10,
        exclude_ids=(),
        vector=None,
        title_vector=None,
        threshold=True,
    ):
        """The best `k` candidates of each kind in `kinds` for `demand`, best first; with
        `threshold`, only those worth proposing (:func:`worth_proposing`).

        `lookup(ids)` returns {id: Profile} for the candidates still matchable (live, visible);
        the others are dropped. Candidates of the demand's own organization never appear.
        `vector`, `title_vector`: the demand's text and title already embedded as queries.
        """
        ranker = self.ranker or active_ranker()
        tokens = tokenize(demand.text)
        if vector is None:
            vector, title_vector = query_vectors(demand, embed=self.embed)
        elif title_vector is None:
            title_vector = self.embed([demand.title], role="query")[0] if demand.title else vector
        depth = settings.MATCHING["depth"]
        model = encoder.model_id()
        keyword, found = {}, set()
        for kind in kinds:
            for doc_id, score in self.backend.keyword_search(
                tokens, kinds=[kind], k=depth, exclude_ids=exclude_ids
            ):
                keyword[doc_id] = score
                found.add(doc_id)
            for doc_id, _score in self.backend.vector_search(
                vector, model=model, kinds=[kind], k=depth, exclude_ids=exclude_ids
            ):
                found.add(doc_id)
        # Every candidate passage's vector, to compare with both the demand's text and title.
        stored = self.backend.get_vectors(list(found), model=model)
        owners = {owner_id(doc_id) for doc_id in found}
        titles = self.backend.get_vectors([f"{pid}{TITLE_SUFFIX}" for pid in owners], model=model)

        by_owner = defaultdict(lambda: {"keyword": 0.0, "dense": -1.0, "demand_title_dense": -1.0})
        for doc_id in found:
            best = by_owner[owner_id(doc_id)]
            best["keyword"] = max(best["keyword"], keyword.get(doc_id, 0.0))
            if doc_id in stored:
                best["dense"] = max(best["dense"], float(np.dot(stored[doc_id], vector)))
                best["demand_title_dense"] = max(
                    best["demand_title_dense"], float(np.dot(stored[doc_id], title_vector))
                )
        for pid, signals in by_owner.items():
            title = titles.get(f"{pid}{TITLE_SUFFIX}")
            # Without a title, the text stands in, so no candidate gains or loses by it.
            signals["title"] = signals["dense"] if title is None else float(np.dot(title, vector))
            signals["demand_title_title"] = (
                signals["demand_title_dense"]
                if title is None
                else float(np.dot(title, title_vector))
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
        weights = term_weights(tokens, self.backend)
        today = self.today or date.today()
        ranked = []
        for kind in kinds:
            owners = {pid: by_owner[pid] for pid, p in profiles.items() if p.kind == kind}
            candidates = self._rank(demand, kind, weights, owners, profiles, today, ranker)
            if threshold:
                candidates = worth_proposing(candidates, kind)
            for candidate in candidates[:k]:
                candidate.explanation = explain(demand, candidate, weights)
                ranked.append(candidate)
        return ranked

    def _rank(self, demand, kind, weights, owners, profiles, today, ranker):
        """Candidates in the ranker's order: the hand-weighted score picks the `rerank` best,
        whose degree the ranker then computes from all their signals."""
        if not owners:
            return []
        hand = _weights()
        dense = _scaled({pid: s["dense"] for pid, s in owners.items()})
        title = _scaled({pid: s["title"] for pid, s in owners.items()})
        best_keyword = max(s["keyword"] for s in owners.values()) or 1.0
        best_dense = max(max(s["dense"] for s in owners.values()), BEST_DENSE_FLOOR)
        keyword_weight = 1 - hand["dense"] - hand["title"]
        candidates = []
        for pid, signals in owners.items():
            supply = profiles[pid]
            relevance = (
                hand["dense"] * dense[pid]
                + hand["title"] * title[pid]
                + keyword_weight * signals["keyword"] / best_keyword
            )
            parts = {
                "relevance": relevance,
                "dense": signals["dense"],
                "title": signals["title"],
                "keyword": signals["keyword"],
                "keyword_share": signals["keyword"] / best_keyword,
                "dense_margin": best_dense - signals["dense"],
                "demand_title_dense": signals["demand_title_dense"],
                "demand_title_title": signals["demand_title_title"],
                **structure_parts(demand, supply, today),
            }
            score = relevance + sum(hand[name] * parts[name] for name in STRUCTURE)
            parts["score"] = score
            candidates.append(Candidate(profile=supply, score=score, parts=parts))
        candidates.sort(key=lambda c: (-c.score, c.profile.id))
        candidates = candidates[: settings.MATCHING["rerank"]]
        for candidate in candidates:
            parts = candidate.parts
            candidate.supply_tokens = frozenset(tokenize(candidate.profile.text))
            parts["coverage"] = coverage(weights, candidate.supply_tokens)
            if not parts["coverage"]:
                # BM25 found only words every listing uses (利用, 降低): no keyword evidence.
                parts["keyword_share"] = 0.0
        probabilities = ranker.probabilities(kind, [c.parts for c in candidates])
        for candidate, probability in zip(candidates, probabilities, strict=True):
            candidate.parts["probability"] = float(probability)
            # An estimate, never a certainty: people do not read "100 %" as one.
            candidate.degree = min(round(100 * float(probability)), MAX_DEGREE)
        candidates.sort(key=lambda c: (-c.parts["probability"], -c.score, c.profile.id))
        return candidates


def query_vectors(demand, *, embed=encode):
    """The demand's text and title embedded as queries (the title is the text's where none)."""
    if not demand.title:
        (vector,) = embed([demand.text], role="query")
        return vector, vector
    vector, title_vector = embed([demand.text, demand.title], role="query")
    return vector, title_vector


def worth_proposing(candidates, kind):
    """Of `candidates` (best first), those to propose: the best from MATCHING["first_threshold"]
    up, the others from MATCHING["threshold"] up, per kind. The lower bar for a demand's best
    candidate spares answerable needs an empty list at the cost of one more review; the others
    must be more likely relevant than not."""
    first = _per_kind(settings.MATCHING["first_threshold"], kind)
    rest = _per_kind(settings.MATCHING["threshold"], kind)
    return [c for n, c in enumerate(candidates) if c.degree >= (first if n == 0 else rest)]


def _per_kind(setting, kind):
    return setting.get(kind, setting["default"])


def explain(demand, candidate, weights):
    """What a person reads: the rare key terms both use, the supply's sentence that matched,
    and where field, region, modes and maturity agree."""
    supply = candidate.profile
    need, offer = need_and_offer(demand, supply)
    return {
        "terms": shared_terms(weights, candidate.supply_tokens),
        # The candidate's sentence holding most of the demand's key terms: a need's, when
        # supply looked for needs.
        "passage": matched_passage(weights, supply),
        "passage_of": supply.kind,
        "fields": shared_fields(demand, supply),
        "field_levels": round(candidate.parts["field"] * 3),
        "region": (
            "city"
            if candidate.parts["region"] == 1.0
            else "province"
            if candidate.parts["region"]
            else ""
        ),
        "cooperation_modes": sorted(demand.cooperation_modes & supply.cooperation_modes),
        "maturity": offer.maturity,
        "maturity_wanted": need.maturity_wanted,
    }
