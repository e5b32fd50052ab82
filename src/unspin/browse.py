"""Reading a scanned index: corpus statistics, pairs and families by filter, one document.

The scan stores each pair's JSON (the ``compare`` pair schema) in the index's ``results``
table; these functions query it with DuckDB's JSON functions and join the documents'
metadata, for the web app's pages and API (and anyone with an index and Python).
Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .classify import token_edits
from .fingerprint import Fingerprint, fingerprint
from .index import Index
from .records import Derivation, Direction, Kind, PairReport, Passage, Span

#: One row per document id (ids may repeat across files: the first row stands for them).
_DOCS = """
    SELECT id, min(doc_id) AS doc_id, any_value(date) AS date, any_value(title) AS title,
           any_value(outlet) AS outlet, any_value(path) AS path
    FROM documents GROUP BY id
"""


@dataclass(frozen=True, slots=True)
class PairFilter:
    """Which stored pairs to list: dated by the derived document (the source's date when
    it has none); the outlet may be either document's."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    outlet: str | None = None
    kind: Kind | None = None
    #: Least share of the derived document's body inside the pair's passages.
    min_coverage: float = 0.0
    #: Only the pairs of this story family (``documents.csv``'s family number).
    family: int | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True, slots=True)
class DocRef:
    """A document as the listings show it."""

    id: str
    doc_id: int | None
    date: str | None
    title: str | None
    outlet: str | None


@dataclass(frozen=True, slots=True)
class PairRow:
    source: DocRef
    derived: DocRef
    family: int | None
    derivation: str
    derived_coverage: float
    source_coverage: float
    kinds: tuple[str, ...]
    passages: int
    direction: str


@dataclass(frozen=True, slots=True)
class FamilyRow:
    family: int
    documents: int
    pairs: int
    first: DocRef | None
    first_date: str | None
    last_date: str | None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing, with the total across pages."""

    total: int
    page: int
    per_page: int
    items: list[Any] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "items": [asdict(i) for i in self.items],
        }


@dataclass(frozen=True, slots=True)
class CorpusStats:
    documents: int
    pairs: int
    families: int
    skipped: int
    model: str | None
    outlets: list[tuple[str, int]]
    first_date: str | None
    last_date: str | None
    recent: list[DocRef]
    largest_families: list[FamilyRow]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["outlets"] = [{"outlet": o, "documents": n} for o, n in self.outlets]
        return d


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A stored document with what it borrowed and what borrowed from it."""

    ref: DocRef
    path: str | None
    url: str | None
    text: str
    body: tuple[Span, ...]
    #: Share of the body inside passages taken from any source (each character once).
    borrowed_share: float
    sources: list[PairRow]
    derived: list[PairRow]
    #: Derived-side spans of every passage taken from a source, merged.
    borrowed_spans: list[Span]

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self.ref),
            "path": self.path,
            "url": self.url,
            "chars": len(self.text),
            "body": [list(s) for s in self.body],
            "text": self.text,
            "borrowed_share": round(self.borrowed_share, 4),
            "borrowed_spans": [list(s) for s in self.borrowed_spans],
            "sources": [asdict(r) for r in self.sources],
            "derived": [asdict(r) for r in self.derived],
        }


def _one(index: Index, sql: str, args: list[Any] | None = None) -> tuple[Any, ...]:
    """The single row an aggregate query returns."""
    row = index.con.execute(sql, args or []).fetchone()
    assert row is not None, "an aggregate query returns a row"
    return tuple(row)


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def _ref(id_: str, row: tuple[Any, ...] | None) -> DocRef:
    if row is None:
        return DocRef(id_, None, None, None, None)
    doc_id, date, title, outlet = row
    return DocRef(id_, int(doc_id), _iso(date), title, outlet)


_PAIR_COLUMNS = """
    r.source, s.doc_id, s.date, s.title, s.outlet,
    r.derived, d.doc_id, d.date, d.title, d.outlet,
    r.family, r.pair
"""


def _pair_row(row: tuple[Any, ...]) -> PairRow:
    pair = json.loads(row[11])
    return PairRow(
        source=_ref(row[0], row[1:5] if row[1] is not None else None),
        derived=_ref(row[5], row[6:10] if row[6] is not None else None),
        family=None if row[10] is None else int(row[10]),
        derivation=str(pair.get("derivation", "")),
        derived_coverage=float(pair.get("derived_coverage", 0.0)),
        source_coverage=float(pair.get("source_coverage", 0.0)),
        kinds=tuple(sorted({str(p["kind"]) for p in pair.get("passages", [])})),
        passages=len(pair.get("passages", [])),
        direction=str(pair.get("direction", {}).get("method", "")),
    )


