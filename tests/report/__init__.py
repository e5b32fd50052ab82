"""Shared fixtures for the report tests: a hand-built Comparison of the seed pair."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

from unspin.records import (
    Comparison,
    Derivation,
    Direction,
    Document,
    Kind,
    Op,
    PairReport,
    Passage,
    Span,
    TokenEdit,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SOURCE_PATH = EXAMPLES / "000_404ac855c4996d3e.txt"
DERIVED_PATH = EXAMPLES / "002_030f45c5db0ae00d.txt"

_TOKEN = re.compile(r"\w+|[^\w\s]")


def span_of(text: str, start_with: str, end_with: str, after: int = 0) -> Span:
    """The span from the first ``start_with`` (at or after ``after``) through ``end_with``."""
    start = text.find(start_with, after)
    assert start >= 0, start_with
    end = text.find(end_with, start)
    assert end >= 0, end_with
    return start, end + len(end_with)


def token_edits(src: str, s_span: Span, der: str, d_span: Span) -> tuple[TokenEdit, ...]:
    """A word-level diff of ``src[s_span]`` and ``der[d_span]`` with absolute offsets."""
    s_toks = [
        (m.start() + s_span[0], m.end() + s_span[0]) for m in _TOKEN.finditer(src[slice(*s_span)])
    ]
    d_toks = [
        (m.start() + d_span[0], m.end() + d_span[0]) for m in _TOKEN.finditer(der[slice(*d_span)])
    ]
    sm = difflib.SequenceMatcher(
        a=[src[a:b].lower() for a, b in s_toks],
        b=[der[a:b].lower() for a, b in d_toks],
        autojunk=False,
    )
    edits: list[TokenEdit] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        s = (
            (s_toks[i1][0], s_toks[i2 - 1][1])
            if i2 > i1
            else (s_toks[min(i1, len(s_toks) - 1)][0],) * 2
        )
        d = (
            (d_toks[j1][0], d_toks[j2 - 1][1])
            if j2 > j1
            else (d_toks[min(j1, len(d_toks) - 1)][0],) * 2
        )
        edits.append(TokenEdit(Op(tag), s, d))
    return tuple(edits)


def coverage(doc: Document, spans: list[Span]) -> float:
    covered: set[int] = set()
    for s, e in spans:
        covered.update(range(s, e))
    body = {i for s, e in doc.body for i in range(s, e)}
    return len(covered & body) / max(1, len(body))


def seed_documents() -> tuple[Document, Document]:
    src_text = SOURCE_PATH.read_text(encoding="utf-8")
    der_text = DERIVED_PATH.read_text(encoding="utf-8")
    source = Document(
        id=SOURCE_PATH.name,
        text=src_text,
        path=str(SOURCE_PATH),
        date=dt.date(2021, 7, 6),
        body=((src_text.find("As the relations"), src_text.find("\n\nIMAGE: AP")),),
    )
    derived = Document(
        id=DERIVED_PATH.name,
        text=der_text,
        path=str(DERIVED_PATH),
        body=((0, der_text.find("\n\nMahenoor Mansuri")),),
    )
    return source, derived


# (kind, similarity, source start/end, derived start/end)
_SEED_PASSAGES: list[tuple[Kind, float, tuple[str, str], tuple[str, str]]] = [
    (
        Kind.PARAPHRASE,
        0.71,
        ("Chinese Foreign Ministry spokesperson Wang", 'global cybersecurity."'),
        ("On the 5th of July Monday", "global cybersecurity.”"),
    ),
    (
        Kind.SHARED_QUOTE,
        0.97,
        ("As facts have proven time and again", "top threat to global cybersecurity,"),
        ("As facts have proven time and again", "top threat to global cybersecurity,"),
    ),
    (
        Kind.PARAPHRASE,
        0.64,
        ("The Chinese Foreign Ministry spokesperson also said", "all kinds of privacy."),
        ("Wang informed that", "types of data from them."),
    ),
    (
        Kind.PARAPHRASE,
        0.58,
        ("China-US relations have continued", "Uyghurs in Xinjiang province."),
        ("The relationship between Washington", "the Muslims of Uighyurs."),
    ),
    (
        Kind.ALTERED_QUOTE,
        0.62,
        ("As facts have proven time and again", "top threat to global cybersecurity,"),
        ("“As information has been confirmed repeatedly", "risk to world cybersecurity,"),
    ),
    (
        Kind.ALTERED_QUOTE,
        0.74,
        ("“The Patriot Act", "to the US.”"),
        ("“The Patriot Act", "to the U.S.”"),
    ),
    (
        Kind.NEAR_VERBATIM,
        0.95,
        ("We call on the international community", "undermine global rules,"),
        ("We call on the international community", "undermine global rules,"),
    ),
]


def seed_comparison() -> Comparison:
    """The seed pair as the pipeline should report it (spans found with ``str.find``)."""
    source, derived = seed_documents()
    passages = []
    for kind, sim, (s0, s1), (d0, d1) in _SEED_PASSAGES:
        s_span = span_of(source.text, s0, s1)
        d_span = span_of(derived.text, d0, d1)
        edits = token_edits(source.text, s_span, derived.text, d_span)
        passages.append(Passage(s_span, d_span, kind, sim, edits))
    passages.sort(key=lambda p: p.derived_span)
    pair = PairReport(
        source=source,
        derived=derived,
        direction=Direction(
            "content",
            0.86,
            "the derived text swaps words inside the source's quotations for rarer synonyms "
            "(Ireland → Eire, rules → guidelines); the source is dated 2021-07-06, the derived "
            "text is undated",
        ),
        derivation=Derivation.PARTIALLY,
        source_coverage=coverage(source, [p.source_span for p in passages]),
        derived_coverage=coverage(derived, [p.derived_span for p in passages]),
        passages=tuple(passages),
    )
    return Comparison(documents=(source, derived), pairs=(pair,), version="0.1.0")
