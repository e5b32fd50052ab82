"""The corpus index: one DuckDB file holding documents, their fingerprints and embeddings.

Everything a scan needs is stored once per document (``unspin index add``), in
transactions of ``IndexConfig.batch_documents`` documents: a run stopped by Ctrl-C or
``kill -9`` leaves the file as it was after the last whole batch, and the next run skips
what is there (same key, same content hash) and redoes the rest.

Tables::

    documents   one row per document: key (path, or path#record), id, metadata, text, body
    postings    hashed content-stem n-grams and name-or-figure pairs (see
                ``fingerprint.posting_keys``) with the position of their first token
    minhash     MinHash LSH band keys
    sentences   hashed sentences, to learn the corpus's boilerplate
    embeddings  sentence vectors (float16) and their mean, per document, for one model
    results     the last scan's pairs (the ``pairs.jsonl`` objects), for tools that browse
    skipped     inputs that could not be read, with the reason
    meta        the settings the index was built with
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import xxhash

from .align import FloatArray
from .config import IndexConfig
from .embed import Embedder
from .errors import ConfigError, InputError, OutputError
from .fingerprint import (
    U64,
    content_shingles,
    fingerprint,
    minhash_bands,
    posting_keys,
    sentence_keys,
)
from .ingest import Skipped
from .pipeline import Prepared, prepare
from .records import Document, Span

SCHEMA_VERSION = "4"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE SEQUENCE IF NOT EXISTS doc_ids START 1;
CREATE TABLE IF NOT EXISTS documents (
    doc_id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    id TEXT NOT NULL,
    path TEXT,
    url TEXT,
    date DATE,
    title TEXT,
    outlet TEXT,
    content_hash UBIGINT NOT NULL,
    text TEXT NOT NULL,
    body TEXT NOT NULL,
    n_sentences INTEGER NOT NULL,
    added TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS postings (hash UBIGINT NOT NULL, doc_id INTEGER NOT NULL,
                                     pos INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS minhash (band_key UBIGINT NOT NULL, doc_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sentences (hash BIGINT NOT NULL, skeleton BIGINT NOT NULL,
                                      doc_id INTEGER NOT NULL,
                                      start_char INTEGER NOT NULL, end_char INTEGER NOT NULL,
                                      words INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings (doc_id INTEGER PRIMARY KEY, model TEXT NOT NULL,
                                       vectors BLOB NOT NULL, centroid BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS results (source TEXT NOT NULL, derived TEXT NOT NULL,
                                    family INTEGER, pair JSON NOT NULL);
CREATE TABLE IF NOT EXISTS skipped (source TEXT PRIMARY KEY, reason TEXT NOT NULL,
                                    skipped_at TIMESTAMP NOT NULL);
"""

_CHILD_TABLES = ("postings", "minhash", "sentences", "embeddings")


def content_hash(text: str) -> int:
    """The xxh64 of a document's text: an unchanged document is skipped by it."""
    return int(xxhash.xxh64_intdigest(text.encode("utf-8", "surrogatepass")))


def document_key(doc: Document) -> str:
    """A document's identity in the index: where it came from, else its id."""
    return doc.path or doc.id


@dataclass(slots=True)
class AddSummary:
    """What one ``Index.add`` run did."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.added + self.replaced + self.unchanged + len(self.skipped)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document as the index holds it, with its row number."""

    doc_id: int
    document: Document


@dataclass(frozen=True, slots=True)
class _Row:
    """One document's rows for every table, computed outside the transaction."""

    key: str
    doc: Document
    digest: int
    prepared: Prepared
    shingles: Any
    positions: Any
    bands: Any
    sentences: list[tuple[int, int, int, int, int]]


