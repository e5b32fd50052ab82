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

from dataclasses import dataclass

from wordfreq import zipf_frequency

from .config import ProvenanceConfig
from .records import Derivation, Direction, Document, Kind, Op, Passage, Span


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
