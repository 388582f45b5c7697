import numpy as np
import pytest

from search.embedding import cache, encoder


@pytest.fixture
def counting_encoder(settings, tmp_path, monkeypatch):
    """A stand-in encoder that counts what it is asked to encode (the real one is tested apart)."""
    settings.EMBEDDING_CACHE_DIR = tmp_path
    settings.EMBEDDING_MODEL = "/models/test-model"
    calls = []

    def fake(texts, offset):
        calls.append(list(texts))
        return np.array([[len(t) + offset, 1.0] for t in texts], dtype=np.float32)

    monkeypatch.setitem(cache.ENCODERS, "query", lambda texts: fake(texts, 0))
    monkeypatch.setitem(cache.ENCODERS, "passage", lambda texts: fake(texts, 100))
    return calls


def test_each_text_is_encoded_once_per_role_and_model(counting_encoder, settings):
    first = cache.embed_cached(["甲", "乙乙", "甲"], role="query")
    assert counting_encoder == [["甲", "乙乙"]]
    assert first.tolist() == [[1, 1], [2, 1], [1, 1]]

    again = cache.embed_cached(["乙乙", "丙丙丙"], role="query")
    assert counting_encoder[-1] == ["丙丙丙"]
    assert again.tolist() == [[2, 1], [3, 1]]

    assert cache.embed_cached(["甲"], role="passage").tolist() == [[101, 1]]
    settings.EMBEDDING_MODEL = "/models/another-model"
    cache.embed_cached(["甲"], role="passage")
    assert counting_encoder[-1] == ["甲"]
    assert encoder.model_id() == "another-model"
