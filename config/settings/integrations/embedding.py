"""The sentence-embedding model behind matching (multilingual-e5-small by default).

EMBEDDING_MODEL is a folder (prepared offline by `manage.py prepare_embedding_model`) or, on a
machine that reaches a model hub, a model name such as "intfloat/multilingual-e5-small".
"""

from config.env import BASE_DIR, env

EMBEDDING_MODEL = env("EMBEDDING_MODEL", default=str(BASE_DIR / "var/models/multilingual-e5-small"))
# What computes the vectors: "onnx" (ONNX Runtime, float32, from the graph that
# prepare_embedding_model exports into the model folder), "torch" (sentence-transformers) or
# "auto": ONNX where the folder holds the export, else torch. Both give the same vectors; ONNX
# is about 14 % faster on the AVX2 CPUs measured (bench/embedding_throughput.py).
EMBEDDING_BACKEND = env("EMBEDDING_BACKEND", default="auto")
# torch only. "auto": bfloat16 where the CPU computes it natively (AVX-512 BF16 or AMX), else
# float32.
EMBEDDING_DTYPE = env("EMBEDDING_DTYPE", default="auto")
EMBEDDING_BATCH_SIZE = env.int("EMBEDDING_BATCH_SIZE", default=32)
# Embeddings of texts seen before (benchmarks, the offline rank command).
EMBEDDING_CACHE_DIR = env.path("EMBEDDING_CACHE_DIR", default=BASE_DIR / "var/cache")
