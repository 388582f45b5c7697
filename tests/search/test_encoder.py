import numpy as np
import pytest
import torch
from django.core.exceptions import ImproperlyConfigured

from search.embedding import encoder


@pytest.fixture
def converted_model(settings, model_dir):
    settings.EMBEDDING_MODEL = str(model_dir)
    settings.EMBEDDING_DTYPE = "float32"
    encoder._model.cache_clear()
    yield model_dir
    encoder._model.cache_clear()


def test_vectors_are_unit_length_and_prompted(converted_model):
    queries = encoder.embed_queries(["锂电池回收", "Lithium battery recycling"])
    passages = encoder.embed_passages(["锂电池回收"])
    assert queries.shape == (2, 384) and queries.dtype == np.float32
    assert np.allclose(np.linalg.norm(queries, axis=1), 1, atol=1e-5)
    # The same words as a query and as a passage are encoded differently (e5's prompts).
    assert float(queries[0] @ passages[0]) < 0.999


def test_a_need_is_closest_to_the_achievement_that_answers_it(converted_model):
    need = encoder.embed_queries(["废旧锂电池中钴镍的高效分离回收工艺，回收率需达到98%以上"])[0]
    achievements = encoder.embed_passages(
        [
            "一种从废旧三元锂电池正极材料中选择性萃取分离钴和镍的湿法冶金工艺，钴镍回收率均超过98%。",
            "基于深度学习的纺织品表面瑕疵在线检测系统，检测速度每分钟60米。",
            "一种耐盐碱水稻新品种的选育方法，亩产提高12%。",
        ]
    )
    scores = achievements @ need
    assert int(np.argmax(scores)) == 0
    # Cross-language: the English need still finds the Chinese achievement first.
    english = encoder.embed_queries(["recovering cobalt and nickel from spent lithium batteries"])[
        0
    ]
    assert int(np.argmax(achievements @ english)) == 0


def test_model_id_names_the_model_folder(converted_model):
    assert encoder.model_id() == "e5-small"


@pytest.mark.parametrize(
    ("flags", "wanted", "expected"),
    [
        ({"avx2"}, "auto", torch.float32),
        ({"avx2", "avx512f", "avx512_bf16"}, "auto", torch.bfloat16),
        ({"amx_bf16"}, "auto", torch.bfloat16),
        ({"avx512_bf16"}, "float32", torch.float32),
        ({"avx2"}, "bfloat16", torch.bfloat16),
    ],
)
def test_bfloat16_only_where_the_cpu_has_it(
    settings, monkeypatch, tmp_path, flags, wanted, expected
):
    settings.EMBEDDING_MODEL = str(tmp_path)  # nothing measured there
    settings.EMBEDDING_DTYPE = wanted
    monkeypatch.setattr(encoder, "cpu_flags", lambda: flags)
    assert encoder.chosen_dtype() is expected


def test_auto_takes_torch_where_the_folder_has_no_export(settings, model_dir):
    settings.EMBEDDING_MODEL = str(model_dir)
    settings.EMBEDDING_BACKEND = "auto"
    assert encoder.chosen_backend() == "torch"
    settings.EMBEDDING_MODEL = "intfloat/multilingual-e5-small"  # a model-hub name
    assert encoder.chosen_backend() == "torch"


def test_an_unknown_backend_is_refused_clearly(settings):
    settings.EMBEDDING_BACKEND = "tpu"
    with pytest.raises(ImproperlyConfigured, match="EMBEDDING_BACKEND is 'tpu'.*'torch'"):
        encoder.chosen_backend()
    with pytest.raises(ImproperlyConfigured, match="EMBEDDING_BACKEND"):
        encoder.embed_queries(["锂电池回收"])


def test_an_unknown_dtype_is_refused_clearly(settings):
    settings.EMBEDDING_DTYPE = "float16"
    with pytest.raises(ImproperlyConfigured, match="EMBEDDING_DTYPE is 'float16'.*'bfloat16'"):
        encoder.chosen_dtype()


def test_an_onnx_backend_without_its_export_says_how_to_make_it(settings, tmp_path):
    settings.EMBEDDING_MODEL = str(tmp_path)
    settings.EMBEDDING_BACKEND = "onnx"
    encoder._model.cache_clear()
    with pytest.raises(ImproperlyConfigured, match="model.onnx.*prepare_embedding_model"):
        encoder.embed_passages(["锂电池回收"])
