"""Who copied whom, how much of each text is borrowed, and the derivation level.

Direction combines publication dates with content cues, each with a reason an editor
can check:

* dates: the earlier document is the source (the strongest cue; passim and TextPAIR
  use it as a hard filter, here it is weighed with the rest);
* a reworded copy of one quotation next to the verbatim one: a document that carries
  the same source quotation twice, once spun, was built from the other;
* rarer words: synonym spinners replace common words with rarer ones ("Ireland" →
  "Eire"), so across substituted words the derived side has the lower word frequency
  (Zipf scale, from ``wordfreq``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from wordfreq import zipf_frequency

from .config import ProvenanceConfig
from .records import Derivation, Direction, Document, Kind, Op, PairReport, Passage, Span


def coverage(doc: Document, spans: list[Span]) -> float:
    """Share of ``doc``'s body characters inside the union of ``spans``."""
    total = doc.body_chars
    if total == 0:
        return 0.0
    covered = 0
    for bs, be in doc.body:
        clipped = sorted((max(s, bs), min(e, be)) for s, e in spans if min(e, be) > max(s, bs))
        cur_s, cur_e = -1, -1
        for s, e in clipped:
            if s > cur_e:
                covered += max(0, cur_e - cur_s)
                cur_s, cur_e = s, e
            else:
                cur_e = max(cur_e, e)
        covered += max(0, cur_e - cur_s)
    return covered / total


def derivation(derived_coverage: float, config: ProvenanceConfig) -> Derivation:
    """METER-style level from the share of the derived text that is reused."""
    if derived_coverage >= config.wholly:
        return Derivation.WHOLLY
    if derived_coverage >= config.partially:
        return Derivation.PARTIALLY
    return Derivation.NONE


@dataclass(frozen=True, slots=True)
class Cue:
    """One piece of direction evidence: positive favours "a is the source"."""

    weight: float
    reason: str


def _same_stretch(x: Span, y: Span) -> bool:
    """Two spans cover mostly the same text: each overlaps the other by half or more."""
    overlap = max(0, min(x[1], y[1]) - max(x[0], y[0]))
    return overlap * 2 >= max(x[1] - x[0], y[1] - y[0])


def content_cues(a: Document, b: Document, passages: list[Passage]) -> list[Cue]:
    """Direction evidence from the text alone (``passages`` aligned with a as source)."""
    cues: list[Cue] = []
    # One quotation of the source quoted twice in the derived text, once as is and once
    # reworded: the copier pasted it, then pasted it again through a spinner. (Only
    # quotations: a reporter paraphrasing a quote in their own words is no such sign.)
    repeated = {
        p.source_span
        for k, p in enumerate(passages)
        for q in passages[k + 1 :]
        if {p.kind, q.kind} == {Kind.SHARED_QUOTE, Kind.ALTERED_QUOTE}
        and _same_stretch(p.source_span, q.source_span)
    }
    if repeated:
        cues.append(
            Cue(
                0.6,
                f"{b.id} quotes {len(repeated)} quotation(s) of {a.id} twice, "
                "once verbatim and once reworded",
            )
        )
    src_words: list[str] = []
    der_words: list[str] = []
    for p in passages:
        for e in p.edits:
            if e.op is Op.REPLACE:
                src_words.extend(a.text[e.source[0] : e.source[1]].split())
                der_words.extend(b.text[e.derived[0] : e.derived[1]].split())
    if len(src_words) >= 5 and len(der_words) >= 5:
        za = sum(zipf_frequency(w.strip(".,;:!?\"'“”’‘()"), "en") for w in src_words) / len(
            src_words
        )
        zb = sum(zipf_frequency(w.strip(".,;:!?\"'“”’‘()"), "en") for w in der_words) / len(
            der_words
        )
        if abs(za - zb) >= 0.15:
            rarer, common = (b, a) if zb < za else (a, b)
            sign = 1.0 if zb < za else -1.0
            cues.append(
                Cue(
                    sign * min(0.5, abs(za - zb)),
                    f"substituted words in {rarer.id} are rarer than in {common.id} "
                    f"(Zipf {min(za, zb):.2f} vs {max(za, zb):.2f}), as spinners make them",
                )
            )
    return cues


def direction(
    a: Document,
    b: Document,
    passages: list[Passage],
    reverse_passages: list[Passage] | None = None,
) -> tuple[bool, Direction]:
    """Decide whether ``a`` is the source of ``b``; returns (a_is_source, Direction).

    ``passages`` are aligned with ``a`` as the source; ``reverse_passages``, when given,
    with ``b`` as the source, so the content cues are weighed both ways and the answer
    does not depend on the order the documents were given in.
    """
    cues = content_cues(a, b, passages)
    if reverse_passages is not None:
        cues += [Cue(-c.weight, c.reason) for c in content_cues(b, a, reverse_passages)]
    content = sum(c.weight for c in cues)
    content_reason = "; ".join(c.reason for c in cues)
    if a.date and b.date and a.date != b.date:
        a_first = a.date < b.date
        first, second = (a, b) if a_first else (b, a)
        agrees = content == 0 or (content > 0) == a_first
        reason = f"{first.id} ({first.date}) predates {second.id} ({second.date})"
        if content_reason:
            reason += f"; content {'agrees' if agrees else 'disagrees'}: {content_reason}"
        return a_first, Direction("date", 0.95 if agrees else 0.8, reason)
    dated = a if a.date and not b.date else b if b.date and not a.date else None
    if dated is not None and (content == 0 or (content > 0) == (dated is a)):
        other = b if dated is a else a
        reason = f"{dated.id} is dated {dated.date}; {other.id} carries no date"
        confidence = 0.6
        if content_reason:
            reason += f"; content agrees: {content_reason}"
            confidence = min(0.9, 0.6 + abs(content) / 2)
        return dated is a, Direction("date", confidence, reason)
    if content != 0:
        a_first = content > 0
        return a_first, Direction("content", min(0.9, 0.5 + abs(content) / 2), content_reason)
    if a.date and b.date:
        reason = f"both documents are dated {a.date} and the text gives no direction"
    else:
        reason = "no dates and no directional evidence in the text"
    return True, Direction("unknown", 0.5, reason)


