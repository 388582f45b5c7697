"""The embedded search backend: SQLite FTS5 for keywords, numpy and usearch for vectors.

Everything is kept in one SQLite database under SEARCH_INDEX_DIR, in WAL mode, so the web
process and the task workers (separate processes) share it and it survives restarts; readers
never wait for a writer and see only committed transactions.

Keywords: the pre-tokenized tokens, joined by spaces, in an FTS5 table ranked by its bm25().

Vectors: stored as float32 blobs beside the documents; each process keeps the vectors of each
(model, kind) it searches in a numpy matrix. Every write bumps `state.version`; a search checks
it (one indexed read) and loads only what changed: documents are never updated in place, a
re-added document gets a new `seq`, so new rows are those past the last loaded `seq` and
removed ones are listed in `tombstones`. A rebuild changes `state.epoch`, which reloads all.
Below SEARCH_EXACT_LIMIT vectors the search is exact (matrix @ query); beyond it an HNSW graph
(usearch, int8) proposes candidates that are re-scored exactly. The graph is built in a
background thread (searches stay exact meanwhile), saved next to the database and loaded by the
other processes, which then add what changed since it was saved.

Writers take SQLite's write lock (BEGIN IMMEDIATE) one at a time and wait for it up to
LOCK_TIMEOUT seconds (a worker, a sweep, a rebuild); inside lock_wait_limit a thread waits at
most the seconds it was given, in all, and then gets IndexBusy (a web request indexing inline).
"""

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np

# Loaded before usearch on purpose: usearch's wheel links its own libstdc++ and exports its
# locale symbols, and ONNX Runtime (the embedding backend) crashes while starting (SIGSEGV in
# codecvt) when it loads after them. The other order is safe.
import onnxruntime  # noqa: F401
from usearch.index import Index

from search.backends.base import (
    IndexBusy,
    SearchBackend,
    as_kinds,
    filter_values,
    normalize,
)

logger = logging.getLogger(__name__)

# unicode61 with punctuation and symbols as token characters, so only whitespace separates
# tokens: every pre-tokenized token ("c++", "3.2v", "β-内酰胺", "人工智能") stays one term, as
# with Elasticsearch's whitespace analyzer. Diacritics are kept for the same reason.
TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* Co M* P* S*'"

