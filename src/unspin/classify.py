"""Name the kind of each aligned passage and compute its token-level edits.

Kinds: ``verbatim`` / ``near-verbatim`` / ``paraphrase`` by the share of tokens kept in
order; when the passage is a quotation in both texts, ``shared-quote`` (both cite the
speaker's same words) or ``altered-quote`` (the wording of the quotation differs — a
spinner's fingerprint, since reporters do not reword quotes). A passage that runs over
a quotation and ordinary reporting is split where its quote status changes, so each
piece is named for what it is.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from rapidfuzz.distance import Indel, Levenshtein

from .align import Match, core_source_range
from .config import ClassifyConfig
from .fingerprint import Fingerprint, quotation_spans
from .records import Kind, Op, Passage, Span, TokenEdit


def _inside(span: Span, regions: list[Span]) -> int:
    s, e = span
    return sum(max(0, min(e, re_) - max(s, rs)) for rs, re_ in regions)


def _token_range(fp: Fingerprint, first: int, last: int) -> tuple[int, int]:
    return int(fp.sentence_tokens[first, 0]), int(fp.sentence_tokens[last, 1])


#: A replaced run longer than this (in tokens, either side) is rewriting, not a synonym
#: swap: it is reported as a deletion plus an insertion.
MAX_SUBSTITUTION_TOKENS = 3


def token_edits(
    a: Fingerprint, a_tokens: tuple[int, int], b: Fingerprint, b_tokens: tuple[int, int]
) -> tuple[TokenEdit, ...]:
    """Token-level edit script from ``a``'s tokens to ``b``'s, as character spans."""
    wa = a.words[a_tokens[0] : a_tokens[1]]
    wb = b.words[b_tokens[0] : b_tokens[1]]
    edits: list[TokenEdit] = []
    for op in Levenshtein.opcodes(wa, wb):
        sa = _chars(a, a_tokens[0] + op.src_start, a_tokens[0] + op.src_end)
        sb = _chars(b, b_tokens[0] + op.dest_start, b_tokens[0] + op.dest_end)
        long_run = max(op.src_end - op.src_start, op.dest_end - op.dest_start)
        if op.tag == "replace" and long_run > MAX_SUBSTITUTION_TOKENS:
            edits.append(TokenEdit(Op.DELETE, sa, (sb[0], sb[0])))
            edits.append(TokenEdit(Op.INSERT, (sa[1], sa[1]), sb))
        else:
            edits.append(TokenEdit(Op(op.tag), sa, sb))
    return tuple(edits)


def sentence_edits(
    a: Fingerprint, b: Fingerprint, links: list[tuple[int, int, float]]
) -> tuple[TokenEdit, ...]:
    """Edits of a reworded passage, each derived sentence against its best source sentence.

    Diffing a reordered paragraph as one sequence pairs unrelated words; diffing each
    sentence with the one it was rewritten from marks the real substitutions.
    """
    best: dict[int, tuple[float, int]] = {}
    for i, j, w in links:
        if j not in best or w > best[j][0]:
            best[j] = (w, i)
    edits: list[TokenEdit] = []
    for j in sorted(best):
        i = best[j][1]
        ta = (int(a.sentence_tokens[i, 0]), int(a.sentence_tokens[i, 1]))
        tb = (int(b.sentence_tokens[j, 0]), int(b.sentence_tokens[j, 1]))
        edits.extend(token_edits(a, ta, b, tb))
    return tuple(edits)


#: Shared runs shorter than this do not decide where a copied passage starts or ends.
MIN_ANCHOR_TOKENS = 3


def containment(
    a: Fingerprint, ta: tuple[int, int], b: Fingerprint, tb: tuple[int, int]
) -> tuple[float, float]:
    """Share of each side's tokens that the other side repeats in order (LCS / length)."""
    wa, wb = a.words[ta[0] : ta[1]], b.words[tb[0] : tb[1]]
    if not wa or not wb:
        return 0.0, 0.0
    common = (len(wa) + len(wb) - Indel.distance(wa, wb)) / 2
    return common / len(wa), common / len(wb)


