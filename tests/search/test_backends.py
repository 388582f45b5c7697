"""The search backends' contract, run against every backend (Elasticsearch where
ELASTICSEARCH_URL is set), then what is particular to each backend."""

import itertools
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import uuid
from unittest import mock

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR
from search.backends import get_backend
from search.backends.base import (
    IndexBusy,
    SearchDocument,
    SearchError,
    reciprocal_rank_fusion,
)
from search.backends.elasticsearch import ElasticsearchSearchBackend
from search.backends.embedded import EmbeddedSearchBackend
from search.text import tokenize

ACHIEVEMENTS = BASE_DIR.parent / "shared/data/listings/achievements.jsonl"
MODEL = "test-model"
ES_URL = os.environ.get("ELASTICSEARCH_URL", "")

BACKENDS = [
    "embedded",
    pytest.param(
        "elasticsearch",
        marks=pytest.mark.skipif(not ES_URL, reason="ELASTICSEARCH_URL is not set"),
    ),
]


@pytest.fixture(params=BACKENDS)
def make_backend(request, tmp_path):
    """make_backend() → a backend on this test's own index; each call is another process's view."""
    if request.param == "embedded":
        yield lambda: EmbeddedSearchBackend(tmp_path / "search", exact_limit=50)
        return
    prefix = f"techbridge-test-{uuid.uuid4().hex[:12]}"
    yield lambda: ElasticsearchSearchBackend(url=ES_URL, index_prefix=prefix)
    client = ElasticsearchSearchBackend(url=ES_URL).client
    names = list(client.indices.get(index=f"{prefix}-*"))
    if names:
        client.indices.delete(index=",".join(names))


@pytest.fixture
def backend(make_backend):
    return make_backend()


def unit(*values):
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def doc(doc_id, text="", vector=None, *, model=MODEL, **filters):
    kind = doc_id.split(":")[0]
    return SearchDocument(
        doc_id, kind, tokenize(text), vector, model if vector is not None else "", filters
    )


def ids_of(hits):
    return [doc_id for doc_id, _score in hits]


def random_unit_vectors(n, dim, seed):
    vectors = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


# The contract


def test_add_replace_delete_count_ids(backend):
    backend.add_many(
        [
            doc("achievement:1", "机器视觉 尺寸测量", unit(1, 0, 0)),
            doc("achievement:2", "锂电池 正极材料", unit(0, 1, 0)),
            doc("need:1", "污水处理", unit(0, 0, 1)),
        ]
    )
    assert backend.count() == 3
    assert backend.count(["need"]) == 1
    assert backend.ids() == {"achievement:1", "achievement:2", "need:1"}
    assert backend.ids(kinds=["achievement"]) == {"achievement:1", "achievement:2"}

    backend.add(doc("achievement:1", "膜生物反应器", unit(0, 0.6, 0.8)))
    assert backend.count() == 3
    assert backend.keyword_search(tokenize("机器视觉"), kinds=["achievement"], k=5) == []
    assert ids_of(backend.keyword_search(["反应器"], kinds=["achievement"], k=5)) == [
        "achievement:1"
    ]
    hits = backend.vector_search(unit(0, 0, 1), model=MODEL, kinds=["achievement"], k=1)
    assert hits[0][0] == "achievement:1"
    assert hits[0][1] == pytest.approx(0.8, abs=0.02)
    vectors = backend.get_vectors(["achievement:1", "need:9"], model=MODEL)
    assert list(vectors) == ["achievement:1"]
    np.testing.assert_allclose(vectors["achievement:1"], unit(0, 0.6, 0.8), atol=1e-6)

    backend.delete(["achievement:1", "achievement:404"])
    assert backend.count() == 2
    assert backend.ids() == {"achievement:2", "need:1"}
    assert backend.keyword_search(["反应器"], kinds=["achievement"], k=5) == []
    assert ids_of(
        backend.vector_search(unit(0, 0, 1), model=MODEL, kinds=["achievement"], k=5)
    ) == ["achievement:2"]


