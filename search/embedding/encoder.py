"""Sentence embeddings for matching: e5's "query: " for needs, "passage: " for what answers them.

EMBEDDING_BACKEND picks what computes them: "onnx" (ONNX Runtime, float32, from the graph that
`manage.py prepare_embedding_model` exports at install time, see onnx_backend), "onnx-int8" (its
int8 quantization), "torch" (sentence-transformers, in EMBEDDING_DTYPE) or "auto": what the
install-time measurement chose on this machine (search.embedding.choice: the fastest that keeps
quality), else ONNX where the model folder holds the export, else torch.
"""

from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}
BACKENDS = ("auto", "onnx", "onnx-int8", "torch")
DTYPES = ("auto", "float32", "bfloat16")


def _refuse(setting, value, allowed):
    raise ImproperlyConfigured(
        f"{setting} is {value!r}; it must be one of "
        + ", ".join(repr(name) for name in allowed)
        + "."
    )


def chosen_backend():
    """The backend that computes vectors, "onnx", "onnx-int8" or "torch": EMBEDDING_BACKEND,
    with "auto" resolved by the install-time choice, else by what the model folder holds."""
    from search.embedding import choice, onnx_backend

    backend = settings.EMBEDDING_BACKEND
    if backend not in BACKENDS:
        _refuse("EMBEDDING_BACKEND", backend, BACKENDS)
    if backend == "auto":
        chosen = choice.recorded(settings.EMBEDDING_MODEL)
        if chosen:
            return choice.CANDIDATES[chosen][0]
        exported = onnx_backend.onnx_path(settings.EMBEDDING_MODEL).is_file()
        backend = "onnx" if exported else "torch"
    return backend


def model_id():
    """The name recorded with every vector, so vectors of another model are never mixed in.
    Not the backend's: ONNX float32 computes torch float32's vectors (cosine ≥ 0.99999)."""
    return Path(settings.EMBEDDING_MODEL.rstrip("/")).name


def vector_precision():
    """The arithmetic the vectors come from: "float32" (torch float32 or ONNX float32, the same
    vectors), "bfloat16" or "int8". Caches of vectors keep them apart."""
    backend = chosen_backend()
    if backend == "onnx-int8":
        return "int8"
    if backend == "torch" and str(chosen_dtype()) == "torch.bfloat16":
        return "bfloat16"
    return "float32"


def cpu_flags():
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def chosen_dtype():
    """torch's dtype: EMBEDDING_DTYPE; "auto" is the install-time choice's where it chose
    torch, else bfloat16 only where the CPU has native bf16 (elsewhere it is emulated and much
    slower)."""
    import torch

    from search.embedding import choice

    wanted = settings.EMBEDDING_DTYPE
    if wanted not in DTYPES:
        _refuse("EMBEDDING_DTYPE", wanted, DTYPES)
    if wanted == "auto":
        chosen = choice.recorded(settings.EMBEDDING_MODEL)
        if settings.EMBEDDING_BACKEND == "auto" and chosen and chosen.startswith("torch"):
            wanted = choice.CANDIDATES[chosen][1]
        else:
            wanted = "bfloat16" if NATIVE_BF16_FLAGS & cpu_flags() else "float32"
    return {"bfloat16": torch.bfloat16, "float32": torch.float32}[wanted]


@lru_cache(maxsize=1)
def _model(name, backend, dtype):
    """The loaded model for these settings (one at a time; `_model.cache_clear()` unloads it)."""
    if name.startswith(("/", ".")) and not Path(name).exists():
        # A missing folder would be taken for a model-hub name and fetched over the network.
        raise ImproperlyConfigured(
            f"EMBEDDING_MODEL {name} does not exist: run `python manage.py "
            "prepare_embedding_model` (make run and make test do)."
        )
    if backend == "torch":
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(name, device="cpu", model_kwargs={"dtype": dtype})

    from search.embedding import onnx_backend

    path = (onnx_backend.int8_path if backend == "onnx-int8" else onnx_backend.onnx_path)(name)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"EMBEDDING_BACKEND '{backend}' needs {path}: run `python manage.py "
            "prepare_embedding_model`, which exports it into the EMBEDDING_MODEL folder."
        )
    return onnx_backend.OnnxEncoder(name, path)


def _encode(texts, prompt):
    backend = chosen_backend()
    dtype = chosen_dtype() if backend == "torch" else None
    model = _model(settings.EMBEDDING_MODEL, backend, dtype)
    if backend == "torch":
        vectors = model.encode(
            list(texts),
            prompt=prompt,
            batch_size=settings.EMBEDDING_BATCH_SIZE,
            convert_to_numpy=True,
            show_progress_bar=False,
            normalize_embeddings=False,
        )
    else:
        vectors = model.encode(list(texts), prompt=prompt, batch_size=settings.EMBEDDING_BATCH_SIZE)
    vectors = np.asarray(vectors, dtype=np.float32)
    # Normalise in float32: a bfloat16 model's own normalisation leaves lengths of 0.997–1.003.
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def embed_queries(texts):
    """Unit-length float32 vectors for texts that ask (needs, search queries)."""
    return _encode(texts, QUERY_PROMPT)


def embed_passages(texts):
    """Unit-length float32 vectors for texts that answer (achievements, profiles, projects)."""
    return _encode(texts, PASSAGE_PROMPT)