def trim_unmatched_edges(
    a: Fingerprint, ta: tuple[int, int], b: Fingerprint, tb: tuple[int, int], min_edge: int
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Cut an edge of either side none of whose content words occur on the other side.

    Sentence boundaries are not where reuse starts and stops: a sentence a passage had
    to take whole may begin or end with ``min_edge`` or more words of which not one
    content word (stem) is found in the other side's passage; those words were not
    reused, however the rest was rewritten or shuffled.
    """
    wa, wb = a.words[ta[0] : ta[1]], b.words[tb[0] : tb[1]]
    blocks = [op for op in Indel.opcodes(wa, wb) if op.tag == "equal"]
    if blocks and max(op.src_end - op.src_start for op in blocks) >= min_edge:
        # Copied text: the reused part is where two-word phrases of the other side occur
        # (in any order, so reordered sentences stay in).
        return (
            _marked_range(ta, _bigram_hits(wa, _bigrams(wb)), min_edge, width=2),
            _marked_range(tb, _bigram_hits(wb, _bigrams(wa)), min_edge, width=2),
        )
    # Reworded text: a spinner may replace every content word of a clause, so only whole
    # sentences without one shared content word are cut.
    a_range = _whole_sentences(
        a, ta, _marked_range(ta, _stem_hits(a, ta, _content_stems(b, tb)), min_edge)
    )
    b_range = _whole_sentences(
        b, tb, _marked_range(tb, _stem_hits(b, tb, _content_stems(a, ta)), min_edge)
    )
    return a_range, b_range


def _whole_sentences(
    fp: Fingerprint, tokens: tuple[int, int], cut: tuple[int, int]
) -> tuple[int, int]:
    """Widen ``cut`` (inside ``tokens``) back to the sentence boundaries around it."""
    start, end = cut
    if start > tokens[0]:
        first = fp.token_sentence[start]
        start = max(tokens[0], int(fp.sentence_tokens[first, 0]))
    if end < tokens[1]:
        last = fp.token_sentence[end - 1]
        end = min(tokens[1], int(fp.sentence_tokens[last, 1]))
    return start, end


def _bigrams(words: tuple[str, ...]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(words))


def _bigram_hits(words: tuple[str, ...], other: set[tuple[str, str]]) -> list[int]:
    return [k for k, pair in enumerate(itertools.pairwise(words)) if pair in other]


def _stem_hits(fp: Fingerprint, tokens: tuple[int, int], other: set[str]) -> list[int]:
    return [t - tokens[0] for t in range(*tokens) if fp.content[t] and fp.stems[t] in other]


def _marked_range(
    tokens: tuple[int, int], hits: list[int], min_edge: int, width: int = 1
) -> tuple[int, int]:
    """``tokens`` without an unmarked head or tail of ``min_edge`` tokens or more.

    ``hits`` are offsets (from ``tokens[0]``) of marked units ``width`` tokens long.
    """
    if not hits:
        return tokens
    start, end = tokens
    head = hits[0]
    tail = (end - start) - (hits[-1] + width)
    return (
        start + head if head >= min_edge else start,
        end - tail if tail >= min_edge else end,
    )


def _content_stems(fp: Fingerprint, tokens: tuple[int, int]) -> set[str]:
    return {fp.stems[t] for t in range(*tokens) if fp.content[t]}


def refine_copy(
    a: Fingerprint, ta: tuple[int, int], b: Fingerprint, tb: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Exact edges for a copied passage: trim to the first and last shared words, then
    extend outwards word by word while both texts still agree.

    Copying rarely starts or stops on a sentence boundary; sentence-level alignment
    finds the passage, and this moves its ends to where the copy really starts and stops
    (the extension step of BLAST and passim, on words).
    """
    wa, wb = a.words[ta[0] : ta[1]], b.words[tb[0] : tb[1]]
    equal = [op for op in Indel.opcodes(wa, wb) if op.tag == "equal"]
    # The copy's envelope is set by runs of a few words, not by a stray shared "the".
    anchored = [op for op in equal if op.src_end - op.src_start >= MIN_ANCHOR_TOKENS]
    equal = anchored or equal
    if not equal:
        return ta, tb
    a0, b0 = ta[0] + equal[0].src_start, tb[0] + equal[0].dest_start
    a1, b1 = ta[0] + equal[-1].src_end, tb[0] + equal[-1].dest_end
    while a0 > 0 and b0 > 0 and _agree(a, a0 - 1, b, b0 - 1):
        # Into the sentence before only on a run of words, not on one shared "the".
        crossing = _new_sentence(a, a0, -1) or _new_sentence(b, b0, -1)
        if crossing and not all(
            _agree(a, a0 - k, b, b0 - k) for k in range(1, MIN_ANCHOR_TOKENS + 1)
        ):
            break
        a0, b0 = a0 - 1, b0 - 1
    while a1 < len(a.words) and b1 < len(b.words) and _agree(a, a1, b, b1):
        crossing = _new_sentence(a, a1 - 1, 1) or _new_sentence(b, b1 - 1, 1)
        if crossing and not all(_agree(a, a1 + k, b, b1 + k) for k in range(MIN_ANCHOR_TOKENS)):
            break
        a1, b1 = a1 + 1, b1 + 1
    return (a0, a1), (b0, b1)


def _agree(a: Fingerprint, ka: int, b: Fingerprint, kb: int) -> bool:
    """Tokens ``ka`` of ``a`` and ``kb`` of ``b`` exist, lie in body sentences, and match."""
    return (
        0 <= ka < len(a.words)
        and 0 <= kb < len(b.words)
        and a.token_sentence[ka] >= 0
        and b.token_sentence[kb] >= 0
        and a.words[ka] == b.words[kb]
    )


def _new_sentence(fp: Fingerprint, k: int, step: int) -> bool:
    """Whether the token after ``k`` in direction ``step`` starts another sentence."""
    return bool(fp.token_sentence[k + step] != fp.token_sentence[k])


def _chars(fp: Fingerprint, first: int, end: int) -> Span:
    """Character span of tokens ``[first, end)``; empty spans sit where the gap is."""
    if end > first:
        return int(fp.token_spans[first, 0]), int(fp.token_spans[end - 1, 1])
    if first < len(fp.token_spans):
        pos = int(fp.token_spans[first, 0])
    else:
        pos = int(fp.token_spans[-1, 1]) if len(fp.token_spans) else 0
    return pos, pos


def _quoted_words(fp: Fingerprint, tokens: tuple[int, int], regions: list[Span]) -> list[str]:
    return [
        fp.words[t]
        for t in range(*tokens)
        if _inside((int(fp.token_spans[t, 0]), int(fp.token_spans[t, 1])), regions)
    ]


def _kind(
    a: Fingerprint,
    a_tokens: tuple[int, int],
    b: Fingerprint,
    b_tokens: tuple[int, int],
    quotes_a: list[Span],
    quotes_b: list[Span],
    config: ClassifyConfig,
) -> tuple[Kind, float]:
    wa = a.words[a_tokens[0] : a_tokens[1]]
    wb = b.words[b_tokens[0] : b_tokens[1]]
    kept = Indel.normalized_similarity(wa, wb)
    span_a = _chars(a, *a_tokens)
    span_b = _chars(b, *b_tokens)
    quoted_a = _inside(span_a, quotes_a) >= config.quoted_share * (span_a[1] - span_a[0])
    quoted_b = _inside(span_b, quotes_b) >= config.quoted_share * (span_b[1] - span_b[0])
    if quoted_a and quoted_b:
        same = Indel.normalized_similarity(
            _quoted_words(a, a_tokens, quotes_a), _quoted_words(b, b_tokens, quotes_b)
        )
        return (Kind.SHARED_QUOTE if same >= config.near_verbatim else Kind.ALTERED_QUOTE), kept
    if kept >= config.verbatim:
        return Kind.VERBATIM, kept
    if kept >= config.near_verbatim:
        return Kind.NEAR_VERBATIM, kept
    return Kind.PARAPHRASE, kept


def classify(
    matches: list[Match],
    a: Fingerprint,
    b: Fingerprint,
    *,
    config: ClassifyConfig,
    min_piece_chars: int = 0,
) -> list[Passage]:
    """Turn aligned matches into named passages (``a`` is the source, ``b`` derived).

    A match split by paragraph or by quotation yields one passage per piece; a piece
    shorter than ``min_piece_chars`` on either side (a heading or a menu line swept in
    between two paragraphs) is dropped unless it is a quotation.
    """
    quotes_a = quotation_spans(a.doc.text)
    quotes_b = quotation_spans(b.doc.text)
    passages: list[Passage] = []
    for m in matches:
        merged: list[_Piece] = []
        for (i0, i1), (j0, j1), score, links in _split_by_paragraph(m, b):
            ta, tb = _token_range(a, i0, i1), _token_range(b, j0, j1)
            kind, kept = _kind(a, ta, b, tb, quotes_a, quotes_b, config)
            piece = _Piece(i0, i1, j0, j1, kind, max(kept, score), links, m.summary)
            if merged and _same_family(merged[-1].kind, kind):
                merged[-1].absorb(piece)
            else:
                merged.append(piece)
        for p in merged:
            ta, tb = _token_range(a, p.i0, p.i1), _token_range(b, p.j0, p.j1)
            kind, kept = _kind(a, ta, b, tb, quotes_a, quotes_b, config)
            source_span = a.span_of_sentences(p.i0, p.i1)
            derived_span = b.span_of_sentences(p.j0, p.j1)
            # A passage one side of which is copied whole (the other may carry extra
            # sentences the sentence-level alignment swept in) is cut to the copy.
            # (A summary's words all come from the source, but it is no copy of it.)
            if kept >= config.near_verbatim or (
                not p.summary and max(containment(a, ta, b, tb)) >= 0.9
            ):
                ta, tb = refine_copy(a, ta, b, tb)
                source_span, derived_span = a.span_of_tokens(*ta), b.span_of_tokens(*tb)
                kind, kept = _kind(a, ta, b, tb, quotes_a, quotes_b, config)
            elif not p.summary:
                trimmed = trim_unmatched_edges(a, ta, b, tb, config.min_unmatched_edge_tokens)
                if trimmed != (ta, tb):
                    ta, tb = trimmed
                    source_span, derived_span = a.span_of_tokens(*ta), b.span_of_tokens(*tb)
                    kind, kept = _kind(a, ta, b, tb, quotes_a, quotes_b, config)
            shortest = min(source_span[1] - source_span[0], derived_span[1] - derived_span[0])
            if shortest < min_piece_chars and kind not in _QUOTE_KINDS and len(merged) > 1:
                continue
            passages.append(
                Passage(
                    source_span=source_span,
                    derived_span=derived_span,
                    kind=kind,
                    similarity=float(min(1.0, max(kept, p.score))),
                    edits=(
                        token_edits(a, ta, b, tb)
                        if kept >= config.near_verbatim or not p.links
                        else sentence_edits(a, b, p.links)
                    ),
                )
            )
    return _disjoint(passages, b.doc.text)


def _disjoint(passages: list[Passage], derived_text: str) -> list[Passage]:
    """Each derived character belongs to one passage: a later passage that an extended
    copy now overlaps starts where the earlier one ends."""
    out: list[Passage] = []
    for p in sorted(passages, key=lambda p: p.derived_span):
        if out and p.derived_span[0] < out[-1].derived_span[1]:
            start = out[-1].derived_span[1]
            end = p.derived_span[1]
            while start < end and derived_text[start].isspace():
                start += 1
            if start >= end:
                continue
            p = replace(p, derived_span=(start, end))
        out.append(p)
    return out


@dataclass(slots=True)
class _Piece:
    """A run of derived paragraphs of one match, with its source sentence range."""

    i0: int
    i1: int
    j0: int
    j1: int
    kind: Kind
    score: float
    links: list[tuple[int, int, float]]
    summary: bool = False

    def absorb(self, other: _Piece) -> None:
        self.i0 = min(self.i0, other.i0)
        self.i1 = max(self.i1, other.i1)
        self.j1 = other.j1
        self.score = max(self.score, other.score)
        self.links = self.links + other.links


_QUOTE_KINDS = frozenset({Kind.SHARED_QUOTE, Kind.ALTERED_QUOTE})


def _same_family(k1: Kind, k2: Kind) -> bool:
    """Reporting pieces of adjacent paragraphs join; a quotation always stands alone."""
    return k1 not in _QUOTE_KINDS and k2 not in _QUOTE_KINDS


_Split = tuple[tuple[int, int], tuple[int, int], float, list[tuple[int, int, float]]]


def _split_by_paragraph(m: Match, b: Fingerprint) -> list[_Split]:
    """The match's pieces, one per derived paragraph, with their own source ranges."""
    if not m.links or m.summary:
        return [(m.source_sentences, m.derived_sentences, m.score, [])]
    groups: dict[int, list[tuple[int, int, float]]] = {}
    for link in m.links:
        groups.setdefault(int(b.sentence_paragraph[link[1]]), []).append(link)
    paras = sorted(groups)
    out = []
    for k, p in enumerate(paras):
        links = groups[p]
        j0 = min(x[1] for x in links)
        j1 = max(x[1] for x in links)
        # Unseeded derived sentences between two paragraphs' seeds stay in the passage.
        if k + 1 < len(paras):
            nxt = min(x[1] for x in groups[paras[k + 1]])
            j1 = max(j1, nxt - 1)
        out.append(
            (
                core_source_range(links),
                (j0, j1),
                sum(x[2] for x in links) / len(links),
                links,
            )
        )
    return out
