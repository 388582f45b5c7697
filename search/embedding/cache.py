"""An on-disk cache of embeddings, keyed by model, prompt and text.

Benchmarks and the offline `rank` command meet the same texts run after run; on a CPU that
embeds a few dozen texts a second, encoding each text once matters.
"""

import hashlib
import sqlite3
from pathlib import Path

import numpy as np
from django.conf import settings

from search.embedding import encoder

ENCODERS = {"query": encoder.embed_queries, "passage": encoder.embed_passages}


def _connection():
    folder = Path(settings.EMBEDDING_CACHE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(folder / "embeddings.sqlite3", timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
    )
    return connection


def _key(role, text, precision):
    return hashlib.sha256(f"{encoder.model_id()}\0{precision}\0{role}\0{text}".encode()).hexdigest()


def embed_cached(texts, *, role, progress=None):
    """Unit vectors for `texts` as queries or passages (`role`), encoding only unseen texts."""
    texts = list(texts)
    precision = encoder.vector_precision()
    keys = [_key(role, text, precision) for text in texts]
    with _connection() as connection:
        found = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in connection.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk
            ):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        text_of = dict(zip(keys, texts, strict=True))
        batch = settings.EMBEDDING_BATCH_SIZE * 4
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            vectors = ENCODERS[role]([text_of[key] for key in chunk])
            connection.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                [
                    (key, vector.astype(np.float32).tobytes())
                    for key, vector in zip(chunk, vectors, strict=True)
                ],
            )
            connection.commit()
            found.update(zip(chunk, vectors, strict=True))
            if progress:
                progress(len(chunk))
    return np.stack([found[key] for key in keys]) if keys else np.zeros((0, 0), np.float32)