def test_replace_swaps_an_owners_documents(backend):
    backend.add_many(
        [
            doc("need:1", "数控机床", unit(1, 0)),
            doc("need:1#0", "主轴 振动", unit(1, 0)),
            doc("need:1#1", "刀具 磨损", unit(1, 0)),
            doc("need:2", "污水处理", unit(0, 1)),
        ]
    )
    backend.replace(
        ["need:1", "need:1#0", "need:1#1", "need:1#2"],
        [doc("need:1", "激光焊接", unit(0.6, 0.8)), doc("need:1#0", "焊缝 检测", unit(0.6, 0.8))],
    )
    assert backend.ids() == {"need:1", "need:1#0", "need:2"}
    assert ids_of(backend.keyword_search(["焊缝"], kinds=["need"], k=5)) == ["need:1#0"]
    assert backend.keyword_search(["刀具"], kinds=["need"], k=5) == []
    backend.replace(["need:2"], [])
    assert backend.ids() == {"need:1", "need:1#0"}


def test_chinese_keyword_search_ranks_rare_shared_tokens_first(backend):
    with ACHIEVEMENTS.open(encoding="utf-8") as lines:
        real = [json.loads(line) for line in itertools.islice(lines, 80)]
    backend.add_many(
        doc(f"achievement:{item['id']}", f"{item['name']} {item['context']}") for item in real
    )
    backend.add_many(
        [
            doc("achievement:h1", "一种高镍三元锂电池正极材料的制备方法，提高电池能量密度"),
            doc("achievement:h2", "废旧锂电池回收与材料再生技术"),
            doc("achievement:h3", "污水处理用膜生物反应器及其清洗技术"),
        ]
    )
    queries = {
        "寻求基于北斗的船舶导航和海上救援技术": "achievement:ach-00019",
        "海洋养殖网箱的环境远程监测": "achievement:ach-00018",
        "需要高镍三元正极材料": "achievement:h1",
        "膜生物反应器污水处理": "achievement:h3",
    }
    for text, expected in queries.items():
        hits = backend.keyword_search(tokenize(text), kinds=["achievement"], k=5)
        assert hits[0][0] == expected, text
        scores = [score for _id, score in hits]
        assert scores == sorted(scores, reverse=True)
        assert scores[0] > 0


def test_document_frequencies_count_documents_not_occurrences(backend):
    backend.add_many(
        [
            doc("achievement:1", "锂电池 回收 锂电池"),
            doc("achievement:2", "锂电池 正极材料"),
            doc("need:3", "污水 处理"),
        ]
    )
    frequencies = backend.document_frequencies(["锂电池", "回收", "污水", "石墨烯", "锂电池"])
    assert frequencies == {"锂电池": 2, "回收": 1, "污水": 1, "石墨烯": 0}
    assert backend.document_frequencies([]) == {}
    backend.delete(["achievement:1"])
    assert backend.document_frequencies(["锂电池", "回收"]) == {"锂电池": 1, "回收": 0}


def test_tokens_with_symbols_match_only_whole(backend):
    backend.add_many(
        [
            SearchDocument("achievement:1", "achievement", ["c++", "编程", "3.2v"]),
            SearchDocument("achievement:2", "achievement", ["c", "语言", "3", "2v"]),
            SearchDocument("achievement:3", "achievement", ['"引号"', "and", "or"]),
        ]
    )
    for tokens, expected in [
        (["c++"], ["achievement:1"]),
        (["3.2v"], ["achievement:1"]),
        (["c"], ["achievement:2"]),
        (['"引号"'], ["achievement:3"]),
        (["or", "not"], ["achievement:3"]),
        (["不存在"], []),
    ]:
        assert ids_of(backend.keyword_search(tokens, kinds=["achievement"], k=5)) == expected


