"""Embedding throughput of the platform's encoder on this machine's CPU, per backend.

    python -m bench.embedding_throughput [--texts 256]
        [--backends torch-float32 torch-bfloat16 onnx onnx-int8] [--quality]

Encodes real achievement texts from ../shared/data/listings cut to about 200 characters (the
issue's yardstick) as passages, in batches of EMBEDDING_BATCH_SIZE, once per backend, after a
warm-up batch: torch (sentence-transformers) in float32 and bfloat16, and ONNX Runtime in
float32 (where `manage.py prepare_embedding_model` has exported it). Prints texts per
second, per CPU-second (less sensitive to other work on the machine: compare load averages) and
each backend's cosine agreement with torch float32 on the same texts; writes
bench/out/embedding_throughput.json.

--quality also ranks the listings' judged development data by each backend's vectors alone
(dense nDCG@10, needs as queries, achievements as passages) and writes the figures per
precision to search/embedding/quality.json, which the install-time backend choice reads
(search.embedding.choice): a precision more than 0.005 below float32 is never chosen.
"""

import argparse
import json
import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from django.conf import settings  # noqa: E402

from bench.common import cpu_flags_line  # noqa: E402
from search.embedding import choice, encoder, onnx_backend  # noqa: E402

LISTINGS = Path(settings.BASE_DIR).parent / "shared" / "data" / "listings" / "achievements.jsonl"
OUT = Path(__file__).resolve().parent / "out" / "embedding_throughput.json"
# name: (EMBEDDING_BACKEND, EMBEDDING_DTYPE)
BACKENDS = {
    "torch-float32": ("torch", "float32"),
    "torch-bfloat16": ("torch", "bfloat16"),
    "onnx": ("onnx", "float32"),
    "onnx-int8": ("onnx-int8", "float32"),
}
PRECISION = {
    "torch-float32": "float32",
    "onnx": "float32",
    "torch-bfloat16": "bfloat16",
    "onnx-int8": "int8",
}


def sample_texts(count, length=200):
    texts = []
    with LISTINGS.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            text = f"{row['name']}。{row.get('context') or ''}"
            if len(text) >= length:
                texts.append(text[:length])
            if len(texts) == count:
                break
    return texts


def measure(texts, name):
    settings.EMBEDDING_BACKEND, settings.EMBEDDING_DTYPE = BACKENDS[name]
    encoder._model.cache_clear()
    encoder.embed_passages(texts[: settings.EMBEDDING_BATCH_SIZE])  # load and warm up
    load = os.getloadavg()[0]
    cpu, started = time.process_time(), time.perf_counter()
    vectors = encoder.embed_passages(texts)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    encoder._model.cache_clear()
    run = {
        "backend": name,
        "model_id": encoder.model_id(),
        "texts": len(texts),
        "seconds": seconds,
        "texts_per_s": len(texts) / seconds,
        "cpu_seconds": cpu_seconds,
        "texts_per_cpu_s": len(texts) / cpu_seconds,
        "load_average_1min": load,
    }
    return run, vectors


def dense_ndcg(name):
    """Dense nDCG@10 of the listings' judged development data with one backend's vectors."""
    from matching import judged
    from matching.evaluation import evaluate, read_qrels
    from search.embedding.cache import embed_cached

    settings.EMBEDDING_BACKEND, settings.EMBEDDING_DTYPE = BACKENDS[name]
    encoder._model.cache_clear()
    data = judged.DATA / "listings"
    qrels = read_qrels(data / "judged_dev_qrels.tsv")
    needs = [row for row in judged.read_jsonl(data / "needs.jsonl") if row["id"] in qrels]
    achievements = judged.read_jsonl(data / "achievements.jsonl")
    passages = embed_cached(
        [judged.joined(r["name"], r.get("industry"), r.get("context")) for r in achievements],
        role="passage",
    )
    queries = embed_cached(
        [judged.joined(r["name"], r.get("context")) for r in needs], role="query"
    )
    encoder._model.cache_clear()
    run = {}
    for need, scores in zip(needs, queries @ np.asarray(passages).T, strict=True):
        run[need["id"]] = [achievements[i]["id"] for i in np.argsort(-scores)[:10]]
    return evaluate(run, qrels)["ndcg@10"]


def write_quality(backends):
    precisions = {}
    for name in backends:
        precision = PRECISION[name]
        if precision not in precisions:
            score = dense_ndcg(name)
            precisions[precision] = {"ndcg@10": round(score, 4), "measured_with": name}
            print(f"{precision}: dense nDCG@10 {score:.4f} ({name})", flush=True)
    choice.QUALITY_FILE.write_text(
        json.dumps(
            {
                "set": "listings, judged development data: needs → achievements, dense only",
                "cpu": cpu_flags_line(),
                "precisions": precisions,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written to {choice.QUALITY_FILE}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--backends", nargs="+", choices=list(BACKENDS), default=list(BACKENDS))
    parser.add_argument("--quality", action="store_true", help="also write quality.json")
    options = parser.parse_args()
    texts = sample_texts(options.texts)
    backends = []
    for name in options.backends:
        backend = BACKENDS[name][0]
        path = (onnx_backend.int8_path if backend == "onnx-int8" else onnx_backend.onnx_path)(
            settings.EMBEDDING_MODEL
        )
        if backend.startswith("onnx") and not path.is_file():
            print(f"skipping {name}: run `python manage.py prepare_embedding_model` to export it")
            continue
        backends.append(name)
    report = {
        "model": Path(settings.EMBEDDING_MODEL).name,
        "cpu": cpu_flags_line(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "auto_dtype": str(encoder.chosen_dtype()),
        "batch_size": settings.EMBEDDING_BATCH_SIZE,
        "text_chars": 200,
        "runs": [],
    }
    reference = None
    for name in backends:
        run, vectors = measure(texts, name)
        if name == "torch-float32":
            reference = vectors
        if reference is not None:
            cosines = np.sum(vectors * reference, axis=1)
            run["cosine_to_torch_float32"] = {
                "min": float(cosines.min()),
                "mean": float(cosines.mean()),
            }
        report["runs"].append(run)
        print(f"{name}: {run['texts_per_s']:.1f} texts/s", flush=True)
    print(report["cpu"])
    print(
        f"{report['model']} on {report['cpu_count']} CPUs ({report['cpu_capability']}),"
        f" auto dtype {report['auto_dtype']}, batches of {report['batch_size']}"
    )
    print(
        f"{'backend':<15} {'texts':>6} {'seconds':>8} {'texts/s':>8} {'/cpu-s':>7}"
        f" {'load':>5} {'cos min':>8} {'cos mean':>8}"
    )
    for run in report["runs"]:
        agreement = run.get("cosine_to_torch_float32")
        cosines = f"{agreement['min']:>8.4f} {agreement['mean']:>8.4f}" if agreement else ""
        print(
            f"{run['backend']:<15} {run['texts']:>6} {run['seconds']:>8.1f}"
            f" {run['texts_per_s']:>8.1f} {run['texts_per_cpu_s']:>7.1f}"
            f" {run['load_average_1min']:>5.1f} {cosines}"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written to {OUT}")
    if options.quality:
        write_quality(backends)


if __name__ == "__main__":
    main()
