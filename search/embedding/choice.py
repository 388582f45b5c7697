"""Which backend embeds on this machine: measured at install time, never assumed.

`manage.py prepare_embedding_model` runs :func:`choose` after the ONNX export: each candidate
this CPU can run natively (bfloat16 needs avx512_bf16 or AMX; the int8 graph needs VNNI or AMX,
and is exported only there) embeds the same ~200-character probe texts after a warm-up; its
throughput is timed and its vectors compared with float32's. A candidate keeps quality when
(1) its vectors agree with float32's on this machine (cosine ≥ MIN_AGREEMENT on every probe), and
(2) its arithmetic ranked the listings' judged development data within MAX_NDCG_LOSS of float32
(dense nDCG@10, recorded in quality.json by `python -m bench.embedding_throughput --quality`).
The fastest that keeps quality is chosen (float32 is the reference and always qualifies). The
record — choice, reason, CPU flags, every candidate's figures — is written to the model folder
as backend-choice.json; EMBEDDING_BACKEND=auto (the default) follows it.
"""

import json
import os
import time
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

CHOICE_FILE = "backend-choice.json"
QUALITY_FILE = Path(__file__).with_name("quality.json")
# name: (EMBEDDING_BACKEND, torch dtype or None, vector precision)
CANDIDATES = {
    "onnx-float32": ("onnx", None, "float32"),
    "torch-float32": ("torch", "float32", "float32"),
    "torch-bfloat16": ("torch", "bfloat16", "bfloat16"),
    "onnx-int8": ("onnx-int8", None, "int8"),
}
BF16_FLAGS = {"avx512_bf16", "amx_bf16"}
INT8_FLAGS = {"avx512_vnni", "avx_vnni", "amx_int8"}
SHOWN_FLAGS = sorted({"avx2", "avx512f", *BF16_FLAGS, *INT8_FLAGS, "amx_tile"})
MIN_AGREEMENT = 0.99
MAX_NDCG_LOSS = 0.005
PROBE_SENTENCES = [
    "一种从废旧三元锂电池正极材料中选择性萃取分离钴和镍的湿法冶金工艺，回收率超过98%。",
    "基于深度学习的纺织品表面瑕疵在线检测系统，检测速度每分钟60米，漏检率低于千分之一。",
    "耐盐碱水稻新品种的选育方法，在含盐量千分之三的滩涂地上亩产提高12%。",
    "面向中小企业的工业互联网平台，实现设备联网、能耗监测和预测性维护。",
    "高性能碳纤维复合材料的低成本成型工艺，适用于新能源汽车轻量化车身部件。",
    "寻求一种可在十分钟内评估退役动力电池健康状态的快速检测技术与装置。",
    "污水处理厂污泥的低温干化与资源化利用技术，干化能耗降低30%。",
    "Recovering cobalt and nickel from spent lithium batteries by selective solvent extraction.",
]


def probe_texts(count=48, length=200):
    """`count` texts of about `length` characters, made of the probe sentences in turn."""
    texts = []
    for start in range(count):
        text, n = "", start
        while len(text) < length:
            text += PROBE_SENTENCES[n % len(PROBE_SENTENCES)]
            n += 1
        texts.append(text[:length])
    return texts


def runnable(name, flags, *, int8_exported):
    """None if this CPU runs the candidate natively, else why not."""
    if name == "torch-bfloat16" and not BF16_FLAGS & flags:
        return "no native bfloat16 (avx512_bf16, amx_bf16): emulated, several times slower"
    if name == "onnx-int8" and not (INT8_FLAGS & flags and int8_exported):
        return "no int8 dot-product instructions (VNNI, AMX): not exported"
    return None


def dev_quality():
    """{precision: {"ndcg@10": …, "loss": …}} as measured on the judged development data."""
    try:
        return json.loads(QUALITY_FILE.read_text(encoding="utf-8"))["precisions"]
    except (OSError, KeyError, ValueError):
        return {}


