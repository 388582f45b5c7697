"""The Elasticsearch 8 backend: one index behind an alias, swapped atomically on rebuild.

The pre-tokenized tokens are indexed with the whitespace analyzer (no plugin: the tokens are
the same as the embedded backend's), beside an int8-quantized HNSW `dense_vector` (cosine).
"""

from datetime import UTC, datetime

import numpy as np
from elasticsearch import BadRequestError, Elasticsearch, NotFoundError, helpers

from search.backends.base import SearchBackend, SearchError, as_kinds, filter_values, normalize

INDEX_SETTINGS = {"number_of_shards": 1}
MAPPINGS = {
    "dynamic": "strict",
    "dynamic_templates": [
        {"filters": {"path_match": "filters.*", "mapping": {"type": "keyword"}}},
    ],
    "properties": {
        "kind": {"type": "keyword"},
        "model": {"type": "keyword"},
        "tokens": {"type": "text", "analyzer": "whitespace"},
        # dims come from the first vector indexed; a model of another size needs a rebuild.
        "vector": {
            "type": "dense_vector",
            "index": True,
            "similarity": "cosine",
            "index_options": {"type": "int8_hnsw"},
        },
        "filters": {"type": "object", "dynamic": True},
    },
}

BULK_CHUNK = 500  # documents per bulk request


def _source(doc):
    source = {
        "kind": doc.kind,
        "model": doc.model,
        "tokens": " ".join(doc.tokens),
        "filters": doc.filter_strings(),
    }
    if doc.vector is not None:
        source["vector"] = doc.vector.tolist()
    return source