TABLES = [
    """CREATE TABLE IF NOT EXISTS docs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        model TEXT NOT NULL,
        vector BLOB
    )""",
    "CREATE INDEX IF NOT EXISTS docs_vectors ON docs (model, kind, seq)",
    """CREATE TABLE IF NOT EXISTS doc_filters (
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (name, value, seq)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS doc_filters_seq ON doc_filters (seq)",
    "CREATE TABLE IF NOT EXISTS tombstones (n INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER)",
    f'CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5(tokens, tokenize="{TOKENIZER}")',
]

# HNSW: 16 links per node, 128 candidates while inserting, 256 while searching; the graph
# proposes at least 64 candidates (4 per wanted result), re-scored with the float32 vectors.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 256
OVERSAMPLE = 4
MIN_CANDIDATES = 64
# Beyond this many candidates (very selective filters) an exact scan is cheaper.
MAX_CANDIDATES = 4096

BATCH = 1000
# Seconds a writer outside lock_wait_limit waits for another's write lock (a rebuild of a large
# index holds it longer: the write then fails and the listing stays dirty for the sweep).
LOCK_TIMEOUT = 60


class EmbeddedSearchBackend(SearchBackend):
    def __init__(self, path, *, exact_limit=200_000, rrf_k=60):
        super().__init__(rrf_k=rrf_k)
        self.path = Path(path)
        self.exact_limit = exact_limit
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sets = {}
        self.path.mkdir(parents=True, exist_ok=True)
        conn = self._connection()
        # Only a new database is written to here: a process starting during a long rebuild
        # must not wait for it.
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'state'").fetchone():
            conn.execute("PRAGMA journal_mode = WAL")
            with self._write():
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1),"
                    " epoch TEXT NOT NULL, version INTEGER NOT NULL)"
                )
                conn.execute(
                    "INSERT OR IGNORE INTO state (id, epoch, version) VALUES (1, ?, 0)",
                    (uuid.uuid4().hex,),
                )
                for statement in TABLES:
                    conn.execute(statement)

    def _connection(self):
        """This thread's connection (a new one in a forked worker)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            conn = sqlite3.connect(
                self.path / "index.sqlite3", isolation_level=None, timeout=LOCK_TIMEOUT
            )
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA journal_size_limit = 67108864")
            local.conn, local.pid = conn, os.getpid()
        return local.conn

    @contextmanager
    def lock_wait_limit(self, seconds):
        local = self._local
        outer = getattr(local, "budget", None)
        budget = _WaitBudget(seconds if outer is None else min(seconds, outer.left))
        local.budget = budget
        try:
            yield
        finally:
            local.budget = outer
            if outer is not None:
                outer.spend(budget.spent)

    def _begin_write(self, conn):
        """BEGIN IMMEDIATE, waiting for the write lock as long as this thread may."""
        budget = getattr(self._local, "budget", None)
        if budget is None:
            conn.execute("BEGIN IMMEDIATE")
            return
        conn.execute(f"PRAGMA busy_timeout = {int(budget.left * 1000)}")
        started = time.monotonic()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            raise IndexBusy(
                f"another writer held the search index for over {budget.seconds:g} s"
            ) from error
        finally:
            budget.spend(time.monotonic() - started)
            conn.execute(f"PRAGMA busy_timeout = {LOCK_TIMEOUT * 1000}")

    @contextmanager
    def _write(self):
        conn = self._connection()
        self._begin_write(conn)
        try:
            yield conn
            conn.execute("UPDATE state SET version = version + 1")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # Writing

    def add_many(self, docs):
        docs = list(docs)
        if docs:
            with self._write() as conn:
                self._insert(conn, docs)

    def delete(self, ids):
        ids = list(ids)
        if ids:
            with self._write() as conn:
                self._remove(conn, ids)

    def replace(self, ids, docs):
        ids, docs = list(ids), list(docs)
        if ids or docs:
            with self._write() as conn:
                self._remove(conn, ids)
                self._insert(conn, docs)

    def rebuild(self, docs):
        epoch = uuid.uuid4().hex
        with self._write() as conn:
            for table in ("docs", "doc_filters", "tombstones", "terms"):
                conn.execute(f"DROP TABLE {table}")
            for statement in TABLES:
                conn.execute(statement)
            conn.execute("UPDATE state SET epoch = ?", (epoch,))
            batch = []
            for doc in docs:
                batch.append(doc)
                if len(batch) == BATCH:
                    self._insert(conn, batch)
                    batch = []
            self._insert(conn, batch)
        for stale in self._hnsw_dir().glob("*"):
            if epoch not in stale.name:
                stale.unlink(missing_ok=True)

    def _insert(self, conn, docs):
        """Insert `docs`, replacing those with the same id (the last of the same id wins)."""
        docs = list({doc.id: doc for doc in docs}.values())
        self._remove(conn, [doc.id for doc in docs])
        for doc in docs:
            vector = None if doc.vector is None else doc.vector.tobytes()
            seq = conn.execute(
                "INSERT INTO docs (id, kind, model, vector) VALUES (?, ?, ?, ?)",
                (doc.id, doc.kind, doc.model, vector),
            ).lastrowid
            conn.execute(
                "INSERT INTO terms (rowid, tokens) VALUES (?, ?)", (seq, " ".join(doc.tokens))
            )
            conn.executemany(
                "INSERT INTO doc_filters (name, value, seq) VALUES (?, ?, ?)",
                [
                    (name, value, seq)
                    for name, values in doc.filter_strings().items()
                    for value in values
                ],
            )

    def _remove(self, conn, ids):
        seqs = [
            seq
            for (seq,) in conn.execute(
                "SELECT seq FROM docs WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(ids),),
            )
        ]
        if seqs:
            seqs = json.dumps(seqs)
            conn.execute("DELETE FROM docs WHERE seq IN (SELECT value FROM json_each(?))", (seqs,))
            conn.execute(
                "DELETE FROM terms WHERE rowid IN (SELECT value FROM json_each(?))", (seqs,)
            )
            conn.execute(
                "DELETE FROM doc_filters WHERE seq IN (SELECT value FROM json_each(?))", (seqs,)
            )
            conn.execute("INSERT INTO tombstones (seq) SELECT value FROM json_each(?)", (seqs,))

    # Reading

    @staticmethod
    def _conditions(kinds, filters, exclude_ids):
        """SQL conditions on `docs d` and their parameters."""
        clauses = ["d.kind IN (SELECT value FROM json_each(?))"]
        params = [json.dumps(as_kinds(kinds))]
        if exclude_ids:
            clauses.append("d.id NOT IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(exclude_ids)))
        for name, value in (filters or {}).items():
            clauses.append(
                "d.seq IN (SELECT seq FROM doc_filters"
                " WHERE name = ? AND value IN (SELECT value FROM json_each(?)))"
            )
            params += [name, json.dumps(filter_values(value))]
        return " AND ".join(clauses), params

    def keyword_search(self, query_tokens, *, kinds, k, filters=None, exclude_ids=()):
        if not query_tokens:
            return []
        # One quoted phrase per token: FTS5 tokenizes it exactly as it tokenized the documents,
        # and no token can be read as query syntax (OR, NOT, column:, *).
        match = " OR ".join('"' + token.replace('"', '""') + '"' for token in query_tokens)
        where, params = self._conditions(kinds, filters, exclude_ids)
        rows = self._connection().execute(
            "SELECT d.id, -bm25(terms) FROM terms JOIN docs d ON d.seq = terms.rowid"
            f" WHERE terms MATCH ? AND {where} ORDER BY bm25(terms), d.id LIMIT ?",
            [match, *params, k],
        )
        return rows.fetchall()

    def vector_search(self, vector, *, model, kinds, k, filters=None, exclude_ids=()):
        query = normalize(vector)
        conn = self._connection()
        where, params = self._conditions(kinds, filters, exclude_ids)
        with self._lock:
            sets = self._refresh(conn, model, as_kinds(kinds))
            total = sum(vset.live for vset in sets)
            # Take the best m candidates, drop those excluded or filtered out (and any deleted
            # since the refresh) and widen the net until k remain or nothing is left.
            m = k + len(exclude_ids) if not filters else OVERSAMPLE * k + len(exclude_ids)
            while True:
                candidates = []
                for vset in sets:
                    seqs, scores = vset.top(query, m, self.exact_limit)
                    candidates += zip(scores.tolist(), seqs.tolist(), strict=True)
                candidates.sort(key=lambda candidate: (-candidate[0], candidate[1]))
                candidates = candidates[:m]
                ids = dict(
                    conn.execute(
                        "SELECT d.seq, d.id FROM docs d"
                        f" WHERE d.seq IN (SELECT value FROM json_each(?)) AND {where}",
                        [json.dumps([seq for _score, seq in candidates]), *params],
                    )
                )
                hits = [(ids[seq], score) for score, seq in candidates if seq in ids]
                if len(hits) >= k or m >= total:
                    return hits[:k]
                m *= OVERSAMPLE

    def document_frequencies(self, tokens):
        tokens = list(dict.fromkeys(tokens))
        if not tokens:
            return {}
        conn = self._connection()
        # fts5vocab over the main database's terms table, made per connection in the temp
        # schema, so reading frequencies never writes to the shared index.
        conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.term_counts USING fts5vocab(main, terms, row)"
        )
        found = dict(
            conn.execute(
                "SELECT term, doc FROM temp.term_counts"
                " WHERE term IN (SELECT value FROM json_each(?))",
                (json.dumps(tokens),),
            )
        )
        return {token: found.get(token, 0) for token in tokens}

    def count(self, kinds=None):
        if kinds is None:
            return self._connection().execute("SELECT count(*) FROM docs").fetchone()[0]
        return (
            self._connection()
            .execute(
                "SELECT count(*) FROM docs WHERE kind IN (SELECT value FROM json_each(?))",
                (json.dumps(as_kinds(kinds)),),
            )
            .fetchone()[0]
        )

    def ids(self, kinds=None):
        if kinds is None:
            rows = self._connection().execute("SELECT id FROM docs")
        else:
            rows = self._connection().execute(
                "SELECT id FROM docs WHERE kind IN (SELECT value FROM json_each(?))",
                (json.dumps(as_kinds(kinds)),),
            )
        return {doc_id for (doc_id,) in rows}

    def get_vectors(self, ids, *, model):
        rows = self._connection().execute(
            "SELECT id, vector FROM docs WHERE id IN (SELECT value FROM json_each(?))"
            " AND model = ? AND vector IS NOT NULL",
            (json.dumps(list(ids)), model),
        )
        return {doc_id: np.frombuffer(blob, dtype=np.float32) for doc_id, blob in rows}

    def warm(self, *, model, kinds):
        """Load the vectors and wait for the HNSW graphs the searches will use."""
        with self._lock:
            sets = self._refresh(self._connection(), model, as_kinds(kinds))
            builders = [vset.builder for vset in sets if vset.builder is not None]
        for builder in builders:
            builder.join()

    # The vectors in this process

    def _refresh(self, conn, model, kinds):
        """The up-to-date vector sets of `model` for `kinds` (call with self._lock held)."""
        conn.execute("BEGIN")  # one snapshot for the version and the changes
        try:
            epoch, version = conn.execute("SELECT epoch, version FROM state").fetchone()
            tombstone = conn.execute("SELECT coalesce(max(n), 0) FROM tombstones").fetchone()[0]
            sets = []
            for kind in kinds:
                key = (model, kind)
                vset = self._sets.get(key)
                if vset is None or vset.epoch != epoch:
                    vset = self._sets[key] = _VectorSet(epoch, tombstone)
                if vset.version != version:
                    self._load_changes(conn, key, vset, tombstone)
                    vset.version = version
                if vset.live > self.exact_limit and vset.hnsw is None and vset.builder is None:
                    vset.builder = threading.Thread(
                        target=self._build_hnsw, args=(key, vset), daemon=True
                    )
                    vset.builder.start()
                sets.append(vset)
            return sets
        finally:
            conn.execute("COMMIT")

    @staticmethod
    def _load_changes(conn, key, vset, tombstone):
        # Counted first so that a large load allocates its rows once.
        pending = conn.execute(
            "SELECT count(*) FROM docs WHERE model = ? AND kind = ? AND seq > ?",
            (*key, vset.last_seq),
        ).fetchone()[0]
        rows = conn.execute(
            "SELECT seq, vector FROM docs WHERE model = ? AND kind = ? AND seq > ?"
            " AND vector IS NOT NULL ORDER BY seq",
            (*key, vset.last_seq),
        )
        while pending and (chunk := rows.fetchmany(10_000)):
            seqs = np.fromiter((seq for seq, _vector in chunk), dtype=np.int64, count=len(chunk))
            vectors = np.frombuffer(b"".join(vector for _seq, vector in chunk), dtype=np.float32)
            vectors = vectors.reshape(len(chunk), -1)
            vset.reserve(vset.size + pending, vectors.shape[1])
            vset.append(seqs, vectors)
            pending -= len(chunk)
        if tombstone > vset.last_tombstone:
            removed = conn.execute(
                "SELECT seq FROM tombstones WHERE n > ? AND n <= ?",
                (vset.last_tombstone, tombstone),
            )
            vset.remove(np.fromiter((seq for (seq,) in removed), dtype=np.int64))
            vset.last_tombstone = tombstone

    def _hnsw_dir(self):
        return self.path / "hnsw"

    def _build_hnsw(self, key, vset):
        """Load the saved graph of this set, or build and save it; then hand it to the set."""
        model, kind = key
        name = f"{hashlib.sha1(model.encode()).hexdigest()[:12]}-{kind}-{vset.epoch}"
        path = self._hnsw_dir() / f"{name}.usearch"
        try:
            path.parent.mkdir(exist_ok=True)
            with open(path.with_suffix(".lock"), "a") as lock:
                # One process builds; the others wait and load what it saved.
                fcntl.flock(lock, fcntl.LOCK_EX)
                if path.exists():
                    index = Index.restore(path)
                else:
                    with self._lock:
                        seqs, vectors = vset.live_rows()
                    index = Index(
                        ndim=vectors.shape[1],
                        metric="ip",
                        dtype="i8",
                        connectivity=CONNECTIVITY,
                        expansion_add=EXPANSION_ADD,
                    )
                    index.add(seqs, vectors)
                    partial = path.with_suffix(f".{os.getpid()}.partial")
                    index.save(partial)
                    os.replace(partial, path)
            index.expansion_search = EXPANSION_SEARCH
            with self._lock:
                if self._sets.get(key) is vset:
                    vset.attach(index)
        except Exception:
            logger.exception("Could not build the HNSW index %s", path)
        finally:
            with self._lock:
                vset.builder = None