def decide(figures, quality):
    """The fastest candidate that keeps quality; each candidate's figures gain `eligible` and
    `why` (why not, or why chosen)."""
    reference = quality.get("float32", {}).get("ndcg@10")
    for name, row in figures.items():
        precision = CANDIDATES[name][2]
        measured = quality.get(precision, {}).get("ndcg@10")
        row["dev_ndcg@10"] = measured
        if row.get("why"):
            row["eligible"] = False
        elif row["min_cosine"] < MIN_AGREEMENT:
            row["eligible"] = False
            row["why"] = f"vectors agree with float32 only to cosine {row['min_cosine']:.4f}"
        elif precision != "float32" and (measured is None or reference is None):
            row["eligible"] = False
            row["why"] = "not checked against the judged development data"
        elif precision != "float32" and measured < reference - MAX_NDCG_LOSS:
            row["eligible"] = False
            row["why"] = f"dense nDCG@10 {measured:.3f} against float32's {reference:.3f}"
        else:
            row["eligible"] = True
    eligible = {name: row for name, row in figures.items() if row["eligible"]}
    chosen = max(eligible, key=lambda name: eligible[name]["texts_per_s"])
    others = ", ".join(
        f"{name} {row['texts_per_s']:.1f}" for name, row in figures.items() if name != chosen
    )
    eligible[chosen]["why"] = (
        f"fastest that keeps quality: {eligible[chosen]['texts_per_s']:.1f} texts/s"
        + (f" (others: {others})" if others else "")
    )
    return chosen


def measure(name, texts, model_dir):
    """(texts per second, unit vectors) of one candidate on `texts`, after a warm-up batch."""
    from django.test import override_settings

    from search.embedding import encoder

    backend, dtype, _precision = CANDIDATES[name]
    with override_settings(
        EMBEDDING_MODEL=str(model_dir), EMBEDDING_BACKEND=backend, EMBEDDING_DTYPE=dtype or "auto"
    ):
        encoder._model.cache_clear()
        try:
            encoder.embed_passages(texts[:8])
            started = time.perf_counter()
            vectors = encoder.embed_passages(texts)
            seconds = time.perf_counter() - started
        finally:
            encoder._model.cache_clear()
    return len(texts) / seconds, vectors


def choose(model_dir, *, flags=None, measure=measure, texts=None, log=None):
    """Measure, decide, write backend-choice.json into `model_dir`; returns the record."""
    from search.embedding import encoder, onnx_backend

    model_dir = Path(model_dir)
    flags = encoder.cpu_flags() if flags is None else set(flags)
    texts = texts or probe_texts()
    int8_exported = onnx_backend.int8_path(model_dir).is_file()
    figures, reference = {}, None
    for name in CANDIDATES:
        if name.startswith("onnx") and not onnx_backend.onnx_path(model_dir).is_file():
            continue
        why_not = runnable(name, flags, int8_exported=int8_exported)
        if why_not:
            figures[name] = {"texts_per_s": 0.0, "min_cosine": 0.0, "why": why_not}
            continue
        speed, vectors = measure(name, texts, model_dir)
        if reference is None:  # the first candidate run is float32's
            reference = vectors
        cosines = np.sum(vectors * reference, axis=1)
        figures[name] = {
            "texts_per_s": round(speed, 1),
            "min_cosine": round(float(cosines.min()), 5),
        }
        if log:
            log(f"{name}: {speed:.1f} texts/s, cosine to float32 ≥ {cosines.min():.4f}")
    chosen = decide(figures, dev_quality())
    record = {
        "choice": chosen,
        "reason": figures[chosen]["why"],
        "cpu_flags": [flag for flag in SHOWN_FLAGS if flag in flags],
        "cpu_count": os.cpu_count(),
        "texts": len(texts),
        "candidates": figures,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = model_dir / CHOICE_FILE
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return record


def recorded(model_dir):
    """The candidate chosen for `model_dir` at install time, or None."""
    path = Path(model_dir) / CHOICE_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _read_choice(str(path), stamp)


@lru_cache(maxsize=4)
def _read_choice(path, _stamp):
    try:
        choice = json.loads(Path(path).read_text(encoding="utf-8"))["choice"]
    except (OSError, KeyError, ValueError):
        return None
    return choice if choice in CANDIDATES else None
