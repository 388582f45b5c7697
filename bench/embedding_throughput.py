"""Embedding throughput of the platform's encoder on this machine's CPU.

    python -m bench.embedding_throughput [--texts 256] [--dtypes float32 bfloat16]

Encodes real achievement texts from ../shared/data/listings cut to about 200 characters (the
issue's yardstick) as passages, in batches of EMBEDDING_BATCH_SIZE, once per dtype, after a
warm-up batch. Prints texts per second and writes bench/out/embedding_throughput.json.
"""

import argparse
import json
import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

import torch  # noqa: E402
from django.conf import settings  # noqa: E402

from matching.embedding import encoder  # noqa: E402

LISTINGS = Path(settings.BASE_DIR).parent / "shared" / "data" / "listings" / "achievements.jsonl"
OUT = Path(__file__).resolve().parent / "out" / "embedding_throughput.json"


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


def measure(texts, dtype):
    settings.EMBEDDING_DTYPE = dtype
    encoder._model.cache_clear()
    encoder.embed_passages(texts[: settings.EMBEDDING_BATCH_SIZE])  # load and warm up
    started = time.perf_counter()
    encoder.embed_passages(texts)
    seconds = time.perf_counter() - started
    return {
        "dtype": dtype,
        "texts": len(texts),
        "seconds": seconds,
        "texts_per_s": len(texts) / seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--dtypes", nargs="+", default=["float32", "bfloat16"])
    options = parser.parse_args()
    texts = sample_texts(options.texts)
    report = {
        "model": encoder.model_id(),
        "cpu_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "auto_dtype": str(encoder.chosen_dtype()),
        "batch_size": settings.EMBEDDING_BATCH_SIZE,
        "text_chars": 200,
        "runs": [measure(texts, dtype) for dtype in options.dtypes],
    }
    print(
        f"{report['model']} on {report['cpu_threads']} threads ({report['cpu_capability']}),"
        f" auto dtype {report['auto_dtype']}"
    )
    print(f"{'dtype':<10} {'texts':>6} {'seconds':>8} {'texts/s':>8}")
    for run in report["runs"]:
        rate = run["texts_per_s"]
        print(f"{run['dtype']:<10} {run['texts']:>6} {run['seconds']:>8.1f} {rate:>8.1f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
