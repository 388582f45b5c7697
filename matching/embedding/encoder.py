"""Sentence embeddings for matching: e5's "query: " for needs, "passage: " for what answers them."""

from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


def model_id():
    """The name recorded with every vector, so vectors of another model are never mixed in."""
    return Path(settings.EMBEDDING_MODEL.rstrip("/")).name


def _cpu_flags():
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def chosen_dtype():
    """bfloat16 only where the CPU has native bf16: elsewhere it is emulated and much slower."""
    import torch

    wanted = settings.EMBEDDING_DTYPE
    if wanted == "auto":
        wanted = "bfloat16" if NATIVE_BF16_FLAGS & _cpu_flags() else "float32"
    return {"bfloat16": torch.bfloat16, "float32": torch.float32}[wanted]


@lru_cache(maxsize=1)
def _model():
    from sentence_transformers import SentenceTransformer

    name = settings.EMBEDDING_MODEL
    if name.startswith(("/", ".")) and not Path(name).exists():
        # A missing folder would be taken for a model-hub name and fetched over the network.
        raise ImproperlyConfigured(
            f"EMBEDDING_MODEL {name} does not exist: run `python manage.py "
            "prepare_embedding_model` (make run and make test do)."
        )
    return SentenceTransformer(
        settings.EMBEDDING_MODEL, device="cpu", model_kwargs={"dtype": chosen_dtype()}
    )


def _encode(texts, prompt):
    vectors = (
        _model()
        .encode(
            list(texts),
            prompt=prompt,
            batch_size=settings.EMBEDDING_BATCH_SIZE,
            convert_to_numpy=True,
            show_progress_bar=False,
            normalize_embeddings=False,
        )
        .astype(np.float32)
    )
    # Normalise in float32: a bfloat16 model's own normalisation leaves lengths of 0.997–1.003.
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def embed_queries(texts):
    """Unit-length float32 vectors for texts that ask (needs, search queries)."""
    return _encode(texts, QUERY_PROMPT)


def embed_passages(texts):
    """Unit-length float32 vectors for texts that answer (achievements, profiles, projects)."""
    return _encode(texts, PASSAGE_PROMPT)
