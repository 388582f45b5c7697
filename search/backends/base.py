"""The search-backend interface every backend implements (modelled on django-modelsearch).

Documents arrive already tokenized (search.text.tokenize) and embedded, so all backends see
the same tokens and vectors; a backend only stores, filters and ranks them.

Filters are exact-match attributes of a document, stored as strings. The matcher uses
`organization_id`, `region`, `province`, `fields` (the field's code and its ancestors') and
`live`; a search filter `{name: value or [values]}` keeps the documents having any of the
values for every named filter.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np


class SearchError(Exception):
    """The search engine refused a request."""


class IndexBusy(SearchError):
    """Another writer held the index for longer than the caller chose to wait (see
    SearchBackend.lock_wait_limit): nothing was written."""


def filter_values(value):
    """A filter's value(s) as sorted strings: True → "true", 42 → "42", None is no value."""
    values = value if isinstance(value, list | tuple | set | frozenset) else [value]
    return sorted({_filter_string(v) for v in values if v is not None})


def _filter_string(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def normalize(vector):
    """`vector` as a unit-length float32 array."""
    vector = np.asarray(vector, dtype=np.float32)
    if vector.ndim != 1:
        raise ValueError("a vector must be one-dimensional")
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


@dataclass
class SearchDocument:
    id: str
    kind: str
    tokens: list[str]
    vector: np.ndarray | None = None
    # The embedding model that made `vector`: searches only compare vectors of one model.
    model: str = ""
    filters: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.vector is not None:
            if not self.model:
                raise ValueError(f"{self.id}: a vector needs the name of its model")
            self.vector = normalize(self.vector)

    def filter_strings(self):
        """{name: [values as strings]} without empty filters."""
        values = {name: filter_values(value) for name, value in self.filters.items()}
        return {name: strings for name, strings in values.items() if strings}


def reciprocal_rank_fusion(rankings, *, k=60):
    """Fuse ranked lists of (id, score): each id scores the sum of 1 / (k + rank)."""
    fused = {}
    for ranking in rankings:
        for rank, (doc_id, _score) in enumerate(ranking, start=1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def as_kinds(kinds):
    """`kinds` as a list: one kind may be given as a string."""
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if not kinds:
        raise ValueError("search at least one kind")
    return kinds


class SearchBackend:
    """Stores SearchDocuments; finds them by keywords (BM25), by vector (cosine) or both.

    Searches return [(id, score)], best first: BM25 scores for keywords, cosine similarity for
    vectors, fused reciprocal-rank scores for hybrid. Writes are visible to searches (in any
    process) once the call returns.
    """

    def __init__(self, *, rrf_k=60):
        self.rrf_k = rrf_k

    def add(self, doc):
        self.add_many([doc])

    def add_many(self, docs):
        """Index `docs`; a document with an id already indexed replaces it."""
        raise NotImplementedError

    def delete(self, ids):
        """Remove the documents with these ids; unknown ids are ignored."""
        raise NotImplementedError

    def replace(self, ids, docs):
        """Remove the documents with these ids and index `docs`; a backend that can does both
        at once, so that searches never see the owner of the documents missing."""
        self.delete(ids)
        self.add_many(docs)

    @contextmanager
    def lock_wait_limit(self, seconds):
        """Within the block, this thread's writes wait at most `seconds` in all for a lock
        another writer holds, then raise IndexBusy. A save that indexes inline (the web
        request of a publish, without a task queue) uses it: it must not hang on a long
        rebuild or a stuck worker. A backend without write locks has nothing to bound."""
        yield

    def rebuild(self, docs):
        """Replace the whole index with `docs` (an iterable); searches see the old index until
        the new one is complete."""
        raise NotImplementedError

    def keyword_search(self, query_tokens, *, kinds, k, filters=None, exclude_ids=()):
        raise NotImplementedError

    def vector_search(self, vector, *, model, kinds, k, filters=None, exclude_ids=()):
        """The k documents whose vector (made by `model`) is most similar to `vector`."""
        raise NotImplementedError

    def hybrid_search(
        self, query_tokens, vector, *, model, kinds, k, filters=None, exclude_ids=(), depth=100
    ):
        """Reciprocal rank fusion of the top `depth` keyword and vector results."""
        depth = max(depth, k)
        rankings = []
        if query_tokens:
            rankings.append(
                self.keyword_search(
                    query_tokens, kinds=kinds, k=depth, filters=filters, exclude_ids=exclude_ids
                )
            )
        if vector is not None:
            rankings.append(
                self.vector_search(
                    vector,
                    model=model,
                    kinds=kinds,
                    k=depth,
                    filters=filters,
                    exclude_ids=exclude_ids,
                )
            )
        return reciprocal_rank_fusion(rankings, k=self.rrf_k)[:k]

    def document_frequencies(self, tokens):
        """{token: how many indexed documents hold it} for `tokens` (absent ones count 0), over
        every kind: the weights that tell a rare shared term from one every listing uses."""
        raise NotImplementedError

    def count(self, kinds=None):
        raise NotImplementedError

    def ids(self, kinds=None):
        """The set of indexed ids, to reconcile the index with the database."""
        raise NotImplementedError

    def get_vectors(self, ids, *, model):
        """{id: vector} for those of `ids` indexed with a vector made by `model`."""
        raise NotImplementedError

    def warm(self, *, model, kinds):
        """Prepare what searches of `model`'s vectors need (a process may call it at start)."""