class Index:
    """A DuckDB index file; use as a context manager.

    Args:
        path: The database file (created when missing unless ``read_only``).
        config: What to store per document; must match the settings the file was built with.
        read_only: Open for reading only (several processes may then read at once).

    Raises:
        InputError: The file cannot be opened or is not an unspin index.
        ConfigError: The file was built with other fingerprint settings.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        config: IndexConfig | None = None,
        read_only: bool = False,
    ) -> None:
        self.path = str(path)
        self.config = config or IndexConfig()
        if read_only and not Path(path).is_file():
            raise InputError(self.path, "no such index (create it with `unspin index add`)")
        try:
            self.con = duckdb.connect(
                self.path,
                read_only=read_only,
                config={"memory_limit": self.config.duckdb_memory},
            )
        except (duckdb.Error, OSError) as err:
            raise InputError(self.path, f"cannot open index: {_one_line(err)}") from None
        try:
            # A DuckDB file of something else is refused before anything is written to it.
            tables = {
                str(r[0])
                for r in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            if tables and "meta" not in tables:
                self.con.close()
                raise InputError(
                    self.path,
                    f"not an unspin index: it holds other tables ({', '.join(sorted(tables)[:3])})",
                )
            if not read_only:
                self.con.execute(_SCHEMA)
            self._check_meta(read_only)
        except duckdb.Error as err:
            self.con.close()
            raise InputError(self.path, f"not an unspin index: {_one_line(err)}") from None
        except ConfigError:
            self.con.close()
            raise

    def __enter__(self) -> Index:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- settings -------------------------------------------------------------------------

    def _settings(self) -> dict[str, str]:
        return {
            "schema": SCHEMA_VERSION,
            "shingle_n": str(self.config.shingle_n),
            "minhash": f"{self.config.minhash_bands}x{self.config.minhash_rows}",
        }

    def _check_meta(self, read_only: bool) -> None:
        stored = dict(self.con.execute("SELECT name, value FROM meta").fetchall())
        for name, value in self._settings().items():
            if name not in stored:
                if read_only:
                    raise ConfigError(f"{self.path}: index has no {name!r} setting")
                self.con.execute("INSERT INTO meta VALUES (?, ?)", [name, value])
            elif stored[name] != value:
                raise ConfigError(
                    f"{self.path}: index was built with {name}={stored[name]}, "
                    f"the settings ask for {value}; use a new --db"
                )

    @property
    def model(self) -> str | None:
        """The embedding model the stored vectors come from (``None``: lexical only)."""
        rows = self.con.execute("SELECT value FROM meta WHERE name = 'model'").fetchall()
        return None if not rows or rows[0][0] == "" else str(rows[0][0])

    # -- writing --------------------------------------------------------------------------

    def add(
        self,
        items: Iterable[Document | Skipped],
        *,
        embedder: Embedder | None,
        progress: Callable[[AddSummary], None] | None = None,
    ) -> AddSummary:
        """Store documents: new ones added, changed ones replaced, unchanged ones skipped.

        Args:
            items: Documents and inputs that could not be read (recorded with the reason).
            embedder: The sentence model; ``None`` stores no vectors. An index keeps
                vectors of one model only.
            progress: Called after each document with the running totals.

        Returns:
            The counts; ``skipped`` lists the unreadable inputs of this run.

        Raises:
            ConfigError: The index holds vectors of another model.
        """
        self._claim_model(embedder)
        summary = AddSummary()
        buffer: list[Document] = []
        for item in items:
            if isinstance(item, Skipped):
                self._record_skip(item)
                summary.skipped.append(item)
                if progress is not None:
                    progress(summary)
                continue
            buffer.append(item)
            if len(buffer) >= self.config.batch_documents:
                self._store(buffer, embedder, summary, progress)
                buffer = []
        if buffer:
            self._store(buffer, embedder, summary, progress)
        return summary

    def _store(
        self,
        docs: list[Document],
        embedder: Embedder | None,
        summary: AddSummary,
        progress: Callable[[AddSummary], None] | None,
    ) -> None:
        """Prepare the changed documents of a batch and write them in one transaction."""
        keys = [document_key(d) for d in docs]
        stored = self._stored_hashes(keys)
        rows: dict[str, _Row] = {}
        for key, doc in zip(keys, docs, strict=True):
            digest = content_hash(doc.text)
            known = rows[key].digest if key in rows else stored.get(key)
            if known == digest:
                summary.unchanged += 1
            else:
                if known is None:
                    summary.added += 1
                else:
                    summary.replaced += 1
                # The same key twice in a batch: the later text wins, as it would later on.
                rows[key] = self._row(doc, key, digest, embedder)
            if progress is not None:
                progress(summary)
        if rows:
            self._write(list(rows.values()), replaced={k for k in rows if k in stored})

    def store_results(self, rows: Sequence[tuple[str, str, int | None, str]]) -> None:
        """Replace the stored scan results by ``(source, derived, family, pair JSON)`` rows."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM results")
            if rows:
                con.executemany("INSERT INTO results VALUES (?, ?, ?, ?)", list(rows))
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise

    def _claim_model(self, embedder: Embedder | None) -> None:
        self.claim_model(embedder.name if embedder is not None else "")

    def claim_model(self, name: str) -> None:
        """Record that the vectors stored here come from model ``name`` ("": none).

        Raises:
            ConfigError: The index holds vectors of another model.
        """
        rows = self.con.execute("SELECT value FROM meta WHERE name = 'model'").fetchall()
        if not rows:
            self.con.execute("INSERT INTO meta VALUES ('model', ?)", [name])
        elif rows[0][0] != name:
            have = rows[0][0] or "none (lexical only)"
            want = name or "none (lexical only)"
            raise ConfigError(
                f"{self.path}: index holds embeddings of model {have}, this run uses {want}; "
                "use the same --model (or --no-model) or a new --db"
            )

    def merge(self, part: str | os.PathLike[str]) -> AddSummary:
        """Add the documents of ``part``, an index written by ``add`` elsewhere (a worker),
        as if its documents had been added here in its order: new keys added, changed ones
        replaced, unchanged ones skipped, row numbers given in the part's order. One
        transaction: the part is merged whole or not at all.

        Raises:
            InputError: ``part`` cannot be opened or is not an index.
            ConfigError: ``part`` was built with other settings or another model.
        """
        source = os.fspath(part)
        # Opening it checks its settings against this index's.
        with Index(source, config=self.config, read_only=True) as p:
            model = p.model or ""
            counts = dict(p.con.execute(
                "SELECT name, value FROM meta WHERE name IN ('part_replaced', 'part_unchanged')"
            ).fetchall())  # fmt: skip
            skipped = p.skipped()
        self.claim_model(model)
        # Duplicates inside the part were settled as ``add`` settles them.
        summary = AddSummary(
            replaced=int(counts.get("part_replaced", 0)),
            unchanged=int(counts.get("part_unchanged", 0)),
            skipped=skipped,
        )
        con = self.con
        quoted = source.replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS part (READ_ONLY)")
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                self._merge_part(summary)
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
        finally:
            con.execute("DETACH part")
        return summary

    def _merge_part(self, summary: AddSummary) -> None:
        con = self.con
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE part_ids AS
            SELECT p.doc_id AS part_id, d.doc_id AS old_id,
                   coalesce(p.content_hash = d.content_hash, false) AS same
            FROM part.documents p LEFT JOIN documents d USING (key)
            """
        )
        row = con.execute(
            "SELECT count(*) FILTER (same), count(*) FILTER (NOT same AND old_id IS NOT NULL), "
            "count(*) FILTER (old_id IS NULL) FROM part_ids"
        ).fetchone()
        assert row is not None
        summary.unchanged += int(row[0])
        summary.replaced += int(row[1])
        summary.added += int(row[2])
        con.execute(
            "CREATE OR REPLACE TEMP TABLE old_ids AS "
            "SELECT old_id FROM part_ids WHERE NOT same AND old_id IS NOT NULL"
        )
        for table in (*_CHILD_TABLES, "documents"):
            con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT old_id FROM old_ids)")
        incoming = np.array(
            [int(r[0]) for r in con.execute(
                "SELECT part_id FROM part_ids WHERE NOT same ORDER BY part_id"
            ).fetchall()],
            dtype=np.int64,
        )  # fmt: skip
        new = np.array(
            [int(r[0]) for r in con.execute(
                "SELECT nextval('doc_ids') FROM range(?)", [len(incoming)]
            ).fetchall()],
            dtype=np.int64,
        )  # fmt: skip
        con.register("id_map", {"part_id": incoming, "new_id": np.sort(new)})
        try:
            con.execute(
                "INSERT INTO documents SELECT m.new_id, p.key, p.id, p.path, p.url, p.date, "
                "p.title, p.outlet, p.content_hash, p.text, p.body, p.n_sentences, p.added "
                "FROM part.documents p JOIN id_map m ON p.doc_id = m.part_id ORDER BY m.new_id"
            )
            con.execute(
                "INSERT INTO postings SELECT c.hash, m.new_id, c.pos FROM part.postings c "
                "JOIN id_map m ON c.doc_id = m.part_id ORDER BY m.new_id, c.pos, c.hash"
            )
            con.execute(
                "INSERT INTO minhash SELECT c.band_key, m.new_id FROM part.minhash c "
                "JOIN id_map m ON c.doc_id = m.part_id ORDER BY m.new_id, c.band_key"
            )
            con.execute(
                "INSERT INTO sentences SELECT c.hash, c.skeleton, m.new_id, c.start_char, "
                "c.end_char, c.words FROM part.sentences c JOIN id_map m ON c.doc_id = m.part_id "
                "ORDER BY m.new_id, c.start_char"
            )
            con.execute(
                "INSERT INTO embeddings SELECT m.new_id, c.model, c.vectors, c.centroid "
                "FROM part.embeddings c JOIN id_map m ON c.doc_id = m.part_id ORDER BY m.new_id"
            )
            # A stored document is no longer skipped; a later failure to read it is recorded.
            con.execute(
                "DELETE FROM skipped WHERE source IN (SELECT p.key FROM part.documents p "
                "JOIN id_map m ON p.doc_id = m.part_id)"
            )
            con.execute("INSERT OR REPLACE INTO skipped SELECT * FROM part.skipped")
        finally:
            con.unregister("id_map")

    def _stored_hashes(self, keys: list[str]) -> dict[str, int]:
        rows = self.con.execute(
            "SELECT key, content_hash FROM documents WHERE key IN (SELECT unnest(?))", [keys]
        ).fetchall()
        return {str(k): int(h) for k, h in rows}

    def _record_skip(self, item: Skipped) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO skipped VALUES (?, ?, ?)",
            [item.source, item.reason, dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        )

    def _row(self, doc: Document, key: str, digest: int, embedder: Embedder | None) -> _Row:
        prepared = prepare(doc, embedder)
        fp = prepared.fingerprint
        shingles, positions = posting_keys(fp, self.config.shingle_n)
        bands = minhash_bands(
            content_shingles(fp, self.config.shingle_n)[0],
            bands=self.config.minhash_bands,
            rows=self.config.minhash_rows,
        )
        return _Row(
            key, doc, digest, prepared, shingles, positions, bands,
            sentence_keys(prepared.fingerprint),
        )  # fmt: skip

    def _write(self, rows: list[_Row], *, replaced: set[str]) -> None:
        """One transaction: the batch is stored whole or not at all."""
        con = self.con
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        con.execute("BEGIN TRANSACTION")
        try:
            if replaced:
                old = [int(x[0]) for x in con.execute(
                    "SELECT doc_id FROM documents WHERE key IN (SELECT unnest(?))",
                    [sorted(replaced)],
                ).fetchall()]  # fmt: skip
                for table in (*_CHILD_TABLES, "documents"):
                    con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT unnest(?))", [old])
            ids = [int(x[0]) for x in con.execute(
                "SELECT nextval('doc_ids') FROM range(?)", [len(rows)]
            ).fetchall()]  # fmt: skip

            def objects(values: list[Any]) -> Any:
                return np.array(values, dtype=object)

            con.register(
                "documents_batch",
                {
                    "doc_id": np.array(ids, dtype=np.int32),
                    "key": objects([r.key for r in rows]),
                    "id": objects([r.doc.id for r in rows]),
                    "path": objects([r.doc.path for r in rows]),
                    "url": objects([r.doc.url for r in rows]),
                    "date": objects([r.doc.date for r in rows]),
                    "title": objects([r.doc.title for r in rows]),
                    "outlet": objects([r.doc.outlet for r in rows]),
                    "content_hash": np.array([r.digest for r in rows], dtype=np.uint64),
                    "text": objects([r.doc.text for r in rows]),
                    "body": objects([json.dumps([list(s) for s in r.doc.body]) for r in rows]),
                    "n_sentences": np.array(
                        [r.prepared.fingerprint.n_sentences for r in rows], dtype=np.int32
                    ),
                },
            )
            con.execute(
                "INSERT INTO documents SELECT doc_id, key, id, path, url, date, title, outlet, "
                "content_hash, text, body, n_sentences, ? FROM documents_batch",
                [now],
            )
            con.unregister("documents_batch")
            self._write_children(ids, rows)
            # A document that was unreadable before and is stored now is no longer skipped.
            con.execute(
                "DELETE FROM skipped WHERE source IN (SELECT unnest(?))", [[r.key for r in rows]]
            )
            con.execute("COMMIT")
        except BaseException:
            # An interrupt may land just after COMMIT: then there is nothing to roll back.
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise

    def _write_children(self, ids: list[int], rows: list[_Row]) -> None:
        con = self.con

        def column(values: list[Any], dtype: Any) -> Any:
            return np.concatenate(values).astype(dtype) if values else np.zeros(0, dtype=dtype)

        postings = {
            "hash": column([r.shingles for r in rows], np.uint64),
            "doc_id": column(
                [np.full(len(r.shingles), i) for i, r in zip(ids, rows, strict=True)], np.int32
            ),
            "pos": column([r.positions for r in rows], np.int32),
        }
        con.register("postings_batch", postings)
        con.execute("INSERT INTO postings SELECT hash, doc_id, pos FROM postings_batch")
        con.unregister("postings_batch")
        minhash = {
            "band_key": column([r.bands for r in rows], np.uint64),
            "doc_id": column(
                [np.full(len(r.bands), i) for i, r in zip(ids, rows, strict=True)], np.int32
            ),
        }
        con.register("minhash_batch", minhash)
        con.execute("INSERT INTO minhash SELECT band_key, doc_id FROM minhash_batch")
        con.unregister("minhash_batch")
        sents = [
            (k, sk, i, s, e, w)
            for i, r in zip(ids, rows, strict=True)
            for (k, sk, s, e, w) in r.sentences
        ]
        if sents:
            arr = np.array(sents, dtype=np.int64)
            con.register(
                "sentences_batch",
                {
                    "hash": arr[:, 0],
                    "skeleton": arr[:, 1],
                    "doc_id": arr[:, 2].astype(np.int32),
                    "start_char": arr[:, 3].astype(np.int32),
                    "end_char": arr[:, 4].astype(np.int32),
                    "words": arr[:, 5].astype(np.int32),
                },
            )
            con.execute("INSERT INTO sentences SELECT * FROM sentences_batch")
            con.unregister("sentences_batch")
        emb = [
            (i, r.prepared)
            for i, r in zip(ids, rows, strict=True)
            if r.prepared.embeddings is not None and r.prepared.model is not None
        ]
        if emb:
            con.register(
                "embeddings_batch",
                {
                    "doc_id": np.array([i for i, _ in emb], dtype=np.int32),
                    "model": np.array([p.model for _, p in emb], dtype=object),
                    "vectors": np.array(
                        [_vectors(p).astype(np.float16).tobytes() for _, p in emb], dtype=object
                    ),
                    "centroid": np.array(
                        [
                            centroid(_vectors(p), p.fingerprint.sentence_in_body).tobytes()
                            for _, p in emb
                        ],
                        dtype=object,
                    ),
                },
            )
            con.execute("INSERT INTO embeddings SELECT * FROM embeddings_batch")
            con.unregister("embeddings_batch")

    # -- reading --------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM documents").fetchall()[0][0])

    def skipped(self) -> list[Skipped]:
        rows = self.con.execute("SELECT source, reason FROM skipped ORDER BY source").fetchall()
        return [Skipped(str(s), str(r)) for s, r in rows]

    def catalog(self) -> Iterator[tuple[str, str | None]]:
        """``(id, path)`` of every document, in ``id`` order, without reading the texts."""
        # A cursor of its own, so other queries may run while this one is read.
        cur = self.con.cursor().execute("SELECT id, path FROM documents ORDER BY id, key")
        while rows := cur.fetchmany(4096):
            yield from ((str(i), p) for i, p in rows)

    def documents(self, doc_ids: Sequence[int] | None = None) -> Iterator[StoredDocument]:
        """Stored documents in ``doc_id`` order (all, or the ones asked for)."""
        sql = "SELECT doc_id, id, path, url, date, title, outlet, text, body FROM documents"
        if doc_ids is None:
            cur = self.con.cursor().execute(sql + " ORDER BY doc_id")
        else:
            cur = self.con.cursor().execute(
                sql + " WHERE doc_id IN (SELECT unnest(?)) ORDER BY doc_id", [list(doc_ids)]
            )
        while rows := cur.fetchmany(1024):
            for doc_id, id_, path, url, date, title, outlet, text, body in rows:
                doc = Document(
                    id=id_, text=text, path=path, date=date, title=title, url=url,
                    outlet=outlet, body=tuple(tuple(s) for s in json.loads(body)),
                )  # fmt: skip
                yield StoredDocument(int(doc_id), doc)

    def prepared_many(self, stored: Sequence[StoredDocument]) -> dict[int, Prepared]:
        """``prepared`` for many documents, their vectors read in one query."""
        model = self.model
        vectors: dict[int, tuple[bytes, int]] = {}
        if model and stored:
            rows = self.con.execute(
                "SELECT doc_id, vectors, octet_length(centroid) // 4 FROM embeddings "
                "WHERE doc_id IN (SELECT unnest(?))",
                [[s.doc_id for s in stored]],
            ).fetchall()
            vectors = {int(d): (bytes(v), int(n)) for d, v, n in rows}
        out = {}
        for s in stored:
            fp = fingerprint(s.document)
            found = vectors.get(s.doc_id)
            vec = _unpack(found[0], found[1], fp.n_sentences) if found else None
            out[s.doc_id] = Prepared(fp, vec, model if vec is not None else None)
        return out

    def sentence_vectors(self, doc_ids: Sequence[int] | None = None) -> dict[int, Any]:
        """Stored sentence vectors (float16, as stored) by row number: every document's,
        or those of ``doc_ids``."""
        only = "" if doc_ids is None else " WHERE e.doc_id IN (SELECT unnest(?))"
        cur = self.con.cursor().execute(
            "SELECT e.doc_id, e.vectors, d.n_sentences FROM embeddings e "
            "JOIN documents d USING (doc_id)" + only,
            [] if doc_ids is None else [list(doc_ids)],
        )
        out: dict[int, Any] = {}
        while rows := cur.fetchmany(4096):
            for doc_id, blob, n in rows:
                flat = np.frombuffer(blob, dtype=np.float16)
                if n and flat.size % n == 0:
                    out[int(doc_id)] = flat.reshape(int(n), -1)
        return out

    def document_frequency(self, hashes: Sequence[U64]) -> dict[int, int]:
        """In how many documents each n-gram hash is posted (absent hashes: left out)."""
        if not hashes:
            return {}
        wanted = np.unique(np.concatenate(hashes))
        if not len(wanted):
            return {}
        self.con.register("wanted_hashes", {"hash": wanted})
        rows = self.con.execute(
            "SELECT hash, count(*) FROM postings SEMI JOIN wanted_hashes USING (hash) GROUP BY hash"
        ).fetchall()
        self.con.unregister("wanted_hashes")
        return {int(h): int(n) for h, n in rows}

    def common_sentences(self, *, min_docs: int, max_words: int) -> tuple[set[int], set[int]]:
        """The corpus's boilerplate as keys: (line hashes, template skeletons); see below."""
        lines = self.con.execute(_COMMON_LINES, [max_words, min_docs]).fetchall()
        templates = self.con.execute(_TEMPLATES, [min_docs]).fetchall()
        return {int(r[0]) for r in lines}, {int(r[0]) for r in templates}

    def boilerplate(
        self, *, min_docs: int, max_words: int, doc_ids: Sequence[int] | None = None
    ) -> dict[int, Boilerplate]:
        """Per document, the spans of its sentences that are the corpus's boilerplate.

        Two kinds, both learned from corpus frequency (after TextPAIR's banality filter and
        passim's within-series boilerplate, without needing series labels):

        * ``lines``: a short line (at most ``max_words``) found word for word in
          ``min_docs`` documents: a masthead, a credit. A story carried by many outlets
          repeats whole paragraphs of long sentences, so it is not mistaken for one;
        * ``templates``: a sentence template filled in ``min_docs`` different ways: the
          same words around different names and figures ("X is issuing a N eurobond due
          D ..."). A sentence copied by many outlets is one filling, however often it
          recurs; and one filling copied word for word is a copy of the same facts.
        """
        only = "" if doc_ids is None else "AND s.doc_id IN (SELECT unnest(?))"
        out: dict[int, Boilerplate] = {}
        kinds: list[tuple[str, str, str, list[object]]] = [
            ("lines", _COMMON_LINES, "hash", [max_words, min_docs]),
            ("templates", _TEMPLATES, "skeleton", [min_docs]),
        ]
        for which, sql, key, params in kinds:
            if doc_ids is not None:
                params = [*params, list(doc_ids)]
            rows = self.con.execute(
                f"""
                WITH common AS ({sql})
                SELECT s.doc_id, s.start_char, s.end_char FROM sentences s
                WHERE s.{key} IN (SELECT {key} FROM common) {only}
                ORDER BY s.doc_id, s.start_char
                """,
                params,
            ).fetchall()
            for doc_id, start, end in rows:
                found = out.setdefault(int(doc_id), Boilerplate())
                getattr(found, which).append((int(start), int(end)))
        return out


