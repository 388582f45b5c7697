"""multilingual-e5-small on ONNX Runtime, float32: torch's vectors, about 14 % faster on CPU.

Install time (:func:`export_onnx`, run by ``manage.py prepare_embedding_model``) writes, into
the sentence-transformers folder::

    onnx/model.onnx        the transformer plus e5's mean pooling, fused for ONNX Runtime
    onnx/export.json       versions, timings and measured agreement (written last)

1. The BertModel is loaded with eager attention (its attention graph is the one ONNX Runtime's
   fusion recognises), wrapped with masked mean pooling over every token, prompt included
   (``1_Pooling``'s ``mean``/``include_prompt``), and exported with the TorchScript exporter,
   batch and sequence length dynamic.
2. ``onnxruntime.transformers.optimizer`` fuses it (12 Attention, 24 SkipLayerNormalization,
   12 BiasGelu, EmbedLayerNormalization).

The graph is checked against the torch model on a few texts before it is renamed into place,
so a transformers or ONNX Runtime upgrade that changes the graph fails at install time rather
than producing other vectors.

Run time (:class:`OnnxEncoder`): the folder's own ``tokenizer.json`` (the Rust tokenizer
sentence-transformers uses, truncated at ``max_seq_length``), texts sorted by token count and
padded per batch, and one ONNX Runtime session on the CPU. No torch is imported.

Where the CPU has int8 dot-product instructions (VNNI, AMX), :func:`export_int8` also writes
``onnx/model-int8.onnx``: the fused graph with its weights quantized to int8 per output channel
(activations are quantized per batch at run time). Whether it is used is measured at install
time (search.embedding.choice). On an AVX2 CPU without VNNI an int8 graph was no faster than
float32 and ranked the listings judgements worse (dense nDCG@10 0.395 against 0.440), so it is
not exported there.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ONNX_DIR = "onnx"
MODEL_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
# Instructions that make int8 matrix products fast (and exact: without them ONNX Runtime's
# u8×s8 kernels can saturate).
INT8_FLAGS = {"avx512_vnni", "avx_vnni", "amx_int8"}
MANIFEST_FILE = "export.json"
OPSET = 17
# Install-time check, cosine of a probe text's vector against the torch float32 model's: the
# export differs only by summation order (≥ 0.99999 in practice).
MIN_AGREEMENT = 0.9999
PROBES = [
    ("query: ", "废旧锂电池中钴镍的高效分离回收工艺"),
    (
        "passage: ",
        "一种从废旧三元锂电池正极材料中选择性萃取分离钴和镍的湿法冶金工艺，回收率超过98%。",
    ),
    ("passage: ", "基于深度学习的纺织品表面瑕疵在线检测系统，检测速度每分钟60米。"),
    ("query: ", "recovering cobalt and nickel from spent lithium batteries"),
    ("passage: ", "一种耐盐碱水稻新品种的选育方法，亩产提高12%。"),
]


class OnnxExportError(RuntimeError):
    pass


def onnx_path(model_dir):
    return Path(model_dir) / ONNX_DIR / MODEL_FILE


def int8_path(model_dir):
    return Path(model_dir) / ONNX_DIR / INT8_FILE


def export_int8(model_dir):
    """Write onnx/model-int8.onnx from the float32 export (weights int8 per channel)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source, target = onnx_path(model_dir), int8_path(model_dir)
    partial = target.with_suffix(".tmp")
    with _quiet():
        quantize_dynamic(
            str(source),
            str(partial),
            weight_type=QuantType.QInt8,
            per_channel=True,
            # The fused graph's contrib operators carry no inferred types.
            extra_options={"DefaultTensorType": 1},  # onnx.TensorProto.FLOAT
        )
    os.chmod(partial, 0o644)
    os.replace(partial, target)
    return target


def is_exported(model_dir):
    folder = Path(model_dir) / ONNX_DIR
    return all((folder / name).is_file() for name in (MODEL_FILE, MANIFEST_FILE))


def _read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _check_pooling(model_dir):
    pooling = _read_json(Path(model_dir) / "1_Pooling" / "config.json")
    if pooling.get("pooling_mode", "mean") != "mean" or not pooling.get("include_prompt", True):
        raise OnnxExportError(f"only mean pooling over all tokens is exported, not {pooling}")


