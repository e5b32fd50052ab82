"""A self-contained, offline HTML report: both texts side by side, passages highlighted.

The page is rendered by one Jinja template with autoescape on. Document text never
reaches the template as markup: :func:`segments` cuts each text at every span
boundary (body, passages, token edits) into plain-text :class:`Segment` objects, and
the template writes each one, escaped, inside at most one ``<span>``. Concatenating
the segments' ``text`` gives back the document text exactly, so every highlight sits
at the character offsets the pipeline reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..provenance import Ledger
from ..records import Comparison, Derivation, Document, Kind, Op, PairReport, Passage, Span

__all__ = [
    "KIND_ACCENT",
    "KIND_BACKGROUND",
    "KIND_DESCRIPTION",
    "KIND_LABEL",
    "KIND_ORDER",
    "Mark",
    "Segment",
    "excerpt",
    "no_reuse_message",
    "passage_marks",
    "render_html",
    "segments",
    "template_environment",
]

#: Kinds from the most to the least literal; a text segment covered by passages of
#: several kinds is coloured as the first of them in this order.
KIND_ORDER: tuple[Kind, ...] = (
    Kind.VERBATIM,
    Kind.NEAR_VERBATIM,
    Kind.SHARED_QUOTE,
    Kind.ALTERED_QUOTE,
    Kind.PARAPHRASE,
)

KIND_LABEL: dict[Kind, str] = {
    Kind.VERBATIM: "Verbatim",
    Kind.NEAR_VERBATIM: "Near-verbatim",
    Kind.PARAPHRASE: "Paraphrase (spun)",
    Kind.SHARED_QUOTE: "Shared quote",
    Kind.ALTERED_QUOTE: "Altered quote",
}

KIND_DESCRIPTION: dict[Kind, str] = {
    Kind.VERBATIM: "copied word for word",
    Kind.NEAR_VERBATIM: "copied with small edits",
    Kind.PARAPHRASE: "reworded, e.g. by synonym substitution",
    Kind.SHARED_QUOTE: "the same quotation in both",
    Kind.ALTERED_QUOTE: "a quotation whose words were changed",
}

#: Highlight background (dark text on it has WCAG AAA contrast) and accent colour
#: (underline, badges, terminal text; at least 4.5:1 on white). Shared with the
#: terminal report so both use the same colour per kind.
KIND_BACKGROUND: dict[Kind, str] = {
    Kind.VERBATIM: "#ffd7d5",
    Kind.NEAR_VERBATIM: "#ffe4c4",
    Kind.PARAPHRASE: "#e6dcff",
    Kind.SHARED_QUOTE: "#cdeee6",
    Kind.ALTERED_QUOTE: "#ffd6ec",
}
KIND_ACCENT: dict[Kind, str] = {
    Kind.VERBATIM: "#b42318",
    Kind.NEAR_VERBATIM: "#a04100",
    Kind.PARAPHRASE: "#5b2bc4",
    Kind.SHARED_QUOTE: "#0b6e58",
    Kind.ALTERED_QUOTE: "#b0125f",
}

DERIVATION_LABEL: dict[Derivation, str] = {
    Derivation.WHOLLY: "Wholly derived",
    Derivation.PARTIALLY: "Partially derived",
    Derivation.NONE: "Not derived",
}

_WS = re.compile(r"\s+")
_EXCERPT_CHARS = 90
_TITLE_WORD_CHARS = 60
_SWAP_CHARS = 24
_SWAPS_SHOWN = 6


def excerpt(text: str, span: Span, width: int = 60) -> str:
    """``text[span]`` with whitespace collapsed, cut to ``width`` characters with an ellipsis."""
    start, end = span
    s = _WS.sub(" ", text[max(0, start) : max(0, end)]).strip()
    if len(s) > width:
        return s[: max(0, width - 1)].rstrip() + "…"
    return s


def no_reuse_message(documents: Sequence[Document]) -> str:
    """The one-line message shown when a comparison has no pairs."""
    ids = [d.id for d in documents]
    if len(ids) == 2:
        who = f" between {ids[0]} and {ids[1]}"
    elif len(ids) > 2:
        who = " among " + ", ".join(ids[:-1]) + f" and {ids[-1]}"
    elif ids:
        who = f" in {ids[0]}"
    else:
        who = ""
    return f"No reuse found{who} (beyond boilerplate and common phrases)."


# ----------------------------------------------------------------------------------------
# Segmenting


@dataclass(frozen=True, slots=True)
class Mark:
    """A span of one document to highlight.

    ``edit`` is ``None`` for the span of a whole passage (membership), or the token
    edit marked inside that passage (``replace``/``insert``/``delete``); ``title`` is
    the tooltip for an edit, e.g. ``"Ireland → Eire"``.
    """

    start: int
    end: int
    passage: int
    kind: Kind
    edit: Op | None = None
    title: str = ""


@dataclass(frozen=True, slots=True)
class Segment:
    """A maximal run ``text == doc.text[start:end]`` covered by the same marks throughout."""

    start: int
    end: int
    text: str
    in_body: bool
    passages: tuple[int, ...] = ()
    kinds: tuple[Kind, ...] = ()
    edits: tuple[Op, ...] = ()
    titles: tuple[str, ...] = ()

    def _attrs(self) -> tuple[object, ...]:
        return (self.in_body, self.passages, self.kinds, self.edits, self.titles)


def segments(text: str, body: Sequence[Span], marks: Sequence[Mark]) -> list[Segment]:
    """Cut ``text`` at every boundary of ``body`` and ``marks`` into non-empty segments.

    Spans are clipped to the text; empty spans mark nothing. A segment covered by
    several passages lists all of them (sorted), with their distinct kinds in
    :data:`KIND_ORDER` order. Adjacent segments with the same marks are merged, so
    ``"".join(s.text for s in segments(...)) == text`` and no segment is empty.
    """
    n = len(text)
    if n == 0:
        return []

    def clip(start: int, end: int) -> Span:
        return max(0, min(start, n)), max(0, min(end, n))

    body_c = [clip(s, e) for s, e in body]
    marks_c = [(clip(m.start, m.end), m) for m in marks]
    cuts = {0, n}
    for s, e in body_c:
        cuts.update((s, e))
    for (s, e), _ in marks_c:
        cuts.update((s, e))
    bounds = sorted(cuts)
    index = {b: i for i, b in enumerate(bounds)}
    count = len(bounds) - 1

    in_body = [False] * count
    passages: list[set[int]] = [set() for _ in range(count)]
    kinds: list[set[Kind]] = [set() for _ in range(count)]
    edits: list[set[Op]] = [set() for _ in range(count)]
    titles: list[list[str]] = [[] for _ in range(count)]
    for s, e in body_c:
        for i in range(index[s], index[e]):
            in_body[i] = True
    for (s, e), m in marks_c:
        for i in range(index[s], index[e]):
            if m.edit is None:
                passages[i].add(m.passage)
                kinds[i].add(m.kind)
            elif m.edit is not Op.EQUAL:
                edits[i].add(m.edit)
                if m.title and m.title not in titles[i]:
                    titles[i].append(m.title)

    out: list[Segment] = []
    for i in range(count):
        seg = Segment(
            start=bounds[i],
            end=bounds[i + 1],
            text=text[bounds[i] : bounds[i + 1]],
            in_body=in_body[i],
            passages=tuple(sorted(passages[i])),
            kinds=tuple(k for k in KIND_ORDER if k in kinds[i]),
            edits=tuple(op for op in (Op.REPLACE, Op.INSERT, Op.DELETE) if op in edits[i]),
            titles=tuple(titles[i]),
        )
        if out and out[-1]._attrs() == seg._attrs() and out[-1].end == seg.start:
            prev = out[-1]
            out[-1] = Segment(
                prev.start,
                seg.end,
                prev.text + seg.text,
                prev.in_body,
                prev.passages,
                prev.kinds,
                prev.edits,
                prev.titles,
            )
        else:
            out.append(seg)
    return out


def _word(text: str, span: Span) -> str:
    return excerpt(text, span, _TITLE_WORD_CHARS) or "∅"


def passage_marks(pair: PairReport, side: str) -> list[Mark]:  # side: "source" | "derived"
    """The marks of every passage of ``pair`` (ids 1, 2, ...) in one of its two texts."""
    src, der = pair.source.text, pair.derived.text
    marks: list[Mark] = []
    for pid, p in enumerate(pair.passages, start=1):
        span = p.source_span if side == "source" else p.derived_span
        marks.append(Mark(span[0], span[1], pid, p.kind))
        for e in p.edits:
            if e.op is Op.REPLACE:
                title = f"{_word(src, e.source)} → {_word(der, e.derived)}"
                span = e.source if side == "source" else e.derived
                marks.append(Mark(span[0], span[1], pid, p.kind, Op.REPLACE, title))
            elif e.op is Op.INSERT and side == "derived":
                marks.append(
                    Mark(
                        e.derived[0], e.derived[1], pid, p.kind, Op.INSERT, "added in derived text"
                    )
                )
            elif e.op is Op.DELETE and side == "source":
                marks.append(
                    Mark(e.source[0], e.source[1], pid, p.kind, Op.DELETE, "not in derived text")
                )
    return marks


# ----------------------------------------------------------------------------------------
# View models handed to the template (all strings are escaped by Jinja)


@dataclass(frozen=True, slots=True)
class _Seg:
    text: str
    cls: str = ""
    passages: str = ""
    title: str = ""
    anchor: str = ""
    focusable: bool = False
    #: ids of further passages starting here (one element holds one id): empty anchors
    extra_anchors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Pane:
    role: str  # "Source" / "Derived" / "Document"
    side: str  # "source" / "derived" / "doc"
    doc_id: str
    date: str
    meta: str
    segs: list[_Seg]


@dataclass(frozen=True, slots=True)
class _Row:
    pid: int
    kind: str
    label: str
    similarity: str
    source_span: str
    derived_span: str
    source_excerpt: str
    derived_excerpt: str
    edits: str


@dataclass(frozen=True, slots=True)
class _KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class _PairView:
    index: int
    source_id: str
    source_date: str
    derived_id: str
    derived_date: str
    method: str
    confidence: str
    reason: str
    derivation: str
    derivation_label: str
    source_coverage: float
    derived_coverage: float
    counts: list[_KindCount]
    rows: list[_Row]
    panes: list[_Pane] = field(default_factory=list)


def _date(doc: Document) -> str:
    return doc.date.isoformat() if doc.date else ""


def _meta(doc: Document) -> str:
    parts = [p for p in (doc.outlet, doc.title) if p]
    parts.append(f"{len(doc.text):,} chars, {doc.body_chars:,} in body")
    return " · ".join(parts)


def _render_segments(segs: list[Segment], prefix: str, passage_info: dict[int, str]) -> list[_Seg]:
    out: list[_Seg] = []
    seen: set[int] = set()
    for s in segs:
        if not s.passages and not s.edits:
            out.append(_Seg(s.text, "" if s.in_body else "outside"))
            continue
        cls: list[str] = []
        if not s.in_body:
            cls.append("outside")
        if s.passages:
            cls += ["m", f"k-{s.kinds[0].value}"]
            if len(s.passages) > 1:
                cls.append("multi")
        cls += [f"e-{op.value}" for op in s.edits]
        title_lines = list(s.titles)
        title_lines += [passage_info[p] for p in s.passages if p in passage_info]
        if len(s.passages) > 1:
            title_lines.append("(click again to cycle through overlapping passages)")
        new = [p for p in s.passages if p not in seen]
        seen.update(new)
        out.append(
            _Seg(
                s.text,
                " ".join(cls),
                " ".join(str(p) for p in s.passages),
                "\n".join(title_lines),
                f"{prefix}-{new[0]}" if new else "",
                bool(new),
                tuple(f"{prefix}-{p}" for p in new[1:]),
            )
        )
    return out


def _passage_info(p: Passage, pid: int) -> str:
    return f"#{pid} {KIND_LABEL[p.kind]} · {p.similarity:.0%} similar"


def _edit_summary(pair: PairReport, p: Passage) -> str:
    """The short word swaps of a passage (``Ireland → Eire; rules → guidelines``)."""
    reps: list[str] = []
    for e in p.edits:
        if e.op is not Op.REPLACE:
            continue
        a = excerpt(pair.source.text, e.source, 1000)
        b = excerpt(pair.derived.text, e.derived, 1000)
        if 0 < len(a) <= _SWAP_CHARS and 0 < len(b) <= _SWAP_CHARS:
            reps.append(f"{a} → {b}")
    if not reps:
        return ""
    more = f" (+{len(reps) - _SWAPS_SHOWN} more)" if len(reps) > _SWAPS_SHOWN else ""
    return "; ".join(reps[:_SWAPS_SHOWN]) + more


def _pair_view(index: int, pair: PairReport) -> _PairView:
    info = {pid: _passage_info(p, pid) for pid, p in enumerate(pair.passages, start=1)}
    panes: list[_Pane] = []
    sides: tuple[tuple[Literal["source", "derived"], Document], ...] = (
        ("source", pair.source),
        ("derived", pair.derived),
    )
    for side, doc in sides:
        segs = segments(doc.text, doc.body, passage_marks(pair, side))
        panes.append(
            _Pane(
                role=side.capitalize(),
                side=side,
                doc_id=doc.id,
                date=_date(doc),
                meta=_meta(doc),
                segs=_render_segments(segs, f"pair{index}-{side[0]}", info),
            )
        )
    rows = [
        _Row(
            pid=pid,
            kind=p.kind.value,
            label=KIND_LABEL[p.kind],
            similarity=f"{p.similarity:.0%}",
            source_span=f"{p.source_span[0]}–{p.source_span[1]}",
            derived_span=f"{p.derived_span[0]}–{p.derived_span[1]}",
            source_excerpt=excerpt(pair.source.text, p.source_span, _EXCERPT_CHARS),
            derived_excerpt=excerpt(pair.derived.text, p.derived_span, _EXCERPT_CHARS),
            edits=_edit_summary(pair, p),
        )
        for pid, p in enumerate(pair.passages, start=1)
    ]
    counts = [
        _KindCount(k.value, KIND_LABEL[k], sum(1 for p in pair.passages if p.kind is k))
        for k in KIND_ORDER
    ]
    return _PairView(
        index=index,
        source_id=pair.source.id,
        source_date=_date(pair.source),
        derived_id=pair.derived.id,
        derived_date=_date(pair.derived),
        method=pair.direction.method,
        confidence=f"{pair.direction.confidence:.0%}",
        reason=pair.direction.reason,
        derivation=pair.derivation.value,
        derivation_label=DERIVATION_LABEL[pair.derivation],
        source_coverage=pair.source_coverage,
        derived_coverage=pair.derived_coverage,
        counts=counts,
        rows=rows,
        panes=panes,
    )


def _doc_pane(i: int, doc: Document) -> _Pane:
    return _Pane(
        role="Document",
        side="doc",
        doc_id=doc.id,
        date=_date(doc),
        meta=_meta(doc),
        segs=_render_segments(segments(doc.text, doc.body, []), f"doc{i}", {}),
    )


_env: Environment | None = None


def template_environment(package: str) -> Environment:
    """Jinja for ``package``'s ``templates`` folder, autoescape on for every template:
    document text is only ever written escaped (the report's and the web app's rule)."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _environment() -> Environment:
    global _env
    if _env is None:
        _env = template_environment("unspin.report")
    return _env


