"""Embedding throughput of the platform's encoder on this machine's CPU, per backend.

    python -m bench.embedding_throughput [--texts 256]
        [--backends torch-float32 torch-bfloat16 onnx]

Encodes real achievement texts from ../shared/data/listings cut to about 200 characters (the
issue's yardstick) as passages, in batches of EMBEDDING_BATCH_SIZE, once per backend, after a
warm-up batch: torch (sentence-transformers) in float32 and bfloat16, and ONNX Runtime in
float32 (where `manage.py prepare_embedding_model` has exported it). Prints texts per
second, per CPU-second (less sensitive to other work on the machine: compare load averages) and
each backend's cosine agreement with torch float32 on the same texts; writes
bench/out/embedding_throughput.json.
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

from search.embedding import encoder, onnx_backend  # noqa: E402

LISTINGS = Path(settings.BASE_DIR).parent / "shared" / "data" / "listings" / "achievements.jsonl"
OUT = Path(__file__).resolve().parent / "out" / "embedding_throughput.json"
# name: (EMBEDDING_BACKEND, EMBEDDING_DTYPE)
BACKENDS = {
    "torch-float32": ("torch", "float32"),
    "torch-bfloat16": ("torch", "bfloat16"),
    "onnx": ("onnx", "float32"),
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--backends", nargs="+", choices=list(BACKENDS), default=list(BACKENDS))
    options = parser.parse_args()
    texts = sample_texts(options.texts)
    backends = []
    for name in options.backends:
        backend = BACKENDS[name][0]
        if backend == "onnx" and not onnx_backend.onnx_path(settings.EMBEDDING_MODEL).is_file():
            print(f"skipping {name}: run `python manage.py prepare_embedding_model` to export it")
            continue
        backends.append(name)
    report = {
        "model": Path(settings.EMBEDDING_MODEL).name,
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


if __name__ == "__main__":
    main()
