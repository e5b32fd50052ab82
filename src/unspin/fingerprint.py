"""Turn a document into what the aligner compares: tokens, sentences and paragraphs.

Tokens are words of the normalised text (see ``normalize``), each with the span of the
original characters it came from; sentences and paragraphs are found on the original
text, so their spans are exact by construction. Stems (Snowball) and a content-word
mask feed the lexical similarity; sentence texts feed the embedding model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import snowballstemmer
import xxhash

from .normalize import Normalized, normalize
from .records import Document, Span

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Function words carry no evidence of reuse; the list is the usual English closed classes.
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours yourself yourselves s t d ll m re ve also said says would could may might must
    shall us
    """.split()
)

_WORD = re.compile(r"\w+")
_OPENING_PUNCT = frozenset("\"'“‘«([\x1c\x18")
_PARAGRAPH = re.compile(r"[^\r\n]+")
# A sentence ends at . ! ? or … (possibly followed by closing quotes or brackets) and
# whitespace, before the next sentence's first letter or digit (maybe after an opening
# quote or bracket, or the angle bracket wire copy puts round a company name:
# "<Consolidated Gold Fields PLC>'s ..."). A lower-case start counts too: spinners, OCR
# and chat lower-case sentence starts, and a sentence missed doubles the next one's
# length (abbreviations and initials are screened out by ``_ends_with_abbreviation``).
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]\x19\x1d]*\s+(?=[\"'“‘«(\[<\x18\x1c]?[^\W_])")
# Scraped text often loses the space after a full stop ("a botanist.On visits to ..."):
# a stop glued between a lower-case word and a capitalised one ends a long sentence.
_GLUED_END = re.compile(r"(?<=[a-z]{2})[.!?]+(?=[A-Z][a-z])")
_NEXT_LETTER = re.compile(r"\W*(\w)")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st jr sr no vs etc inc ltd co corp gen col lt sgt rep sen gov
    jan feb mar apr jun jul aug sep sept oct nov dec fig al approx dept est univ""".split()
)
#: Sentences shorter than this many tokens are merged with the next (Sanchez-Perez 2014).
MIN_SENTENCE_TOKENS = 3
#: A stop glued to the next sentence ("botanist.On") ends a sentence only this far into
#: it: scraped text that lost its spaces, not a name or a file ("node.Js", "README.Md").
GLUED_MIN_CHARS = 300
#: A text whose line breaks fall mid-sentence (before a lower-case word) this often is
#: wrapped at a fixed width (see ``paragraphs``).
WRAPPED_SHARE = 0.3
#: A line this long, of several words and not in title case, is prose, not a heading.
PROSE_LINE_CHARS = 40

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of a folded word."""
    return str(_stemmer.stemWord(word))


# Stems get process-wide integer ids so that similarity matrices are built with numpy;
# the ids never leave the process (results carry offsets, never ids).
_STEM_IDS: dict[str, int] = {}


def _stem_id(stem_: str) -> int:
    return _STEM_IDS.setdefault(stem_, len(_STEM_IDS))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A document prepared for alignment. Token and sentence spans index ``doc.text``."""

    doc: Document
    norm: Normalized
    words: tuple[str, ...]
    stems: tuple[str, ...]
    token_spans: IntArray  # (n, 2) original character spans
    content: BoolArray  # (n,) not a stopword, not a bare number
    sentence_tokens: IntArray  # (m, 2) token ranges [a, b)
    sentence_spans: IntArray  # (m, 2) original character spans
    sentence_paragraph: IntArray  # (m,) paragraph number
    sentence_in_body: BoolArray  # (m,)
    sentence_quoted: BoolArray  # (m,) mostly inside quotation marks
    token_sentence: IntArray  # (n,) sentence of each token, -1 outside every sentence
    stem_ids: IntArray  # (n,) process-wide ids of ``stems``

    @property
    def n_sentences(self) -> int:
        return len(self.sentence_tokens)

    def sentence_text(self, i: int) -> str:
        s, e = self.sentence_spans[i]
        return " ".join(self.doc.text[s:e].split())

    def span_of_tokens(self, first: int, end: int) -> Span:
        """Original span of tokens ``[first, end)`` with adjoining quotes and punctuation.

        A passage that ends on a word keeps the full stop or closing quote after it, and
        one that starts on a word keeps the opening quote before it.
        """
        text = self.doc.text
        start = int(self.token_spans[first, 0])
        stop = int(self.token_spans[end - 1, 1])
        while start > 0 and text[start - 1] in _OPENING_PUNCT:
            start -= 1
        while stop < len(text) and not text[stop].isspace() and not text[stop].isalnum():
            if end < len(self.token_spans) and stop >= self.token_spans[end, 0]:
                break
            stop += 1
        return start, stop

    def span_of_sentences(self, first: int, last: int) -> Span:
        """Original span from the start of sentence ``first`` to the end of ``last``."""
        return (int(self.sentence_spans[first, 0]), int(self.sentence_spans[last, 1]))


def fingerprint(doc: Document) -> Fingerprint:
    """Tokenise, stem and segment ``doc`` (pure; cheap enough to recompute per pair)."""
    norm = normalize(doc.text)
    matches = list(_WORD.finditer(norm.text))
    words = [m.group() for m in matches]
    first = np.fromiter((m.start() for m in matches), dtype=np.int64, count=len(matches))
    last = np.fromiter((m.end() - 1 for m in matches), dtype=np.int64, count=len(matches))
    token_spans = np.stack([norm.starts[first], norm.ends[last]], axis=1).reshape(-1, 2)
    stems = tuple(stem(w) for w in words)
    content = np.fromiter(
        (w not in STOPWORDS and not w.isdigit() for w in words), dtype=bool, count=len(words)
    )
    segments, paragraphs = _segment(doc.text, doc.body)
    sent_tokens, sent_spans, sent_para = _assign_tokens(token_spans, segments, paragraphs)
    in_body = _in_body(sent_spans, doc.body)
    quoted = _in_body(sent_spans, tuple(quotation_spans(doc.text)))
    token_sentence = np.full(len(words), -1, dtype=np.int64)
    for k, (a, b) in enumerate(sent_tokens):
        token_sentence[a:b] = k
    return Fingerprint(
        doc=doc,
        norm=norm,
        words=tuple(words),
        stems=stems,
        token_spans=token_spans,
        content=content,
        sentence_tokens=sent_tokens,
        sentence_spans=sent_spans,
        sentence_paragraph=sent_para,
        sentence_in_body=in_body,
        sentence_quoted=quoted,
        token_sentence=token_sentence,
        stem_ids=np.fromiter((_stem_id(x) for x in stems), dtype=np.int64, count=len(stems)),
    )


_OPENING = frozenset("“„«\x1c")
_CLOSING = frozenset("”»\x1d")
_AMBIGUOUS = frozenset('"″')


_QUOTE_MARK = re.compile("[" + re.escape("".join(_OPENING | _CLOSING | _AMBIGUOUS)) + "]")


def quotation_spans(text: str) -> list[Span]:
    """Spans of text inside quotation marks (the marks included), paragraph by paragraph.

    A closing mark with no opening one in its paragraph closes a quotation that started
    at the paragraph's start (copy-pasters often drop the opening mark); an opening
    mark never closed runs to the paragraph's end (news style for quotes that continue
    into the next paragraph).
    """
    spans: list[Span] = []
    for line in _PARAGRAPH.finditer(text):
        start, end = line.span()
        open_at: int | None = None
        for mark in _QUOTE_MARK.finditer(text, start, end):
            k = mark.start()
            ch = text[k]
            if ch in _OPENING or (ch in _AMBIGUOUS and open_at is None and _opens(text, k)):
                if open_at is None:
                    open_at = k
            elif open_at is not None:
                spans.append((open_at, k + 1))
                open_at = None
            elif ch in _CLOSING or _closes_speech(text, k):
                spans.append((start, k + 1))
        if open_at is not None:
            spans.append((open_at, end))
    return spans


def _closes_speech(text: str, k: int) -> bool:
    """A straight quote with no opener closes a quotation from the paragraph's start only
    as speech ends: after a stop or comma (``… back down,"``). A stray mark inside a
    sentence (``cry him" Zabolon``) closes nothing."""
    return k > 0 and text[k - 1] in ".,!?;:…"


def _opens(text: str, k: int) -> bool:
    """A straight quote opens when it follows a space or line start and precedes a word
    (not a stop: ``the Jew ".`` is a stray mark)."""
    before = text[k - 1] if k > 0 else " "
    after = text[k + 1] if k + 1 < len(text) else " "
    return (before.isspace() or before in "([—–-:") and (after.isalnum() or after in "'‘(…")


def paragraphs(text: str) -> list[Span]:
    """Paragraph spans: lines, except that a line break inside a sentence is a soft wrap.

    Hard-wrapped text (e-mail, PDF extracts, the PAN corpora's reflowed passages) breaks
    lines mid-sentence; a break after a word or comma followed by a lower-case word joins
    the two lines into one paragraph, so a passage is not cut at a typesetting accident.
    In a text wrapped that way throughout, a break before a capital after a line of
    prose joins too.
    """
    lines = [m.span() for m in _PARAGRAPH.finditer(text)]
    breaks = [_break_kind(text, prev[1], nxt[0]) for prev, nxt in pairwise(lines)]
    # A text whose lines are mostly cut mid-sentence is wrapped at a fixed width: there a
    # capitalised word after a cut mid-phrase ("... England, United\nKingdom") carries
    # the sentence on too. Lists and headings, whose lines stand alone, never qualify.
    mid_sentence = sum(k == "lower" for k in breaks)
    wrapped = mid_sentence >= 3 and mid_sentence >= WRAPPED_SHARE * len(breaks)
    out: list[list[int]] = []
    for k, (start, end) in enumerate(lines):
        kind = breaks[k - 1] if k else "hard"
        if out and (kind == "lower" or (wrapped and kind == "upper")):
            out[-1][1] = end
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def _break_kind(text: str, prev_end: int, start: int) -> str:
    """How a line break reads: "lower" (mid-sentence, the next line goes on in lower
    case), "upper" (after a line of prose cut at a word or comma, before a capital) or
    "hard"."""
    if text.count("\n", prev_end, start) > 1:  # a blank line always separates paragraphs
        return "hard"
    before = text[prev_end - 1]
    first = text[start : start + 1].lstrip()[:1] or text[start : start + 2].strip()[:1]
    if not (before.isalnum() or before in ",;-("):
        return "hard"
    if first.islower():
        return "lower"
    line = text[text.rfind("\n", 0, prev_end) + 1 : prev_end]
    prose = before in ",;-(" or (
        len(line) >= PROSE_LINE_CHARS and line.count(" ") >= 6 and not line.istitle()
    )
    return "upper" if first.isupper() and prose else "hard"


def _segment(text: str, body: tuple[Span, ...]) -> tuple[list[Span], list[int]]:
    """Sentence spans (trimmed of whitespace) and their paragraph numbers.

    Only body text is segmented: a sentence never reaches into a metadata line or a
    boilerplate block, so no passage can either.
    """
    spans: list[Span] = []
    paras: list[int] = []
    lines = paragraphs(text)
    pieces = [
        (p_no, max(ls, bs), min(le, be))
        for p_no, (ls, le) in enumerate(lines)
        for bs, be in body
        if max(ls, bs) < min(le, be)
    ]
    for p_no, p_start, p_end in pieces:
        cut = p_start
        ends = sorted(
            [
                *_SENTENCE_END.finditer(text, p_start, p_end),
                *_GLUED_END.finditer(text, p_start, p_end),
            ],
            key=lambda m: m.start(),
        )
        for m in ends:
            if _ends_with_abbreviation(text, cut, m.start()):
                continue
            if m.re is _GLUED_END and m.start() - cut < GLUED_MIN_CHARS:
                continue
            end = m.end()
            spans.append((cut, end))
            paras.append(p_no)
            cut = end
        spans.append((cut, p_end))
        paras.append(p_no)
    trimmed: list[Span] = []
    keep_paras: list[int] = []
    for (s, e), p in zip(spans, paras, strict=True):
        seg = text[s:e]
        stripped = seg.strip()
        if not stripped:
            continue
        lead = len(seg) - len(seg.lstrip())
        trimmed.append((s + lead, s + lead + len(stripped)))
        keep_paras.append(p)
    return trimmed, keep_paras


def _ends_with_abbreviation(text: str, start: int, dot: int) -> bool:
    m = re.search(r"(\w+)$", text[max(start, dot - 12) : dot])
    if not m:
        return False
    word = m.group(1)
    # A single capital letter before a dot is an initial ("John F. Kennedy"); before a
    # lower-case word, any single letter is part of an abbreviation ("e.g. this").
    lower_next = _next_is_lower(text, dot)
    return word.lower() in _ABBREVIATIONS or (len(word) == 1 and (word.isupper() or lower_next))


def _next_is_lower(text: str, dot: int) -> bool:
    m = _NEXT_LETTER.match(text, dot)
    return bool(m and m.group(1).islower())


def _assign_tokens(
    token_spans: IntArray, sent_spans: list[Span], sent_para: list[int]
) -> tuple[IntArray, IntArray, IntArray]:
    """Token ranges per sentence; sentences with no token vanish, short ones merge forward."""
    if not sent_spans or len(token_spans) == 0:
        empty = np.zeros((0, 2), dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.int64)
    # A sentence owns the tokens lying wholly inside it; tokens outside every sentence
    # (a metadata line, boilerplate) belong to none.
    firsts = np.searchsorted(token_spans[:, 0], [s for s, _ in sent_spans], side="left")
    lasts = np.searchsorted(token_spans[:, 1], [e for _, e in sent_spans], side="right")
    ranges: list[list[int]] = []
    spans: list[list[int]] = []
    paras: list[int] = []
    for i, (s, e) in enumerate(sent_spans):
        a, b = int(firsts[i]), int(lasts[i])
        if a >= b:
            continue
        # Merge a short sentence into the previous one of the same paragraph when that
        # one is short too, otherwise keep it (merging forward happens below).
        if (
            ranges
            and paras[-1] == sent_para[i]
            and ranges[-1][1] - ranges[-1][0] < (MIN_SENTENCE_TOKENS)
        ):
            ranges[-1][1] = b
            spans[-1][1] = e
            continue
        ranges.append([a, b])
        spans.append([s, e])
        paras.append(sent_para[i])
    return (
        np.asarray(ranges, dtype=np.int64).reshape(-1, 2),
        np.asarray(spans, dtype=np.int64).reshape(-1, 2),
        np.asarray(paras, dtype=np.int64),
    )


def _in_body(sent_spans: IntArray, body: tuple[Span, ...]) -> BoolArray:
    """Sentences most of whose characters lie inside the given spans (body, quotations)."""
    if len(sent_spans) == 0 or not body:
        return np.zeros(len(sent_spans), dtype=bool)
    spans = np.asarray(body, dtype=np.int64).reshape(-1, 2)
    starts, ends = sent_spans[:, :1], sent_spans[:, 1:]
    overlap = np.clip(np.minimum(ends, spans[:, 1]) - np.maximum(starts, spans[:, 0]), 0, None)
    return np.asarray(overlap.sum(axis=1) * 2 >= (ends - starts).ravel(), dtype=bool)


# --- Corpus fingerprints: what the index stores to find candidate pairs -------------------

U64 = npt.NDArray[np.uint64]
_MASK64 = (1 << 64) - 1


@lru_cache(maxsize=1 << 18)
def _stem_hash(stem_: str) -> int:
    return int(xxhash.xxh64_intdigest(stem_.encode("utf-8")))


def content_shingles(fp: Fingerprint, n: int, span: Span | None = None) -> tuple[U64, IntArray]:
    """Hashes of the n-grams of content stems in the body, with each one's first token.

    Stopwords and numbers are left out before the n-grams are formed (as TextPAIR does), so
    a copy that changes a function word, or a spun copy that keeps a run of content words
    its spinner had no synonym for, still shares them. Each hash appears once, at its
    first position: postings count documents, not repetitions. With ``span``, only the
    tokens inside that character span count.
    """
    keep = fp.content & (fp.token_sentence >= 0)
    keep &= fp.sentence_in_body[np.maximum(fp.token_sentence, 0)]
    if span is not None:
        keep &= (fp.token_spans[:, 0] >= span[0]) & (fp.token_spans[:, 1] <= span[1])
    positions = np.flatnonzero(keep)
    if len(positions) < n:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    h = np.fromiter((_stem_hash(fp.stems[k]) for k in positions), dtype=np.uint64)
    # A polynomial over the stem hashes (wrapping uint64): order matters, as in a rolling hash.
    grams = np.zeros(len(h) - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            grams = grams * np.uint64(0x100000001B3) + h[k : len(h) - n + 1 + k]
    uniq, first = np.unique(grams, return_index=True)
    return uniq, positions[first]


#: Capitalised words that name no one in particular: calendar words, company designators.
GENERIC_NAMES = frozenset(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday inc corp co ltd plc llc sa ag
    nv group company corporation
    """.split()
)
_ANCHOR_SEED = 0x5EC1F1C5


def anchor_shingles(fp: Fingerprint, span: Span | None = None) -> tuple[U64, IntArray]:
    """Hashes of consecutive name-or-figure pairs within each body sentence, with the first
    token of each.

    A spinner swaps common words for synonyms and leaves names and figures alone, so a
    heavily spun copy (a third or more of its content words replaced) shares few
    content-word 3-grams with its source but keeps its sequence of names and figures:
    "ARC America ... American Aggregates ... 30.625". A pair of them is as telling as a
    rare 3-gram when few documents contain it (the same document-frequency cut-off
    applies); two stories in one house formula about different companies share none.
    Sentence-initial capitals are left out: they mark the sentence, not a name.
    """
    text = fp.doc.text
    keep = (fp.token_sentence >= 0) & fp.sentence_in_body[np.maximum(fp.token_sentence, 0)]
    if span is not None:
        keep &= (fp.token_spans[:, 0] >= span[0]) & (fp.token_spans[:, 1] <= span[1])
    starts = fp.sentence_tokens[np.maximum(fp.token_sentence, 0), 0]
    anchors = [
        k
        for k in np.flatnonzero(keep).tolist()
        if (w := fp.words[k]) not in STOPWORDS
        and w not in GENERIC_NAMES
        and (
            any(ch.isdigit() for ch in w)
            or (k != starts[k] and text[int(fp.token_spans[k, 0])].isupper())
        )
    ]
    keys: dict[int, int] = {}
    for x, y in pairwise(anchors):
        if fp.token_sentence[x] != fp.token_sentence[y] or fp.words[x] == fp.words[y]:
            continue
        h = xxhash.xxh64_intdigest(f"{fp.words[x]} {fp.words[y]}".encode(), seed=_ANCHOR_SEED)
        keys.setdefault(int(h), x)
    if not keys:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    order = sorted(keys)
    return np.array(order, dtype=np.uint64), np.array([keys[h] for h in order], dtype=np.int64)


def posting_keys(fp: Fingerprint, n: int, span: Span | None = None) -> tuple[U64, IntArray]:
    """What the index posts for a document: content-stem ``n``-grams and anchor pairs
    (``anchor_shingles``), each hash once, at its first position."""
    grams, at = content_shingles(fp, n, span)
    pairs, pair_at = anchor_shingles(fp, span)
    if not len(pairs):
        return grams, at
    keys = np.concatenate([grams, pairs])
    positions = np.concatenate([at, pair_at])
    order = np.lexsort((positions, keys))
    keys, positions = keys[order], positions[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return keys[first], positions[first]


@lru_cache(maxsize=8)
def _minhash_params(num_perm: int, seed: int) -> tuple[U64, U64]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 1 << 63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64)
    return a, b


def minhash_bands(shingles: U64, *, bands: int, rows: int, seed: int = 1) -> U64:
    """LSH band keys of the MinHash signature of a shingle set (Broder 1997; Leskovec et al.).

    Each permutation is a multiply-shift hash (Dietzfelbinger et al. 1997), so a signature
    is one vectorised pass; two documents share a band key with probability
    ``1 - (1 - J**rows)**bands`` for Jaccard similarity ``J``. Empty input gives no keys.
    """
    if len(shingles) == 0:
        return np.zeros(0, dtype=np.uint64)
    a, b = _minhash_params(bands * rows, seed)
    with np.errstate(over="ignore"):
        values = (shingles[None, :] * a[:, None] + b[:, None]) >> np.uint64(32)
        signature = values.min(axis=1).reshape(bands, rows)
        keys = np.zeros(bands, dtype=np.uint64)
        for r in range(rows):
            keys = keys * np.uint64(0x9E3779B97F4A7C15) + signature[:, r]
        # The band number is mixed in so equal rows in different bands do not collide.
        keys ^= np.arange(bands, dtype=np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
    return keys


def sentence_keys(fp: Fingerprint) -> list[tuple[int, int, int, int, int]]:
    """``(hash, skeleton, start, end, words)`` of each body sentence, case and marks folded.

    ``hash`` is of the sentence's words; ``skeleton`` of the same words with every figure
    and every run of capitalised words masked, so "Nissan Motor Co is issuing a 35 billion
    yen eurobond due 1992" and "ICI Plc is issuing a 100 mln stg eurobond due 2005" share a
    skeleton. Lines that recur across a corpus (mastheads, credits) and sentence templates
    filled in many ways (a wire's house formulas) are found by these keys; see
    ``index.Index.boilerplate``.
    """
    out = []
    text = fp.doc.text
    for k in range(fp.n_sentences):
        if not fp.sentence_in_body[k]:
            continue
        a, b = fp.sentence_tokens[k]
        if a == b:
            continue
        words = fp.words[a:b]
        skeleton: list[str] = []
        for t in range(a, b):
            w = fp.words[t]
            masked = any(ch.isdigit() for ch in w) or text[int(fp.token_spans[t, 0])].isupper()
            if not masked:
                skeleton.append(w.lower())
            elif not skeleton or skeleton[-1] != "#":
                skeleton.append("#")
        s, e = fp.sentence_spans[k]
        out.append((_key(" ".join(w.lower() for w in words)), _key(" ".join(skeleton)),
                    int(s), int(e), int(b - a)))  # fmt: skip
    return out


def _key(words: str) -> int:
    return int(xxhash.xxh64_intdigest(words.encode("utf-8"))) & ((1 << 63) - 1)
