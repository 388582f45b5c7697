"""Search backends: the embedded default (SQLite + numpy/usearch) or Elasticsearch."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


@cache
def get_backend():
    """This process's search backend, as settings.SEARCH_BACKEND names it."""
    if settings.SEARCH_BACKEND == "embedded":
        from search.backends.embedded import EmbeddedSearchBackend

        return EmbeddedSearchBackend(
            settings.SEARCH_INDEX_DIR,
            exact_limit=settings.SEARCH_EXACT_LIMIT,
            rrf_k=settings.SEARCH_RRF_K,
        )
    if settings.SEARCH_BACKEND == "elasticsearch":
        from search.backends.elasticsearch import ElasticsearchSearchBackend

        return ElasticsearchSearchBackend(
            url=settings.ELASTICSEARCH_URL,
            index_prefix=settings.ELASTICSEARCH_INDEX_PREFIX,
            rrf_k=settings.SEARCH_RRF_K,
        )
    raise ImproperlyConfigured(
        f"SEARCH_BACKEND must be 'embedded' or 'elasticsearch', not {settings.SEARCH_BACKEND!r}"
    )


@receiver(setting_changed)
def _forget_backend(*, setting, **kwargs):
    if setting.startswith(("SEARCH_", "ELASTICSEARCH_")):
        get_backend.cache_clear()
