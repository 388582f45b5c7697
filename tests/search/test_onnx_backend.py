"""The ONNX Runtime backend, exported from the session's converted model.

The export (about 25 s) runs once per session into a copy of `model_dir`, the way
`prepare_embedding_model` runs it into var/models; the other tests keep a folder without it.
"""

import json
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from sentence_transformers import SentenceTransformer

from search.embedding import cache, encoder, onnx_backend

TEXTS = [
    "废旧锂电池中钴镍的高效分离回收工艺，回收率需达到98%以上",
    "一种从废旧三元锂电池正极材料中选择性萃取分离钴和镍的湿法冶金工艺，钴镍回收率均超过98%。",
    "基于深度学习的纺织品表面瑕疵在线检测系统，检测速度每分钟60米，适用于棉、麻、化纤面料。",
    "一种耐盐碱水稻新品种的选育方法，亩产提高12%。",
    "高性能碳纤维复合材料风电叶片的真空灌注成型工艺及其无损检测方法",
    "面向中小企业的工业互联网平台，实现设备联网、能耗监测与预测性维护。",
    "recovering cobalt and nickel from spent lithium batteries",
    "锂电池",
]


@pytest.fixture(scope="session")
def exported(model_dir, tmp_path_factory):
    """A converted folder exported by the command, as `make install` does; (folder, manifest)."""
    folder = tmp_path_factory.mktemp("exported") / model_dir.name
    shutil.copytree(model_dir, folder)
    out = StringIO()
    call_command("prepare_embedding_model", target=folder, no_choice=True, stdout=out)
    assert "nothing to convert" in out.getvalue()
    assert "Wrote model.onnx" in out.getvalue()
    manifest = json.loads((folder / "onnx" / "export.json").read_text(encoding="utf-8"))
    return folder, manifest


@pytest.fixture(scope="session")
def torch_float32(exported):
    model_dir, _ = exported
    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="module", autouse=True)
def _unload_models():
    yield
    encoder._model.cache_clear()


def _encode_with(settings, model_dir, backend, texts, role):
    # The encoder keeps the last model loaded, keyed by these settings.
    settings.EMBEDDING_MODEL = str(model_dir)
    settings.EMBEDDING_BACKEND = backend
    settings.EMBEDDING_DTYPE = "float32"
    embed = encoder.embed_queries if role == "query" else encoder.embed_passages
    return embed(texts)


def test_export_writes_the_fused_graph_checked_against_torch(exported):
    model_dir, manifest = exported
    assert onnx_backend.is_exported(model_dir)
    assert manifest["fused_operators"]["Attention"] == 12
    assert manifest["size_bytes"] == onnx_backend.onnx_path(model_dir).stat().st_size
    assert manifest["min_cosine_to_torch"] >= onnx_backend.MIN_AGREEMENT


def test_export_is_idempotent(exported):
    model_dir, manifest = exported
    graph = onnx_backend.onnx_path(model_dir)
    before = graph.stat().st_mtime_ns
    assert onnx_backend.export_onnx(model_dir) == manifest
    assert graph.stat().st_mtime_ns == before


def test_the_command_leaves_an_exported_folder_alone(exported):
    model_dir, _ = exported
    out = StringIO()
    call_command("prepare_embedding_model", target=model_dir, no_choice=True, stdout=out)
    assert "nothing to do" in out.getvalue()


def test_tokens_are_sentence_transformers_own(exported, torch_float32):
    model_dir, _ = exported
    onnx = onnx_backend.OnnxEncoder(model_dir, onnx_backend.onnx_path(model_dir))
    texts = ["query: " + text for text in TEXTS] + ["passage: " + "锂电池回收工艺。" * 200]
    expected = torch_float32.tokenizer(texts, truncation=True, max_length=512)["input_ids"]
    assert [encoding.ids for encoding in onnx.tokenizer.encode_batch(texts)] == expected
    assert len(expected[-1]) == 512  # truncated like sentence-transformers


@pytest.mark.parametrize("role", ["query", "passage"])
def test_onnx_float32_computes_torchs_vectors_with_the_same_prompts(
    settings, exported, torch_float32, role
):
    model_dir, _ = exported
    onnx = _encode_with(settings, model_dir, "onnx", TEXTS, role)
    reference = torch_float32.encode(TEXTS, prompt_name=role, normalize_embeddings=True)
    assert np.sum(onnx * reference, axis=1).min() >= 0.9999


def test_vectors_are_unit_length_float32_and_prompted(settings, exported, torch_float32):
    model_dir, _ = exported
    queries = _encode_with(settings, model_dir, "onnx", TEXTS, "query")
    passages = _encode_with(settings, model_dir, "onnx", TEXTS, "passage")
    assert queries.shape == (len(TEXTS), 384) and queries.dtype == np.float32
    assert np.allclose(np.linalg.norm(queries, axis=1), 1, atol=1e-5)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-5)
    # Each query is nearer torch's query vector than torch's passage vector of the same words:
    # the "query: " prompt is applied, not "passage: " or none.
    torch_queries = torch_float32.encode(TEXTS, prompt_name="query", normalize_embeddings=True)
    torch_passages = torch_float32.encode(TEXTS, prompt_name="passage", normalize_embeddings=True)
    assert np.all(np.sum(queries * torch_queries, 1) > np.sum(queries * torch_passages, 1))
    assert np.all(np.sum(passages * torch_passages, 1) > np.sum(passages * torch_queries, 1))


def test_batching_and_padding_do_not_change_vectors(exported):
    model_dir, _ = exported
    onnx = onnx_backend.OnnxEncoder(model_dir, onnx_backend.onnx_path(model_dir))
    together = onnx.encode(TEXTS, prompt="passage: ", batch_size=3)  # mixed lengths, padded
    alone = np.concatenate([onnx.encode([text], prompt="passage: ") for text in TEXTS])
    assert np.allclose(together, alone, atol=1e-4)


@pytest.mark.parametrize(("backend", "expected"), [("auto", "onnx"), ("torch", "torch")])
def test_auto_takes_the_export_where_the_folder_has_it(settings, exported, backend, expected):
    model_dir, _ = exported
    settings.EMBEDDING_MODEL = str(model_dir)
    settings.EMBEDDING_BACKEND = backend
    assert encoder.chosen_backend() == expected


def test_float32_backends_share_cached_vectors_and_bfloat16_keeps_its_own(
    settings, exported, tmp_path
):
    model_dir, _ = exported
    settings.EMBEDDING_CACHE_DIR = tmp_path
    settings.EMBEDDING_MODEL = str(model_dir)
    keys = {}
    for backend, dtype in (("torch", "float32"), ("onnx", "float32"), ("torch", "bfloat16")):
        settings.EMBEDDING_BACKEND, settings.EMBEDDING_DTYPE = backend, dtype
        keys[backend, dtype] = cache._key("passage", TEXTS[0], encoder.vector_precision())
    assert keys["torch", "float32"] == keys["onnx", "float32"] != keys["torch", "bfloat16"]


def test_onnx_runs_in_a_process_that_loaded_the_search_backend_first(exported):
    # A worker imports the embedded search backend (usearch) before it embeds anything;
    # loaded in that order without care, ONNX Runtime crashed while starting (SIGSEGV).
    model_dir, _ = exported
    script = (
        "import sys\n"
        "import search.backends.embedded\n"
        "from search.embedding.onnx_backend import OnnxEncoder, onnx_path\n"
        "encoder = OnnxEncoder(sys.argv[1], onnx_path(sys.argv[1]))\n"
        "print(encoder.encode(['锂电池回收'], prompt='query: ').shape)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(model_dir)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(1, 384)"
