"""EMBEDDING_BACKEND=auto follows what was measured at install time on this machine."""

import json

import numpy as np
import pytest

from search.embedding import choice, encoder, onnx_backend

QUALITY = {
    "float32": {"ndcg@10": 0.440},
    "bfloat16": {"ndcg@10": 0.444},
    "int8": {"ndcg@10": 0.437},
}
AVX2 = {"avx2", "fma"}
AMX = {"avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8", "amx_tile"}


@pytest.fixture
def folder(tmp_path):
    """A model folder with the float32 and int8 graphs (empty files: nothing is loaded)."""
    onnx_backend.onnx_path(tmp_path).parent.mkdir()
    onnx_backend.onnx_path(tmp_path).touch()
    onnx_backend.int8_path(tmp_path).touch()
    return tmp_path


def faked(speeds, cosines=None):
    """A measurement that returns these texts/s, and vectors at these cosines to float32's."""
    cosines = cosines or {}

    def measure(name, texts, model_dir):
        cosine = cosines.get(name, 1.0)
        vectors = np.tile([cosine, np.sqrt(1 - cosine**2)], (len(texts), 1))
        return speeds[name], vectors

    return measure


SPEEDS = {"onnx-float32": 35.0, "torch-float32": 31.0, "torch-bfloat16": 90.0, "onnx-int8": 62.0}


@pytest.fixture(autouse=True)
def judged(monkeypatch):
    monkeypatch.setattr(choice, "dev_quality", lambda: QUALITY)


def test_on_an_amx_cpu_the_fastest_that_keeps_quality_is_chosen_and_recorded(folder):
    record = choice.choose(folder, flags=AMX, measure=faked(SPEEDS))
    assert record["choice"] == "torch-bfloat16"
    assert "fastest that keeps quality: 90.0 texts/s" in record["reason"]
    assert record["cpu_flags"] == sorted(AMX - {"avx2"} | {"avx2"})
    written = json.loads((folder / choice.CHOICE_FILE).read_text(encoding="utf-8"))
    assert written["candidates"]["onnx-int8"] == {
        "texts_per_s": 62.0,
        "min_cosine": 1.0,
        "dev_ndcg@10": 0.437,
        "eligible": True,
    }


def test_an_avx2_cpu_never_runs_emulated_bfloat16_or_int8(folder):
    record = choice.choose(folder, flags=AVX2, measure=faked(SPEEDS))
    assert record["choice"] == "onnx-float32"
    assert "no native bfloat16" in record["candidates"]["torch-bfloat16"]["why"]
    assert "no int8" in record["candidates"]["onnx-int8"]["why"]


def test_a_faster_backend_that_loses_quality_is_refused(folder, monkeypatch):
    monkeypatch.setattr(choice, "dev_quality", lambda: {**QUALITY, "bfloat16": {"ndcg@10": 0.430}})
    record = choice.choose(folder, flags=AMX, measure=faked(SPEEDS))
    assert record["choice"] == "onnx-int8"
    assert "0.430 against float32's 0.440" in record["candidates"]["torch-bfloat16"]["why"]
    # Vectors that disagree with float32's on this machine are refused too.
    record = choice.choose(
        folder, flags=AMX, measure=faked(SPEEDS, {"onnx-int8": 0.95, "torch-bfloat16": 0.95})
    )
    assert record["choice"] == "onnx-float32"
    assert "cosine 0.9500" in record["candidates"]["onnx-int8"]["why"]


def test_a_precision_never_checked_against_the_judgements_is_refused(folder, monkeypatch):
    monkeypatch.setattr(choice, "dev_quality", lambda: {"float32": QUALITY["float32"]})
    record = choice.choose(folder, flags=AMX, measure=faked(SPEEDS))
    assert record["choice"] == "onnx-float32"
    assert record["candidates"]["torch-bfloat16"]["why"] == (
        "not checked against the judged development data"
    )


def test_auto_follows_the_recorded_choice(folder, settings):
    settings.EMBEDDING_MODEL = str(folder)
    settings.EMBEDDING_BACKEND = "auto"
    settings.EMBEDDING_DTYPE = "auto"
    assert encoder.chosen_backend() == "onnx"  # exported, nothing measured yet
    choice.choose(folder, flags=AMX, measure=faked(SPEEDS))
    assert (encoder.chosen_backend(), str(encoder.chosen_dtype())) == ("torch", "torch.bfloat16")
    assert encoder.vector_precision() == "bfloat16"
    choice.choose(folder, flags=AMX, measure=faked({**SPEEDS, "onnx-int8": 120.0}))
    assert encoder.chosen_backend() == "onnx-int8" and encoder.vector_precision() == "int8"
    # An explicit setting overrides the measurement.
    settings.EMBEDDING_BACKEND = "onnx"
    assert encoder.chosen_backend() == "onnx" and encoder.vector_precision() == "float32"


def test_the_shipped_quality_record_covers_every_precision():
    quality = json.loads(choice.QUALITY_FILE.read_text(encoding="utf-8"))["precisions"]
    assert set(quality) == {"float32", "bfloat16", "int8"}
    assert all(0 < row["ndcg@10"] < 1 for row in quality.values())
