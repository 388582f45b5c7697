"""Search: the embedded backend unless Elasticsearch is named (search/backends)."""

from config.env import BASE_DIR, env

ELASTICSEARCH_URL = env("ELASTICSEARCH_URL", default="")
ELASTICSEARCH_INDEX_PREFIX = env("ELASTICSEARCH_INDEX_PREFIX", default="techbridge")
SEARCH_BACKEND = env("SEARCH_BACKEND", default="elasticsearch" if ELASTICSEARCH_URL else "embedded")
# The embedded backend's files, shared by the web process and the workers.
SEARCH_INDEX_DIR = env.path("SEARCH_INDEX_DIR", default=BASE_DIR / "var/search")
# Vector search is exact up to this many vectors of one kind, HNSW beyond.
SEARCH_EXACT_LIMIT = env.int("SEARCH_EXACT_LIMIT", default=200_000)
# The k of reciprocal rank fusion: 1 / (k + rank).
SEARCH_RRF_K = env.int("SEARCH_RRF_K", default=60)
# Seconds, in all, that a save indexing inline (no REDIS_URL: the task runs inside the web
# request) waits for another writer's lock on the embedded index before it leaves the listing
# dirty for the five-minute sweep. Workers and sweeps wait up to a minute.
SEARCH_REQUEST_LOCK_WAIT = env.float("SEARCH_REQUEST_LOCK_WAIT", default=3.0)