def render_html(
    comparison: Comparison,
    ledger: Ledger | None = None,
    *,
    nav: Sequence[tuple[str, str]] = (),
    nonce: str | None = None,
) -> str:
    """The whole report as one static HTML page (inline CSS and JS, no external resources).

    With ``ledger`` (``unspin check``), the page opens with the document's borrowing ledger.
    The web app adds ``nav`` links (label, address) to its header and a CSP ``nonce`` for
    the inline script.
    """
    legend = [
        {
            "kind": k.value,
            "label": KIND_LABEL[k],
            "description": KIND_DESCRIPTION[k],
        }
        for k in KIND_ORDER
    ]
    template = _environment().get_template("compare.html.j2")
    return template.render(
        version=comparison.version,
        documents=[
            {"id": d.id, "date": _date(d), "meta": _meta(d), "path": d.path or ""}
            for d in comparison.documents
        ],
        pairs=[_pair_view(i, p) for i, p in enumerate(comparison.pairs)],
        doc_panes=[]
        if comparison.pairs
        else [_doc_pane(i, d) for i, d in enumerate(comparison.documents)],
        no_reuse=no_reuse_message(comparison.documents),
        legend=legend,
        ledger=None
        if ledger is None
        else {
            "document": ledger.document,
            "borrowed": f"{ledger.borrowed_share:.0%}",
            "original": f"{ledger.original_share:.0%}",
            "sources": [
                {"source": e.source, "chars": e.chars, "share": f"{e.share:.1%}"}
                for e in ledger.entries
            ],
        },
        kind_background={k.value: v for k, v in KIND_BACKGROUND.items()},
        kind_accent={k.value: v for k, v in KIND_ACCENT.items()},
        nav=list(nav),
        nonce=nonce,
    )