def test_kinds_and_filters_restrict_results(backend):
    backend.add_many(
        [
            doc(
                "achievement:1",
                "传感器",
                unit(1, 0),
                organization_id=7,
                region="350500",
                province="350000",
                fields=["01", "0102"],
                live=True,
            ),
            doc(
                "achievement:2",
                "传感器",
                unit(1, 0.1),
                organization_id=8,
                region="110000",
                province="110000",
                fields=["02"],
                live=True,
            ),
            doc("achievement:3", "传感器", unit(1, 0.2), organization_id=7, live=False),
            doc("need:1", "传感器", unit(1, 0.05), organization_id=9, live=True),
        ]
    )
    cases = [
        ({"kinds": ["need"]}, ["need:1"]),
        ({"kinds": "need"}, ["need:1"]),
        ({"kinds": ["achievement"], "filters": {"province": "350000"}}, ["achievement:1"]),
        ({"kinds": ["achievement"], "filters": {"fields": "0102"}}, ["achievement:1"]),
        (
            {"kinds": ["achievement"], "filters": {"fields": ["0102", "02"]}},
            ["achievement:1", "achievement:2"],
        ),
        (
            {"kinds": ["achievement"], "filters": {"organization_id": 7}},
            ["achievement:1", "achievement:3"],
        ),
        (
            {"kinds": ["achievement"], "filters": {"organization_id": "7", "live": True}},
            ["achievement:1"],
        ),
        ({"kinds": ["achievement", "need"], "filters": {"live": False}}, ["achievement:3"]),
        ({"kinds": ["achievement"], "filters": {"region": []}}, []),
    ]
    for options, expected in cases:
        keyword = backend.keyword_search(["传感器"], k=10, **options)
        assert sorted(ids_of(keyword)) == expected, options
        vector = backend.vector_search(unit(1, 0), model=MODEL, k=10, **options)
        assert sorted(ids_of(vector)) == expected, options


def test_exclude_ids(backend):
    backend.add_many(doc(f"achievement:{i}", "锂电池", unit(1, i / 10)) for i in range(5))
    excluded = ["achievement:0", "achievement:2"]
    options = {"kinds": ["achievement"], "k": 3, "exclude_ids": excluded}
    keyword = ids_of(backend.keyword_search(["锂电池"], **options))
    vector = ids_of(backend.vector_search(unit(1, 0), model=MODEL, **options))
    hybrid = ids_of(backend.hybrid_search(["锂电池"], unit(1, 0), model=MODEL, **options))
    assert vector == ["achievement:1", "achievement:3", "achievement:4"]
    for found in (keyword, hybrid):
        assert len(found) == 3
        assert not set(found) & set(excluded)


def test_vector_search_orders_by_cosine_similarity(backend):
    vectors = {
        "achievement:a": unit(1, 0, 0, 0),
        "achievement:b": unit(0.8, 0.6, 0, 0),
        "achievement:c": unit(0.5, 0.5, 0.5, 0),
        "achievement:d": unit(0, 1, 0, 0),
        "achievement:e": unit(-1, 0, 0, 0),
    }
    backend.add_many(doc(doc_id, "", vector) for doc_id, vector in vectors.items())
    backend.add(doc("achievement:f", "没有向量"))
    query = unit(1, 0.2, 0, 0)
    hits = backend.vector_search(query * 3, model=MODEL, kinds=["achievement"], k=10)
    expected = sorted(vectors, key=lambda doc_id: -float(vectors[doc_id] @ query))
    assert ids_of(hits) == expected
    for doc_id, score in hits:
        assert score == pytest.approx(float(vectors[doc_id] @ query), abs=0.02)
    top2 = backend.vector_search(query, model=MODEL, kinds=["achievement"], k=2)
    assert ids_of(top2) == expected[:2]


def test_hybrid_search_puts_a_document_strong_on_both_sides_first(backend):
    backend.add_many(
        [
            # Best keyword match, no vector.
            doc("achievement:keyword", "高镍 三元 正极 材料 制备"),
            # Closest vector, no shared token.
            doc("achievement:vector", "无关 文字", unit(1, 0, 0)),
            # Second on both sides.
            doc("achievement:both", "三元 正极", unit(0.9, 0.3, 0)),
            doc("achievement:neither", "水处理", unit(0, 0, 1)),
        ]
    )
    tokens = tokenize("高镍三元正极材料")
    query = unit(1, 0.05, 0)
    assert ids_of(backend.keyword_search(tokens, kinds=["achievement"], k=2)) == [
        "achievement:keyword",
        "achievement:both",
    ]
    assert ids_of(backend.vector_search(query, model=MODEL, kinds=["achievement"], k=2)) == [
        "achievement:vector",
        "achievement:both",
    ]
    hits = backend.hybrid_search(tokens, query, model=MODEL, kinds=["achievement"], k=3)
    assert hits[0] == ("achievement:both", pytest.approx(2 / 62))
    assert {doc_id for doc_id, _score in hits[1:]} == {"achievement:keyword", "achievement:vector"}