@dataclass(slots=True)
class Boilerplate:
    """A document's sentences that are its corpus's boilerplate (``Index.boilerplate``)."""

    lines: list[Span] = field(default_factory=list)
    templates: list[Span] = field(default_factory=list)


#: Short lines repeated word for word in many documents (parameters: max words, min docs).
_COMMON_LINES = """
    SELECT hash FROM sentences WHERE words <= ?
    GROUP BY hash HAVING count(DISTINCT doc_id) >= ?
"""
#: Sentence templates filled in many different ways (parameter: min fillings).
_TEMPLATES = """
    SELECT skeleton FROM sentences GROUP BY skeleton HAVING count(DISTINCT hash) >= ?
"""


def _vectors(p: Prepared) -> FloatArray:
    assert p.embeddings is not None
    return p.embeddings


def _unpack(blob: bytes, dim: int, n_sentences: int) -> FloatArray | None:
    """Stored float16 vectors as float32 rows, or ``None`` when they no longer fit."""
    flat = np.frombuffer(blob, dtype=np.float16)
    if dim == 0 or flat.size != n_sentences * dim:
        return None
    return flat.reshape(n_sentences, dim).astype(np.float32)


def centroid(vectors: FloatArray, in_body: Any) -> FloatArray:
    """The normalised mean of a document's body sentence vectors (zeros when it has none)."""
    rows = vectors[in_body] if in_body.any() else vectors
    if len(rows) == 0:
        return np.zeros(vectors.shape[1], dtype=np.float32)
    mean: FloatArray = rows.mean(axis=0).astype(np.float32)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def writable_dir(path: str | os.PathLike[str]) -> Path:
    """Create an output folder, or fail with one line naming it."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(str(out), f"cannot create folder: {err.strerror or err}") from None
    return out