def _unit(vectors):
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _export_float32(model_dir, path):
    """The transformer with mean pooling as one graph, inputs input_ids and attention_mask."""
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(
        str(model_dir),
        device="cpu",
        model_kwargs={"dtype": torch.float32, "attn_implementation": "eager"},
    )
    transformer = st[0].auto_model.eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            tokens = self.model(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            return (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    sample = st.tokenizer(
        [prompt + text for prompt, text in PROBES[:2]], padding=True, return_tensors="pt"
    )
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
        torch.onnx.export(
            MeanPooled(transformer).eval(),
            (sample["input_ids"], sample["attention_mask"]),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "sentence_embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
    reference = st.encode(
        [prompt + text for prompt, text in PROBES],
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    return _unit(reference)


def _fuse(source, target, model_dir):
    from onnxruntime.transformers import optimizer

    config = _read_json(Path(model_dir) / "config.json")
    fused = optimizer.optimize_model(
        str(source),
        model_type="bert",
        num_heads=config["num_attention_heads"],
        hidden_size=config["hidden_size"],
        opt_level=0,  # only the transformer fusions; ORT applies its own at load time
        use_gpu=False,
    )
    statistics = fused.get_fused_operator_statistics()
    layers = config["num_hidden_layers"]
    if statistics.get("Attention", 0) != layers:
        raise OnnxExportError(
            f"ONNX Runtime fused {statistics.get('Attention', 0)} of {layers} attention layers: "
            "the exported graph is not the one this code was written for"
        )
    fused.save_model_to_file(str(target))
    return {name: count for name, count in statistics.items() if count}


@contextmanager
def _quiet():
    """The exporter and the fusion log every node at INFO and WARNING (to the root
    logger, which Django's configuration shows); the checks below are what matters."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


def export_onnx(model_dir, *, force=False, log=None):
    """Write onnx/model.onnx into a sentence-transformers e5 folder.

    Does nothing if it is there (unless ``force``). Files are written beside the folder's
    ``onnx/`` in a temporary folder and renamed into place once the graph passes its check.
    Returns the manifest (also written as onnx/export.json).
    """
    model_dir = Path(model_dir)
    folder = model_dir / ONNX_DIR
    if is_exported(model_dir) and not force:
        return _read_json(folder / MANIFEST_FILE)
    _check_pooling(model_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{ONNX_DIR}.tmp-", dir=model_dir))
    try:
        with _quiet():
            manifest = _build(model_dir, tmp, log or (lambda message: None))
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        for path in (tmp, *tmp.iterdir()):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _build(model_dir, out, say):
    import onnxruntime
    import torch
    import transformers

    started = time.perf_counter()
    say("exporting the float32 graph ...")
    raw = out / "raw.onnx"
    reference = _export_float32(model_dir, raw)
    exported = time.perf_counter()
    say("fusing attention, layer norms and GELU for ONNX Runtime ...")
    fused = _fuse(raw, out / MODEL_FILE, model_dir)
    raw.unlink()
    optimized = time.perf_counter()
    say("checking it against the torch model ...")
    encoder = OnnxEncoder(model_dir, out / MODEL_FILE)
    vectors = np.concatenate(
        [_unit(encoder.encode([text], prompt=prompt)) for prompt, text in PROBES]
    )
    del encoder
    agreement = float(np.sum(vectors * reference, axis=1).min())
    if agreement < MIN_AGREEMENT:
        raise OnnxExportError(
            f"{MODEL_FILE} agrees with the torch model only to cosine {agreement:.5f} "
            f"(at least {MIN_AGREEMENT} expected)"
        )
    return {
        "size_bytes": (out / MODEL_FILE).stat().st_size,
        "fused_operators": fused,
        "opset": OPSET,
        "min_cosine_to_torch": round(agreement, 6),
        "seconds": {
            "export": round(exported - started, 1),
            "fuse": round(optimized - exported, 1),
            "total": round(time.perf_counter() - started, 1),
        },
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
    }


class OnnxEncoder:
    """Mean-pooled (not normalised) e5 vectors from an exported graph, on ONNX Runtime."""

    def __init__(self, model_dir, path):
        import onnxruntime
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        st_config = _read_json(model_dir / "sentence_bert_config.json")
        self.tokenizer.enable_truncation(int(st_config.get("max_seq_length", 512)))
        pad_token = _read_json(model_dir / "tokenizer_config.json").get("pad_token", "<pad>")
        self.pad_id = self.tokenizer.token_to_id(pad_token)
        self.dimension = _read_json(model_dir / "config.json")["hidden_size"]
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only: the graph's notices are not for users
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts, *, prompt="", batch_size=32):
        encodings = self.tokenizer.encode_batch([prompt + text for text in texts])
        vectors = np.zeros((len(encodings), self.dimension), dtype=np.float32)
        # Longest first and padded per batch, as sentence-transformers does.
        order = sorted(range(len(encodings)), key=lambda i: -len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = len(encodings[rows[0]].ids)
            ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, index in enumerate(rows):
                tokens = encodings[index].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            (pooled,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            vectors[rows] = pooled
        return vectors