def test_rebuild_replaces_everything_atomically(make_backend):
    writer, reader = make_backend(), make_backend()
    writer.add_many(doc(f"achievement:old{i}", "传统工艺", unit(1, i)) for i in range(3))
    old_ids = {f"achievement:old{i}" for i in range(3)}
    assert ids_of(reader.vector_search(unit(1, 0), model=MODEL, kinds=["achievement"], k=1)) == [
        "achievement:old0"
    ]

    def new_docs():
        for i in range(3):
            # Half-way through the rebuild, readers still see the whole old index.
            assert reader.ids() == old_ids
            assert reader.count() == 3
            assert len(reader.keyword_search(tokenize("传统工艺"), kinds=["achievement"], k=5)) == 3
            hits = reader.vector_search(unit(1, 0), model=MODEL, kinds=["achievement"], k=5)
            assert set(ids_of(hits)) == old_ids
            yield doc(f"achievement:new{i}", "量子通信", unit(1, i))

    writer.rebuild(new_docs())
    new_ids = {f"achievement:new{i}" for i in range(3)}
    for backend in (writer, reader):
        assert backend.ids() == new_ids
        assert backend.keyword_search(tokenize("传统工艺"), kinds=["achievement"], k=5) == []
        assert len(backend.keyword_search(tokenize("量子通信"), kinds=["achievement"], k=5)) == 3
        hits = backend.vector_search(unit(1, 0), model=MODEL, kinds=["achievement"], k=5)
        assert set(ids_of(hits)) == new_ids
    writer.add(doc("achievement:later", "量子通信", unit(1, 0)))
    assert reader.count() == 4


def test_another_process_sees_documents_and_later_changes(make_backend):
    first = make_backend()
    first.add_many(
        [doc("need:1", "数控机床", unit(1, 0)), doc("need:2", "数控系统", unit(0.8, 0.6))]
    )
    second = make_backend()
    assert second.ids() == {"need:1", "need:2"}
    assert ids_of(second.vector_search(unit(1, 0), model=MODEL, kinds=["need"], k=5)) == [
        "need:1",
        "need:2",
    ]

    first.add(doc("need:3", "数控机床 主轴", unit(1, 0.01)))
    first.delete(["need:1"])
    assert ids_of(second.vector_search(unit(1, 0), model=MODEL, kinds=["need"], k=5)) == [
        "need:3",
        "need:2",
    ]
    assert ids_of(second.keyword_search(["数控机床"], kinds=["need"], k=5)) == ["need:3"]

    second.add(doc("need:2", "数控机床", unit(1, 0.001)))
    assert ids_of(first.vector_search(unit(1, 0), model=MODEL, kinds=["need"], k=1)) == ["need:2"]


def test_hnsw_recall_against_exact_search(backend):
    vectors = random_unit_vectors(2000, 384, seed=1)
    backend.add_many(
        SearchDocument(f"achievement:{i}", "achievement", [], vector, MODEL)
        for i, vector in enumerate(vectors)
    )
    backend.warm(model=MODEL, kinds=["achievement"])
    recalls = []
    for query in random_unit_vectors(30, 384, seed=2):
        exact = {f"achievement:{i}" for i in np.argsort(-(vectors @ query))[:10]}
        hits = backend.vector_search(query, model=MODEL, kinds=["achievement"], k=10)
        recalls.append(len(exact & set(ids_of(hits))) / 10)
    assert np.mean(recalls) >= 0.95


def test_vectors_of_another_model_are_ignored(backend):
    backend.add_many(
        [
            doc("achievement:1", "", unit(1, 0), model="model-a"),
            doc("achievement:2", "", unit(1, 0), model="model-b"),
            doc("achievement:3", "", unit(0, 1), model="model-a"),
        ]
    )
    search = backend.vector_search
    assert ids_of(search(unit(1, 0), model="model-a", kinds=["achievement"], k=5)) == [
        "achievement:1",
        "achievement:3",
    ]
    assert set(backend.get_vectors(["achievement:1", "achievement:2"], model="model-b")) == {
        "achievement:2"
    }
    backend.add(doc("achievement:1", "", unit(1, 0), model="model-b"))
    assert ids_of(search(unit(1, 0), model="model-a", kinds=["achievement"], k=5)) == [
        "achievement:3"
    ]
    assert search(unit(1, 0), model="model-c", kinds=["achievement"], k=5) == []


# Shared parts


def test_reciprocal_rank_fusion():
    fused = reciprocal_rank_fusion([[("a", 9.0), ("b", 5.0)], [("b", 0.9), ("c", 0.1)]], k=60)
    assert fused == [
        ("b", pytest.approx(1 / 62 + 1 / 61)),
        ("a", pytest.approx(1 / 61)),
        ("c", pytest.approx(1 / 62)),
    ]