# --- Corpus provenance: siblings, the borrowing ledger, story families ----------------------


def _covered(spans: list[Span], by: list[Span]) -> float:
    """Share of the characters of ``spans`` inside the union of ``by``."""
    total = sum(e - s for s, e in spans)
    if total == 0:
        return 0.0
    inside = 0
    for s, e in spans:
        marks = sorted((max(s, bs), min(e, be)) for bs, be in by if min(e, be) > max(s, bs))
        cur = s
        for ms, me in marks:
            if me > cur:
                inside += me - max(ms, cur)
                cur = me
    return inside / total


def common_sources(
    reports: list[PairReport], *, min_share: float = 0.8
) -> dict[tuple[str, str], str]:
    """Pairs whose shared text both documents took from a third: ``(source, derived) -> it``.

    When B and C both copy A, B and C resemble each other too, and neither copied the
    other. A pair (B, C) is such a sibling pair when, on both sides, at least
    ``min_share`` of its passages lie inside text that side reuses from one same A.
    """
    derived_from: dict[str, dict[str, list[Span]]] = {}
    for r in reports:
        spans = [p.derived_span for p in r.passages]
        derived_from.setdefault(r.derived.id, {})[r.source.id] = spans
    out: dict[tuple[str, str], str] = {}
    for r in reports:
        b, c = r.source.id, r.derived.id
        from_b, from_c = derived_from.get(b, {}), derived_from.get(c, {})
        for a in sorted(set(from_b) & set(from_c) - {b, c}):
            if _covered([p.source_span for p in r.passages], from_b[a]) >= min_share and (
                _covered([p.derived_span for p in r.passages], from_c[a]) >= min_share
            ):
                out[(b, c)] = a
                break
    return out


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """Characters of a document attributed to one source."""

    source: str
    chars: int
    share: float


@dataclass(frozen=True, slots=True)
class Ledger:
    """How much of a document is borrowed, from where, and how much is its own."""

    document: str
    body_chars: int
    borrowed_chars: int
    entries: tuple[LedgerEntry, ...]

    @property
    def borrowed_share(self) -> float:
        return self.borrowed_chars / self.body_chars if self.body_chars else 0.0

    @property
    def original_share(self) -> float:
        return 1.0 - self.borrowed_share if self.body_chars else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "document": self.document,
            "body_chars": self.body_chars,
            "borrowed_chars": self.borrowed_chars,
            "borrowed_share": round(self.borrowed_share, 4),
            "original_share": round(self.original_share, 4),
            "sources": [
                {"source": e.source, "chars": e.chars, "share": round(e.share, 4)}
                for e in self.entries
            ],
        }


def ledger(doc: Document, reports: list[PairReport]) -> Ledger:
    """Attribute each borrowed body character of ``doc`` to one source.

    ``reports`` are the pairs with ``doc`` as the derived side. A character reused from
    several sources goes to the earliest-dated one (the likeliest original), then to the
    closest passage, then by source id, so the shares add up to the borrowed share.
    """
    in_body = np.zeros(len(doc.text), dtype=bool)
    for s, e in doc.body:
        in_body[s:e] = True
    free = in_body.copy()
    claims = sorted(
        (
            (r.source.date or dt.date.max, -p.similarity, r.source.id, p.derived_span)
            for r in reports
            if r.derived.id == doc.id
            for p in r.passages
        ),
        key=lambda c: (c[0], c[1], c[2], c[3]),
    )
    chars: dict[str, int] = {}
    for _, _, source, (s, e) in claims:
        taken = int(free[s:e].sum())
        if taken:
            chars[source] = chars.get(source, 0) + taken
            free[s:e] = False
    body_chars = int(in_body.sum())
    borrowed = sum(chars.values())
    entries = tuple(
        LedgerEntry(src, n, n / body_chars if body_chars else 0.0)
        for src, n in sorted(chars.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return Ledger(doc.id, body_chars, borrowed, entries)


def families(ids: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Story families: connected components of the reuse graph, numbered from 1.

    Numbered in the order of each family's first member in ``ids``, so the numbering
    does not depend on the order pairs were found in. Documents with no reuse get none.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    numbers: dict[str, int] = {}
    out: dict[str, int] = {}
    for doc_id in ids:
        if doc_id not in parent:
            continue
        root = find(doc_id)
        out[doc_id] = numbers.setdefault(root, len(numbers) + 1)
    return out