def _where(f: PairFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    # A pair is dated by its derived document (when the reuse was published).
    if f.date_from is not None:
        clauses.append("coalesce(d.date, s.date) >= ?")
        args.append(f.date_from)
    if f.date_to is not None:
        clauses.append("coalesce(d.date, s.date) <= ?")
        args.append(f.date_to)
    if f.outlet:
        clauses.append("(s.outlet = ? OR d.outlet = ?)")
        args += [f.outlet, f.outlet]
    if f.kind is not None:
        clauses.append("list_contains(json_extract_string(r.pair, '$.passages[*].kind'), ?)")
        args.append(f.kind.value)
    if f.family is not None:
        clauses.append("r.family = ?")
        args.append(f.family)
    if f.min_coverage > 0:
        clauses.append("CAST(r.pair->>'derived_coverage' AS DOUBLE) >= ?")
        args.append(f.min_coverage)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _joined(where: str) -> str:
    return f"""
        FROM results r
        LEFT JOIN ({_DOCS}) s ON s.id = r.source
        LEFT JOIN ({_DOCS}) d ON d.id = r.derived
        {where}
    """


def list_pairs(index: Index, f: PairFilter) -> Page:
    """Stored pairs passing ``f``, most borrowed first (then by ids: a stable order)."""
    where, args = _where(f)
    con = index.con
    total = int(_one(index, f"SELECT count(*) {_joined(where)}", args)[0])
    rows = con.execute(
        f"""
        SELECT {_PAIR_COLUMNS} {_joined(where)}
        ORDER BY CAST(r.pair->>'derived_coverage' AS DOUBLE) DESC, r.source, r.derived
        LIMIT ? OFFSET ?
        """,
        [*args, f.per_page, (f.page - 1) * f.per_page],
    ).fetchall()
    return Page(total, f.page, f.per_page, [_pair_row(r) for r in rows])


def list_families(index: Index, f: PairFilter) -> Page:
    """Story families with a pair passing ``f``, largest first; each with its earliest
    member (the likely origin of the story)."""
    where, args = _where(f)
    con = index.con
    base = f"""
        WITH p AS (SELECT r.family, r.source, r.derived {_joined(where)}),
        m AS (
            SELECT family, source AS id FROM p WHERE family IS NOT NULL
            UNION SELECT family, derived FROM p WHERE family IS NOT NULL
        ),
        f AS (
            SELECT m.family, count(DISTINCT m.id) AS documents,
                   min(d.date) AS first_date, max(d.date) AS last_date,
                   arg_min(m.id, coalesce(d.date, DATE '9999-12-31')) AS first
            FROM m LEFT JOIN ({_DOCS}) d ON d.id = m.id GROUP BY m.family
        ),
        c AS (SELECT family, count(*) AS pairs FROM p GROUP BY family)
    """
    total = int(_one(index, f"{base} SELECT count(*) FROM f", args)[0])
    rows = con.execute(
        f"""{base}
        SELECT f.family, f.documents, c.pairs, f.first, f.first_date, f.last_date
        FROM f JOIN c USING (family)
        ORDER BY f.documents DESC, c.pairs DESC, f.family
        LIMIT ? OFFSET ?
        """,
        [*args, f.per_page, (f.page - 1) * f.per_page],
    ).fetchall()
    firsts = _refs(index, [r[3] for r in rows if r[3] is not None])
    items = [
        FamilyRow(
            family=int(r[0]),
            documents=int(r[1]),
            pairs=int(r[2]),
            first=firsts.get(r[3]),
            first_date=_iso(r[4]),
            last_date=_iso(r[5]),
        )
        for r in rows
    ]
    return Page(total, f.page, f.per_page, items)


def _refs(index: Index, ids: list[str]) -> dict[str, DocRef]:
    if not ids:
        return {}
    rows = index.con.execute(
        f"SELECT id, doc_id, date, title, outlet FROM ({_DOCS}) WHERE list_contains(?, id)",
        [ids],
    ).fetchall()
    return {r[0]: _ref(r[0], r[1:]) for r in rows}


def corpus_stats(index: Index, *, recent: int = 10, families: int = 10) -> CorpusStats:
    """What the home page shows: counts, date range, outlets, recent and largest stories."""
    con = index.con
    n_docs, first, last = _one(index, "SELECT count(*), min(date), max(date) FROM documents")
    n_pairs, n_families = _one(index, "SELECT count(*), count(DISTINCT family) FROM results")
    (n_skipped,) = _one(index, "SELECT count(*) FROM skipped")
    outlets = con.execute(
        "SELECT outlet, count(*) FROM documents WHERE outlet IS NOT NULL "
        "GROUP BY outlet ORDER BY 2 DESC, 1 LIMIT 20"
    ).fetchall()
    recent_rows = con.execute(
        "SELECT id, doc_id, date, title, outlet FROM documents "
        "ORDER BY added DESC, doc_id DESC LIMIT ?",
        [recent],
    ).fetchall()
    return CorpusStats(
        documents=int(n_docs),
        pairs=int(n_pairs),
        families=int(n_families),
        skipped=int(n_skipped),
        model=index.model,
        outlets=[(str(o), int(n)) for o, n in outlets],
        first_date=_iso(first),
        last_date=_iso(last),
        recent=[_ref(r[0], r[1:]) for r in recent_rows],
        largest_families=list_families(index, PairFilter(per_page=families)).items,
    )


def find_document(index: Index, ref: str) -> int | None:
    """The row number of the document ``ref`` names: its id, its path or key, or the
    row number itself (``"#12"`` or ``"12"`` when no document has that id)."""
    row = index.con.execute(
        "SELECT min(doc_id) FROM documents WHERE id = ? OR key = ? OR path = ?",
        [ref, ref, ref],
    ).fetchone()
    if row is not None and row[0] is not None:
        return int(row[0])
    digits = ref.removeprefix("#")
    if digits.isdigit():
        row = index.con.execute(
            "SELECT doc_id FROM documents WHERE doc_id = ?", [int(digits)]
        ).fetchone()
        if row is not None:
            return int(row[0])
    return None


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def document_view(index: Index, doc_id: int) -> DocumentView | None:
    """The document stored at row ``doc_id`` with its stored pairs, or ``None``."""
    stored = next(iter(index.documents([doc_id])), None)
    if stored is None:
        return None
    doc = stored.document
    con = index.con
    rows = con.execute(
        f"SELECT {_PAIR_COLUMNS} {_joined('WHERE r.source = ? OR r.derived = ?')} "
        "ORDER BY CAST(r.pair->>'derived_coverage' AS DOUBLE) DESC, r.source, r.derived",
        [doc.id, doc.id],
    ).fetchall()
    sources = [_pair_row(r) for r in rows if r[5] == doc.id and r[0] != doc.id]
    derived = [_pair_row(r) for r in rows if r[0] == doc.id and r[5] != doc.id]
    spans = _merge(
        [
            (int(p["derived_span"][0]), int(p["derived_span"][1]))
            for r in rows
            if r[5] == doc.id
            for p in json.loads(r[11]).get("passages", [])
        ]
    )
    body = doc.body or ((0, len(doc.text)),)
    body_chars = sum(e - s for s, e in body) or 1
    inside = sum(max(0, min(e, be) - max(s, bs)) for s, e in spans for bs, be in body)
    row = con.execute(
        "SELECT date, title, outlet FROM documents WHERE doc_id = ?", [doc_id]
    ).fetchone()
    assert row is not None
    return DocumentView(
        ref=DocRef(doc.id, doc_id, _iso(row[0]), row[1], row[2]),
        path=doc.path,
        url=doc.url,
        text=doc.text,
        body=doc.body,
        borrowed_share=inside / body_chars,
        sources=sources,
        derived=derived,
        borrowed_spans=spans,
    )


def _tokens_in(fp: Fingerprint, span: Span) -> tuple[int, int]:
    inside = np.flatnonzero((fp.token_spans[:, 0] >= span[0]) & (fp.token_spans[:, 1] <= span[1]))
    if not len(inside):
        return 0, 0
    return int(inside[0]), int(inside[-1]) + 1


def stored_pair(index: Index, source: str, derived: str) -> PairReport | None:
    """The stored pair ``source`` → ``derived`` as a report to render, or ``None``.

    The JSON keeps spans, kinds and scores, not the token edits the side-by-side view
    marks: those are recomputed, word by word, inside each passage.
    """
    row = index.con.execute(
        "SELECT pair FROM results WHERE source = ? AND derived = ? LIMIT 1", [source, derived]
    ).fetchone()
    if row is None:
        return None
    pair = json.loads(row[0])
    ids = [find_document(index, source), find_document(index, derived)]
    if None in ids:
        return None
    docs = {s.doc_id: s.document for s in index.documents([i for i in ids if i is not None])}
    src, der = (docs[i] for i in ids if i is not None)
    fa, fb = fingerprint(src), fingerprint(der)
    passages = []
    for p in pair.get("passages", []):
        ss = (int(p["source_span"][0]), int(p["source_span"][1]))
        ds = (int(p["derived_span"][0]), int(p["derived_span"][1]))
        passages.append(
            Passage(
                source_span=ss,
                derived_span=ds,
                kind=Kind(p["kind"]),
                similarity=float(p["similarity"]),
                edits=token_edits(fa, _tokens_in(fa, ss), fb, _tokens_in(fb, ds)),
            )
        )
    how = pair.get("direction", {})
    return PairReport(
        source=src,
        derived=der,
        direction=Direction(
            str(how.get("method", "unknown")),
            float(how.get("confidence", 0.5)),
            str(how.get("reason", "")),
        ),
        derivation=Derivation(pair.get("derivation", "none")),
        source_coverage=float(pair.get("source_coverage", 0.0)),
        derived_coverage=float(pair.get("derived_coverage", 0.0)),
        passages=tuple(passages),
    )