def test_a_vector_needs_its_model_and_is_normalised():
    with pytest.raises(ValueError, match="model"):
        SearchDocument("need:1", "need", [], np.ones(3))
    vector = SearchDocument("need:1", "need", [], [3, 4], "m").vector
    assert vector.dtype == np.float32
    np.testing.assert_allclose(vector, [0.6, 0.8])


def test_get_backend_follows_settings(settings, tmp_path):
    settings.SEARCH_BACKEND = "embedded"
    settings.SEARCH_INDEX_DIR = tmp_path
    backend = get_backend()
    assert isinstance(backend, EmbeddedSearchBackend)
    assert backend.path == tmp_path
    assert get_backend() is backend
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://localhost:9200"
    assert isinstance(get_backend(), ElasticsearchSearchBackend)
    settings.SEARCH_BACKEND = "whoosh"
    with pytest.raises(ImproperlyConfigured):
        get_backend()


# The embedded backend


def test_embedded_hnsw_graph_is_saved_shared_and_kept_up_to_date(tmp_path):
    vectors_2000 = random_unit_vectors(2000, 384, seed=3)
    first = EmbeddedSearchBackend(tmp_path, exact_limit=50)
    first.add_many(
        SearchDocument(f"achievement:{i}", "achievement", [], vector, MODEL)
        for i, vector in enumerate(vectors_2000)
    )
    first.warm(model=MODEL, kinds=["achievement"])
    assert first._sets[MODEL, "achievement"].hnsw is not None
    [saved] = (tmp_path / "hnsw").glob("*.usearch")
    saved_at = saved.stat().st_mtime_ns

    first.add(SearchDocument("achievement:new", "achievement", [], vectors_2000[0] + 0.01, MODEL))
    first.delete(["achievement:1"])
    second = EmbeddedSearchBackend(tmp_path, exact_limit=50)
    second.warm(model=MODEL, kinds=["achievement"])
    vset = second._sets[MODEL, "achievement"]
    assert saved.stat().st_mtime_ns == saved_at  # loaded, not built again
    assert len(vset.hnsw) == 2000  # the saved graph, brought up to date
    for backend in (first, second):
        hits = backend.vector_search(vectors_2000[0], model=MODEL, kinds=["achievement"], k=2)
        assert set(ids_of(hits)) == {"achievement:0", "achievement:new"}
        hits = backend.vector_search(vectors_2000[1], model=MODEL, kinds=["achievement"], k=5)
        assert "achievement:1" not in ids_of(hits)

    first.rebuild([])
    assert list((tmp_path / "hnsw").glob("*.usearch")) == []


