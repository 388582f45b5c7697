"""Ranking one kind of indexed owner (listings) for a free-text query: by keywords (BM25, any
token) and by meaning (e5 query vector against passages and titles).

Both answer a list of primary keys, best first, and an empty list (logged) when the index
cannot answer: a search page degrades to date order, it never fails.
"""

import logging

from search.backends import get_backend
from search.documents import TITLE_KIND, owner_id, owner_pk
from search.embedding import encoder
from search.text import tokenize

logger = logging.getLogger(__name__)


def rank_by_keywords(
    *, kind: str, query: str, limit: int, filters: dict | None = None
) -> list[int]:
    """Pks by BM25 of the query's tokens; a document needs only one of them. `filters` narrow
    by what the documents were indexed with (province, field codes)."""
    try:
        results = get_backend().keyword_search(
            tokenize(query), kinds=[kind], k=limit, filters=filters
        )
    except Exception:
        logger.exception("keyword ranking failed; listings stay in date order")
        return []
    return list(dict.fromkeys(owner_pk(doc_id) for doc_id, _score in results))


def rank_by_meaning(
    *,
    kind: str,
    query: str,
    limit: int,
    min_similarity: float,
    within_best: float,
    filters: dict | None = None,
) -> list[int]:
    """Pks whose passages or title are at least `min_similarity` (cosine) from the query and
    within `within_best` of the best: e5's cosines sit close together, so only those near
    the best hit say the same thing."""
    prefix = f"{kind}:"
    try:
        vector = encoder.embed_queries([query])[0]
        backend = get_backend()
        model = encoder.model_id()
        hits = backend.vector_search(vector, model=model, kinds=[kind], k=limit, filters=filters)
        # Titles of every kind share one vector space; keep this kind's.
        hits += [
            hit
            for hit in backend.vector_search(
                vector, model=model, kinds=[TITLE_KIND], k=4 * limit, filters=filters
            )
            if hit[0].startswith(prefix)
        ]
    except Exception:
        logger.exception("semantic ranking failed; only keyword results are shown")
        return []
    floor = max([min_similarity] + [score - within_best for _doc_id, score in hits])
    best: dict[str, float] = {}
    for doc_id, score in hits:
        if score >= floor:
            owner = owner_id(doc_id)
            best[owner] = max(score, best.get(owner, score))
    ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
    return [int(owner.split(":", 1)[1]) for owner, _score in ranked]