class _WaitBudget:
    """The seconds a thread may still wait for write locks inside lock_wait_limit."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.left = max(seconds, 0.0)
        self.spent = 0.0

    def spend(self, seconds):
        self.spent += seconds
        self.left = max(self.left - seconds, 0.0)


class _VectorSet:
    """The vectors of one (model, kind) in this process, in `seq` order; rows of removed
    documents stay until they outnumber the live ones."""

    def __init__(self, epoch, tombstone):
        self.epoch = epoch
        self.version = None
        self.last_seq = 0
        self.last_tombstone = tombstone
        self.seqs = np.empty(0, dtype=np.int64)
        self.matrix = None
        self.alive = np.empty(0, dtype=bool)
        self.size = 0  # rows in use; the arrays grow by doubling
        self.live = 0
        self.hnsw = None
        self.builder = None

    def reserve(self, rows, dim):
        """Make room for `rows` rows in all."""
        if rows <= len(self.seqs):
            return
        self.seqs = np.resize(self.seqs, rows)
        self.alive = np.resize(self.alive, rows)
        matrix = np.empty((rows, dim), dtype=np.float32)
        if self.matrix is not None:
            matrix[: self.size] = self.matrix[: self.size]
        self.matrix = matrix

    def append(self, seqs, vectors):
        n = len(seqs)
        if self.size + n > len(self.seqs):
            self.reserve(max(2 * len(self.seqs), self.size + n, 1024), vectors.shape[1])
        self.seqs[self.size : self.size + n] = seqs
        self.matrix[self.size : self.size + n] = vectors
        self.alive[self.size : self.size + n] = True
        self.size += n
        self.live += n
        self.last_seq = int(seqs[-1])
        if self.hnsw is not None:
            self.hnsw.add(seqs, vectors)

    def positions(self, seqs):
        """The rows of the live documents among `seqs`."""
        seqs = np.asarray(seqs, dtype=np.int64)
        positions = np.searchsorted(self.seqs[: self.size], seqs)
        found = positions < self.size
        positions, seqs = positions[found], seqs[found]
        positions = positions[self.seqs[positions] == seqs]
        return positions[self.alive[positions]]

    def remove(self, seqs):
        positions = self.positions(seqs)
        if not len(positions):
            return
        self.alive[positions] = False
        self.live -= len(positions)
        if self.hnsw is not None:
            self.hnsw.remove(self.seqs[positions])
        if self.size > 1024 and self.live < self.size // 2:
            keep = self.alive[: self.size]
            self.seqs = self.seqs[: self.size][keep]
            self.matrix = self.matrix[: self.size][keep]
            self.alive = np.ones(self.live, dtype=bool)
            self.size = self.live

    def live_rows(self):
        if self.live == self.size:
            # Views: appends write past them and compaction makes new arrays.
            return self.seqs[: self.size], self.matrix[: self.size]
        keep = self.alive[: self.size]
        return self.seqs[: self.size][keep], self.matrix[: self.size][keep]

    def attach(self, index):
        """Use `index` after making its keys the live seqs."""
        seqs = self.live_rows()[0]
        keys = np.asarray(index.keys, dtype=np.int64)
        stale = np.setdiff1d(keys, seqs)
        if len(stale):
            index.remove(stale)
        missing = np.setdiff1d(seqs, keys)
        if len(missing):
            index.add(missing, self.matrix[self.positions(missing)])
        self.hnsw = index

    def top(self, query, m, exact_limit):
        """(seqs, cosine scores) of the m live vectors most similar to `query`, best first."""
        if not self.live:
            return self.seqs[:0], np.empty(0, dtype=np.float32)
        candidates = max(OVERSAMPLE * m, MIN_CANDIDATES)
        if self.hnsw is not None and self.live > exact_limit and candidates <= MAX_CANDIDATES:
            positions = self.positions(self.hnsw.search(query, candidates).keys)
            scores = self.matrix[positions] @ query
        else:
            positions = np.arange(self.size)
            scores = self.matrix[: self.size] @ query
            scores[~self.alive[: self.size]] = -np.inf
        if m < len(scores):
            best = np.argpartition(-scores, m - 1)[:m]
        else:
            best = np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")]
        best = best[np.isfinite(scores[best])]
        return self.seqs[positions[best]], scores[best]