class ElasticsearchSearchBackend(SearchBackend):
    def __init__(self, *, url="", index_prefix="techbridge", rrf_k=60, client=None):
        super().__init__(rrf_k=rrf_k)
        self.client = client if client is not None else Elasticsearch(url)
        self.alias = f"{index_prefix}-search"
        self._ready = False

    def _ensure_index(self):
        """Create a first index behind the alias if there is none yet."""
        if self._ready:
            return
        if not self.client.indices.exists_alias(name=self.alias):
            try:
                self.client.indices.create(
                    index=f"{self.alias}-initial",
                    settings=INDEX_SETTINGS,
                    mappings=MAPPINGS,
                    aliases={self.alias: {}},
                )
            except BadRequestError as error:
                if error.error != "resource_already_exists_exception":
                    raise
        self._ready = True

    def _bulk(self, actions, *, refresh):
        """Send actions ([metadata] or [metadata, source]) in chunks; raise on any failure."""
        operations, count = [], 0
        for action in actions:
            operations += action
            count += 1
            if count == BULK_CHUNK:
                self._send(operations, refresh)
                operations, count = [], 0
        if operations:
            self._send(operations, refresh)

    def _send(self, operations, refresh):
        response = self.client.bulk(operations=operations, refresh=refresh)
        if response["errors"]:
            failures = [
                result["error"]
                for item in response["items"]
                for result in item.values()
                if "error" in result
            ]
            if failures:
                raise SearchError(f"Elasticsearch bulk request failed: {failures[:3]}")

    # Writing

    def add_many(self, docs):
        self._ensure_index()
        self._bulk(
            ([{"index": {"_index": self.alias, "_id": doc.id}}, _source(doc)] for doc in docs),
            refresh="wait_for",
        )

    def delete(self, ids):
        self._ensure_index()
        # Deleting an unknown id answers "not_found", which is no error.
        self._bulk(
            ([{"delete": {"_index": self.alias, "_id": doc_id}}] for doc_id in ids),
            refresh="wait_for",
        )

    def rebuild(self, docs):
        """Load `docs` into a new index, then point the alias at it and drop the old ones."""
        name = f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        self.client.indices.create(index=name, settings=INDEX_SETTINGS, mappings=MAPPINGS)
        try:
            self._bulk(
                ([{"index": {"_index": name, "_id": doc.id}}, _source(doc)] for doc in docs),
                refresh=False,
            )
            self.client.indices.refresh(index=name)
        except BaseException:
            self.client.indices.delete(index=name)
            raise
        old = self._aliased_indices()
        self.client.indices.update_aliases(
            actions=[{"remove": {"index": index, "alias": self.alias}} for index in old]
            + [{"add": {"index": name, "alias": self.alias}}]
        )
        if old:
            self.client.indices.delete(index=",".join(old))
        self._ready = True

    def _aliased_indices(self):
        try:
            return sorted(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    # Reading

    def _filters(self, kinds, filters, exclude_ids):
        """A bool query's filter and must_not clauses."""
        clauses = [{"terms": {"kind": as_kinds(kinds)}}]
        for name, value in (filters or {}).items():
            clauses.append({"terms": {f"filters.{name}": filter_values(value)}})
        query = {"filter": clauses}
        if exclude_ids:
            query["must_not"] = [{"ids": {"values": list(exclude_ids)}}]
        return query

    def _hits(self, **request):
        try:
            response = self.client.search(index=self.alias, source=False, **request)
        except NotFoundError:  # nothing indexed yet
            return []
        return response["hits"]["hits"]

    def keyword_search(self, query_tokens, *, kinds, k, filters=None, exclude_ids=()):
        if not query_tokens:
            return []
        query = self._filters(kinds, filters, exclude_ids)
        query["must"] = [{"match": {"tokens": " ".join(query_tokens)}}]
        hits = self._hits(query={"bool": query}, size=k)
        return [(hit["_id"], hit["_score"]) for hit in hits]

    def vector_search(self, vector, *, model, kinds, k, filters=None, exclude_ids=()):
        query = self._filters(kinds, filters, exclude_ids)
        query["filter"].append({"term": {"model": model}})
        knn = {
            "field": "vector",
            "query_vector": normalize(vector).tolist(),
            "k": k,
            "num_candidates": min(max(10 * k, 100), 10_000),
            "filter": {"bool": query},
        }
        hits = self._hits(knn=knn, size=k)
        # Elasticsearch scores cosine similarity as (1 + cosine) / 2.
        return [(hit["_id"], 2 * hit["_score"] - 1) for hit in hits]

    def document_frequencies(self, tokens):
        tokens = list(dict.fromkeys(tokens))
        if not tokens:
            return {}
        searches = []
        for token in tokens:
            searches += [
                {},
                {"size": 0, "track_total_hits": True, "query": {"term": {"tokens": token}}},
            ]
        try:
            responses = self.client.msearch(index=self.alias, searches=searches)["responses"]
        except NotFoundError:
            return dict.fromkeys(tokens, 0)
        return {
            token: response.get("hits", {}).get("total", {}).get("value", 0)
            for token, response in zip(tokens, responses, strict=True)
        }

    def count(self, kinds=None):
        query = {"match_all": {}} if kinds is None else {"terms": {"kind": as_kinds(kinds)}}
        try:
            return self.client.count(index=self.alias, query=query)["count"]
        except NotFoundError:
            return 0

    def ids(self, kinds=None):
        query = {"match_all": {}} if kinds is None else {"terms": {"kind": as_kinds(kinds)}}
        try:
            hits = helpers.scan(self.client, index=self.alias, query={"query": query}, source=False)
            return {hit["_id"] for hit in hits}
        except NotFoundError:
            return set()

    def get_vectors(self, ids, *, model):
        ids = list(ids)
        if not ids:
            return {}
        try:
            response = self.client.mget(index=self.alias, ids=ids, source=["model", "vector"])
        except NotFoundError:
            return {}
        return {
            doc["_id"]: np.asarray(doc["_source"]["vector"], dtype=np.float32)
            for doc in response["docs"]
            if doc.get("found")
            and doc["_source"].get("model") == model
            and "vector" in doc["_source"]
        }