def test_embedded_index_is_shared_with_a_real_other_process(tmp_path):
    backend = EmbeddedSearchBackend(tmp_path)
    backend.add(doc("need:1", "数控机床", unit(1, 0)))
    assert len(backend.vector_search(unit(1, 0), model=MODEL, kinds=["need"], k=5)) == 1
    script = textwrap.dedent(
        f"""
        from search.backends.base import SearchDocument
        from search.backends.embedded import EmbeddedSearchBackend
        backend = EmbeddedSearchBackend({str(tmp_path)!r})
        assert backend.ids() == {{"need:1"}}
        backend.add(SearchDocument("need:2", "need", ["主轴"], [1.0, 0.1], {MODEL!r}))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=BASE_DIR)
    assert ids_of(backend.vector_search(unit(1, 0), model=MODEL, kinds=["need"], k=5)) == [
        "need:1",
        "need:2",
    ]
    assert ids_of(backend.keyword_search(["主轴"], kinds=["need"], k=5)) == ["need:2"]


# Another process holding the embedded index's write lock (a worker, a sweep, a rebuild)
LOCK_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE state SET version = version")
print("held", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


@pytest.fixture
def locked_index(tmp_path):
    """(backend, release): the backend's index, whose write lock another process holds until
    release() (or the end of the test)."""
    backend = EmbeddedSearchBackend(tmp_path)
    backend.add(doc("need:1", "数控机床", unit(1, 0)))
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(tmp_path / "index.sqlite3")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "held\n"

    def release():
        if holder.poll() is None:
            holder.communicate("go\n", timeout=30)

    yield backend, release
    release()


def test_embedded_writes_within_a_wait_limit_give_up_while_another_process_holds_the_index(
    locked_index,
):
    backend, release = locked_index
    with backend.lock_wait_limit(0.1):
        with pytest.raises(IndexBusy, match=r"over 0\.1 s"):
            backend.add(doc("need:2", "主轴", unit(0, 1)))
        # The limit is for the block in all: what is left of it is spent.
        with pytest.raises(IndexBusy):
            backend.replace(["need:1"], [doc("need:1", "刀具", unit(0, 1))])
        # Readers never wait for a writer.
        assert backend.ids() == {"need:1"}
        assert ids_of(backend.keyword_search(["数控"], kinds=["need"], k=5)) == ["need:1"]
    release()
    assert backend.ids() == {"need:1"}
    # Once free, the same thread's writes go through, limited or not.
    with backend.lock_wait_limit(0.1):
        backend.add(doc("need:2", "主轴", unit(0, 1)))
    backend.add(doc("need:3", "刀具", unit(0, 1)))
    assert backend.ids() == {"need:1", "need:2", "need:3"}


def test_embedded_a_nested_wait_limit_never_waits_longer_than_the_outer_one(locked_index):
    backend, _release = locked_index
    with backend.lock_wait_limit(0.1), backend.lock_wait_limit(60):
        with pytest.raises(IndexBusy, match=r"over 0\.1 s"):
            backend.add(doc("need:2", "主轴", unit(0, 1)))


def test_embedded_writes_outside_a_wait_limit_wait_for_the_lock(locked_index):
    """Workers and sweeps wait (up to LOCK_TIMEOUT) and then write."""
    backend, release = locked_index
    written = threading.Event()

    def write():
        backend.add(doc("need:2", "主轴", unit(0, 1)))
        written.set()

    writer = threading.Thread(target=write)
    writer.start()
    assert not written.wait(0.5)
    release()
    writer.join(timeout=60)
    assert written.is_set()
    assert backend.ids() == {"need:1", "need:2"}


# The Elasticsearch backend's requests, against a fake client


@pytest.fixture
def fake_es():
    client = mock.MagicMock()
    client.bulk.return_value = {"errors": False, "items": []}
    return client


def test_elasticsearch_first_write_creates_the_index_and_alias(fake_es):
    fake_es.indices.exists_alias.return_value = False
    backend = ElasticsearchSearchBackend(index_prefix="tb", client=fake_es)
    backend.add(doc("need:1", "机器视觉", unit(3, 4), organization_id=7, live=True))

    create = fake_es.indices.create.call_args.kwargs
    assert create["index"] == "tb-search-initial"
    assert create["aliases"] == {"tb-search": {}}
    properties = create["mappings"]["properties"]
    assert properties["tokens"] == {"type": "text", "analyzer": "whitespace"}
    assert properties["vector"] == {
        "type": "dense_vector",
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "int8_hnsw"},
    }
    assert properties["kind"] == properties["model"] == {"type": "keyword"}
    assert fake_es.bulk.call_args.kwargs == {
        "operations": [
            {"index": {"_index": "tb-search", "_id": "need:1"}},
            {
                "kind": "need",
                "model": MODEL,
                "tokens": "机器 视觉",
                "filters": {"organization_id": ["7"], "live": ["true"]},
                "vector": [pytest.approx(0.6), pytest.approx(0.8)],
            },
        ],
        "refresh": "wait_for",
    }
    backend.add(doc("need:2", "机床"))
    fake_es.indices.create.assert_called_once()


def test_elasticsearch_rebuild_loads_a_new_index_then_swaps_the_alias(fake_es):
    fake_es.indices.get_alias.return_value = {"tb-search-initial": {"aliases": {"tb-search": {}}}}
    backend = ElasticsearchSearchBackend(index_prefix="tb", client=fake_es)
    backend.rebuild(doc(f"need:{i}", "机床") for i in range(600))

    calls = [name for name, _args, _kwargs in fake_es.mock_calls]
    assert calls == [
        "indices.create",
        "bulk",
        "bulk",
        "indices.refresh",
        "indices.get_alias",
        "indices.update_aliases",
        "indices.delete",
    ]
    new = fake_es.indices.create.call_args.kwargs["index"]
    assert re.fullmatch(r"tb-search-\d{20}", new)
    assert "aliases" not in fake_es.indices.create.call_args.kwargs
    first_bulk = fake_es.bulk.call_args_list[0].kwargs
    assert first_bulk["refresh"] is False
    assert first_bulk["operations"][0] == {"index": {"_index": new, "_id": "need:0"}}
    assert fake_es.indices.refresh.call_args.kwargs == {"index": new}
    assert fake_es.indices.update_aliases.call_args.kwargs == {
        "actions": [
            {"remove": {"index": "tb-search-initial", "alias": "tb-search"}},
            {"add": {"index": new, "alias": "tb-search"}},
        ]
    }
    assert fake_es.indices.delete.call_args.kwargs == {"index": "tb-search-initial"}


def test_elasticsearch_failed_rebuild_keeps_the_old_index(fake_es):
    fake_es.bulk.return_value = {
        "errors": True,
        "items": [{"index": {"_id": "need:1", "status": 400, "error": {"type": "mapper"}}}],
    }
    backend = ElasticsearchSearchBackend(index_prefix="tb", client=fake_es)
    with pytest.raises(SearchError):
        backend.rebuild([doc("need:1", "机床")])
    new = fake_es.indices.create.call_args.kwargs["index"]
    assert fake_es.indices.delete.call_args.kwargs == {"index": new}
    fake_es.indices.update_aliases.assert_not_called()


def test_elasticsearch_delete_ignores_unknown_ids(fake_es):
    fake_es.bulk.return_value = {
        "errors": False,
        "items": [{"delete": {"_id": "need:9", "status": 404, "result": "not_found"}}],
    }
    backend = ElasticsearchSearchBackend(index_prefix="tb", client=fake_es)
    backend.delete(["need:9"])
    assert fake_es.bulk.call_args.kwargs["operations"] == [
        {"delete": {"_index": "tb-search", "_id": "need:9"}}
    ]


def test_elasticsearch_document_frequencies_ask_one_count_per_token(fake_es):
    fake_es.msearch.return_value = {
        "responses": [{"hits": {"total": {"value": 7}}}, {"hits": {"total": {"value": 0}}}]
    }
    backend = ElasticsearchSearchBackend(index_prefix="tb", client=fake_es)
    assert backend.document_frequencies(["锂电池", "石墨烯", "锂电池"]) == {
        "锂电池": 7,
        "石墨烯": 0,
    }
    assert fake_es.msearch.call_args.kwargs == {
        "index": "tb-search",
        "searches": [
            {},
            {"size": 0, "track_total_hits": True, "query": {"term": {"tokens": "锂电池"}}},
            {},
            {"size": 0, "track_total_hits": True, "query": {"term": {"tokens": "石墨烯"}}},
        ],
    }


def test_elasticsearch_search_requests(fake_es):
    fake_es.search.return_value = {"hits": {"hits": [{"_id": "achievement:1", "_score": 0.9}]}}
    backend = ElasticsearchSearchBackend(index_prefix="tb", client=fake_es)
    options = {
        "kinds": ["achievement"],
        "k": 5,
        "filters": {"province": "350000", "live": True},
        "exclude_ids": ["achievement:2"],
    }
    filters = [
        {"terms": {"kind": ["achievement"]}},
        {"terms": {"filters.province": ["350000"]}},
        {"terms": {"filters.live": ["true"]}},
    ]
    must_not = [{"ids": {"values": ["achievement:2"]}}]

    assert backend.keyword_search(["机器", "视觉"], **options) == [("achievement:1", 0.9)]
    assert fake_es.search.call_args.kwargs == {
        "index": "tb-search",
        "source": False,
        "size": 5,
        "query": {
            "bool": {
                "filter": filters,
                "must_not": must_not,
                "must": [{"match": {"tokens": "机器 视觉"}}],
            }
        },
    }

    [(doc_id, score)] = backend.vector_search(unit(3, 4) * 2, model=MODEL, **options)
    assert (doc_id, score) == ("achievement:1", pytest.approx(0.8))
    request = fake_es.search.call_args.kwargs
    assert request["size"] == 5
    assert request["knn"] == {
        "field": "vector",
        "query_vector": [pytest.approx(0.6), pytest.approx(0.8)],
        "k": 5,
        "num_candidates": 100,
        "filter": {
            "bool": {
                "filter": [*filters, {"term": {"model": MODEL}}],
                "must_not": must_not,
            }
        },
    }
