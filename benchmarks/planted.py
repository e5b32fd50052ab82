"""A planted-reuse corpus built from Reuters-21578 stories, with the reuse's exact offsets.

Each derived document is a Reuters story (the *host*, not itself in the corpus unless
``--all``) with a passage of 2-5 consecutive sentences of another story (the *source*)
inserted at a paragraph boundary, dated 1-7 days after both. The passage is planted as:

* ``verbatim``: an exact copy;
* ``near-verbatim``: a few edits (synonyms, letter case, commas), at most 10% of its tokens;
* ``quoted``: put in quotation marks and attributed (``"…," the agency said.``);
* ``spun``: WordNet synonyms for 30-50% of its content words (the most common lemma of the
  word's first senses), clauses or sentences reordered, one sentence dropped when it has 3+.

Some same-topic stories (a shared Reuters topic, no shared word 6-gram) are planted as
no-reuse controls. Every truth record gives the source and derived document ids, the kind
and the character spans in the exact ``text`` written; the generator asserts each slice.

Writes ``DIR/corpus.jsonl`` (``{"id","text","date","title","outlet"}`` a line) and
``DIR/truth.json``. ``--all`` puts the whole collection (19,043 stories) in the corpus
with the planted documents, and adds its 347 duplicate bodies (kind ``verbatim``, whole
texts, origin ``reuters-duplicate``) and each derived document's host (kind ``host``) to
the truth. ``--scale N`` writes an N-document corpus, 5% of it derived (see
``build_scale``). Run::

    .venv/bin/python benchmarks/planted.py --out DIR [--per-kind N] [--seed S] [--all]
    .venv/bin/python benchmarks/planted.py --out DIR --scale 100000

When the collection is absent the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import reuters
from reuters import PARAGRAPH_SEP, Story
from wordnet import Synonyms

KINDS = ("verbatim", "near-verbatim", "quoted", "spun")
#: Share of a ``--scale`` corpus that is derived documents.
SCALE_DENSITY = 0.05
#: Share of content words a recombined ``--scale`` paragraph has replaced at random, so that
#: the background documents do not copy one another (see ``build_scale``).
SCALE_NOISE = 0.9
SPEAKERS = (
    "the agency said",
    "a spokesman said",
    "the company said",
    "officials said",
    "industry sources said",
    "a statement said",
)
OUTLETS = (
    "The Harbor Ledger",
    "Midland Market Wire",
    "Capital Post-Dispatch",
    "Daily Commerce Review",
    "Northgate Tribune",
    "The Exchange Monitor",
    "Coastal Business Journal",
    "Global Finance Digest",
)
ORIGINAL_OUTLET = "Reuters"
SCALE_OUTLET = "Recombined Wire"

_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would
    you your yours mln dlrs pct cts vs billion reuter year years""".split()
)
# Not a piece of a hyphenated or alphanumeric token: "A-plus" is not the word "plus".
_WORD = re.compile(r"(?<![\w-])[A-Za-z]+(?:'[a-z]+)?(?![\w-])")
_UNITS = frozenset("mln dlrs pct cts vs billion shr net revs qtr avg".split())
_TOKEN = re.compile(r"\S+")
_SHINGLE_WORD = re.compile(r"\w+")
_ABBREV = frozenset(
    """mr mrs ms dr st inc co corp ltd jan feb mar apr jun jul aug sep sept oct nov dec
    u.s u.k u.n e.c no vs gov sen rep gen col lt jr sr bros dept approx ave mt ft e.g i.e
    p.m a.m n.v s.a plc""".split()
)
_BOUNDARY = re.compile(r"[.!?][\"')]*(?=\s+[\"'(]?[A-Z0-9])")


# --- text helpers -------------------------------------------------------------------------


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of ``text`` as (start, end) offsets; a paragraph break always ends one.

    A full stop after a known abbreviation (``U.S.``, ``Inc.``, ``Feb.``) or an initial
    does not end a sentence: a passage cut there would start mid-sentence.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in text.split(PARAGRAPH_SEP):
        start = pos
        for m in _BOUNDARY.finditer(para):
            before = para[start - pos : m.start()].rsplit(None, 1)
            word = before[-1].lower().lstrip("(\"'") if before else ""
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
            end = pos + m.end()
            spans.append((start, end))
            rest = para[m.end() :]
            start = end + len(rest) - len(rest.lstrip())
        if start < pos + len(para.rstrip()):
            spans.append((start, pos + len(para.rstrip())))
        pos += len(para) + len(PARAGRAPH_SEP)
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _is_prose(sentence: str) -> bool:
    """A sentence worth planting: 8-60 words of running text, not a table row.

    Table rows ("Tax 10.4 mln vs 7.1 mln.") are mostly figures and units; running text
    is mostly lower-case words.
    """
    words = sentence.split()
    if not 8 <= len(words) <= 60 or sentence.rstrip()[-1:] not in '.!?"':
        return False
    alpha = sum(1 for w in words if w.isalpha() and w.islower() and w not in _UNITS)
    return alpha >= 0.5 * len(words)


def content_words(text: str) -> list[re.Match[str]]:
    """The words a spinner may replace: lower-case (not names), 3+ letters, not stopwords."""
    return [
        m
        for m in _WORD.finditer(text)
        if len(m.group()) >= 3 and m.group().islower() and m.group() not in _STOP
    ]


def shingles(text: str, n: int = 6) -> set[int]:
    """Hashes of the lower-case word ``n``-grams of ``text``."""
    w = _SHINGLE_WORD.findall(text.lower())
    return {hash(tuple(w[i : i + n])) for i in range(len(w) - n + 1)}


def _apply(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    out, pos = [], 0
    for s, e, rep in sorted(edits):
        out.append(text[pos:s])
        out.append(rep)
        pos = e
    out.append(text[pos:])
    return "".join(out)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _uncap(s: str) -> str:
    """Lower-case the first letter unless the first word is a name or an acronym."""
    first = s.split(" ", 1)[0]
    return s[:1].lower() + s[1:] if first.lower() in _STOP or first == "It" else s


# --- the four kinds of reuse --------------------------------------------------------------


def near_verbatim(passage: str, rng: random.Random, syn: Synonyms) -> tuple[str, dict[str, Any]]:
    """A few edits, at most 10% of the tokens: a synonym, a letter case, a comma."""
    tokens = list(_TOKEN.finditer(passage))
    budget = max(1, len(tokens) // 10)
    n_edits = rng.randint(max(1, budget // 2), budget)
    order = list(range(len(tokens)))
    rng.shuffle(order)
    edits: list[tuple[int, int, str]] = []
    ops: dict[str, int] = {"synonym": 0, "case": 0, "punctuation": 0}
    for i in order:
        if len(edits) == n_edits:
            break
        tok = tokens[i]
        word = _WORD.match(tok.group())
        op = rng.choice(("synonym", "synonym", "case", "punctuation"))
        if op == "synonym" and word and word.group().islower():
            rep = syn.synonym(word.group())
            if rep:
                edits.append((tok.start(), tok.start() + word.end(), rep))
                ops[op] += 1
                continue
        if op == "punctuation" and tok.group().endswith(","):
            edits.append((tok.end() - 1, tok.end(), ""))
            ops[op] += 1
            continue
        if word and len(word.group()) > 2 and i > 0:
            w = word.group()
            rep = w[0].swapcase() + w[1:]
            edits.append((tok.start(), tok.start() + len(w), rep))
            ops["case"] += 1
    if not edits:  # a passage with no editable token: drop its final full stop
        edits.append((len(passage) - 1, len(passage), ""))
        ops["punctuation"] += 1
    return _apply(passage, edits), {"edits": len(edits), "tokens": len(tokens), "ops": ops}


def quoted(passage: str, rng: random.Random) -> tuple[str, int, int, dict[str, Any]]:
    """``"passage," speaker said.``; returns the block and the quotation's offsets in it."""
    inner = " ".join(passage.split()).replace('"', "'")
    if inner.endswith("."):
        inner = inner[:-1]
    speaker = rng.choice(SPEAKERS)
    block = f'"{inner}," {speaker}.'
    return block, 1, 1 + len(inner), {"speaker": speaker}


_SAID_FIRST = re.compile(r"^(?P<subj>[A-Z][^,;]{2,60}?) said(?: that)? (?P<rest>[^;]+?)\.$")
_SAID_LAST = re.compile(r"^(?P<rest>[^;]+), (?P<subj>[^,;]{2,60}) said\.$")
_LEADING_CLAUSE = re.compile(
    r"^(?P<conj>When|If|Although|While|After|Before|Because|As|Since) "
    r"(?P<clause>[^,;]+), (?P<main>[^;]+)\.$"
)


def reorder_clauses(sentence: str) -> str | None:
    """The sentence with its clauses swapped, or None when no pattern fits.

    "X said Y." ⇄ "Y, X said."; "When A, B." → "B when A.": the shapes news sentences
    take, which a spinner rearranges.
    """
    s = sentence.strip()
    m = _SAID_LAST.match(s)
    if m and len(m.group("subj").split()) <= 6:
        return f"{_cap(m.group('subj'))} said {_uncap(m.group('rest'))}."
    m = _SAID_FIRST.match(s)
    if m and len(m.group("subj").split()) <= 6:
        return f"{_cap(m.group('rest'))}, {_uncap(m.group('subj'))} said."
    m = _LEADING_CLAUSE.match(s)
    if m:
        return f"{_cap(m.group('main'))} {m.group('conj').lower()} {m.group('clause')}."
    return None


def substitute(text: str, rate: float, rng: random.Random, syn: Synonyms) -> tuple[str, int, int]:
    """Replace ``rate`` of the content words that have a synonym; (text, replaced, content)."""
    words = content_words(text)
    target = round(rate * len(words))
    order = list(range(len(words)))
    rng.shuffle(order)
    edits: list[tuple[int, int, str]] = []
    for i in order:
        if len(edits) >= target:
            break
        rep = syn.synonym(words[i].group())
        if rep:
            edits.append((words[i].start(), words[i].end(), rep))
    return _apply(text, edits), len(edits), len(words)


def spun(passage: str, rng: random.Random, syn: Synonyms) -> tuple[str, dict[str, Any]]:
    """Synonyms for 30-50% of the content words, clauses or sentences reordered, one dropped."""
    sentences = [passage[s:e] for s, e in sentence_spans(passage)]
    dropped = None
    if len(sentences) >= 3:
        dropped = rng.randrange(len(sentences))
        sentences.pop(dropped)
    clauses = 0
    for i, s in enumerate(sentences):
        swapped = reorder_clauses(s)
        if swapped is not None and rng.random() < 0.7:
            sentences[i] = swapped
            clauses += 1
    original_order = list(sentences)
    if len(sentences) >= 2:
        while sentences == original_order:
            rng.shuffle(sentences)
    rate = rng.uniform(0.3, 0.5)
    text, replaced, content = substitute(" ".join(sentences), rate, rng, syn)
    return text, {
        "dropped_sentence": dropped,
        "clauses_reordered": clauses,
        "sentences_reordered": len(sentences) >= 2,
        "target_rate": round(rate, 3),
        "replaced": replaced,
        "content_words": content,
    }


# --- planting -----------------------------------------------------------------------------


@dataclass
class Doc:
    """A document to write, with what the generator needs to know about it."""

    id: str
    text: str
    date: dt.date
    title: str
    outlet: str
    topics: tuple[str, ...] = ()
    paras: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "date": self.date.isoformat(),
            "title": self.title,
            "outlet": self.outlet,
        }


def from_story(story: Story) -> Doc:
    paras = reuters.paragraphs(story.body)
    return Doc(
        id=story.id,
        text=PARAGRAPH_SEP.join(paras),
        date=story.date,
        title=story.title,
        outlet=ORIGINAL_OUTLET,
        topics=story.topics,
        paras=paras,
    )


def choose_passage(doc: Doc, rng: random.Random) -> tuple[int, int] | None:
    """A run of 2-5 consecutive prose sentences (25-200 words) of ``doc``, or None."""
    spans = sentence_spans(doc.text)
    prose = [_is_prose(doc.text[s:e]) for s, e in spans]
    sizes = [2, 3, 4, 5]
    rng.shuffle(sizes)
    for k in sizes:
        starts = [
            i
            for i in range(len(spans) - k + 1)
            if all(prose[i : i + k])
            and 25 <= len(doc.text[spans[i][0] : spans[i + k - 1][1]].split()) <= 200
        ]
        if starts:
            i = rng.choice(starts)
            return spans[i][0], spans[i + k - 1][1]
    return None


def plant(
    kind: str,
    source: Doc,
    span: tuple[int, int],
    host: Doc,
    new_id: str,
    rng: random.Random,
    syn: Synonyms,
) -> tuple[Doc, dict[str, Any], list[tuple[tuple[int, int], tuple[int, int]]]]:
    """The derived document, its truth record, and the host's (host span, derived span)s."""
    passage = source.text[span[0] : span[1]]
    info: dict[str, Any] = {}
    if kind == "verbatim":
        block, inner = passage, (0, len(passage))
    elif kind == "near-verbatim":
        block, info = near_verbatim(passage, rng, syn)
        inner = (0, len(block))
    elif kind == "quoted":
        block, qs, qe, info = quoted(passage, rng)
        inner = (qs, qe)
    elif kind == "spun":
        block, info = spun(passage, rng, syn)
        inner = (0, len(block))
    else:
        raise ValueError(f"unknown kind {kind!r}")
    paras = host.paras or [host.text]
    at = rng.randint(1, len(paras) - 1) if len(paras) >= 2 else len(paras)
    before, after = PARAGRAPH_SEP.join(paras[:at]), PARAGRAPH_SEP.join(paras[at:])
    start = len(before) + (len(PARAGRAPH_SEP) if before else 0)
    text = before + (PARAGRAPH_SEP if before else "") + block
    host_spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    if before:
        host_spans.append(((0, len(before)), (0, len(before))))
    if after:
        text += PARAGRAPH_SEP
        host_at = len(before) + (len(PARAGRAPH_SEP) if before else 0)
        host_spans.append(((host_at, host_at + len(after)), (len(text), len(text) + len(after))))
        text += after
    derived_span = (start + inner[0], start + inner[1])
    # The offsets are the product: check every slice they name.
    assert text[derived_span[0] : derived_span[1]] == block[inner[0] : inner[1]]
    assert source.text[span[0] : span[1]] == passage
    if kind == "verbatim":
        assert text[derived_span[0] : derived_span[1]] == passage
    for (hs, he), (ds, de) in host_spans:
        assert host.text[hs:he] == text[ds:de]
    days = rng.randint(1, 7)
    doc = Doc(
        id=new_id,
        text=text,
        date=max(source.date, host.date) + dt.timedelta(days=days),
        title=host.title,
        outlet=rng.choice(OUTLETS),
        topics=host.topics,
        paras=[*paras[:at], block, *paras[at:]],
    )
    record = {
        "source": source.id,
        "derived": doc.id,
        "kind": kind,
        "origin": "planted",
        "source_span": list(span),
        "derived_span": list(derived_span),
        "passages": [{"source_span": list(span), "derived_span": list(derived_span)}],
        "host": host.id,
        "info": info,
    }
    return doc, record, host_spans


class _Overlap:
    """Refuses a story that shares word 6-grams with one already chosen.

    Reuters reran stories with small corrections; planting one version as a source and
    another as a host or control would make reuse the truth does not list.
    """

    def __init__(self, limit: int = 3) -> None:
        self.owner: dict[int, str] = {}
        self.limit = limit

    def clashes(self, doc: Doc) -> bool:
        counts: dict[str, int] = {}
        for h in shingles(doc.text):
            o = self.owner.get(h)
            if o is not None:
                counts[o] = counts.get(o, 0) + 1
                if counts[o] >= self.limit:
                    return True
        return False

    def add(self, doc: Doc) -> None:
        for h in shingles(doc.text):
            self.owner.setdefault(h, doc.id)


def _isolated(pool: Sequence[Doc]) -> set[str]:
    """Ids of the stories that share no word 6-gram with any other story of the pool.

    Only these become sources: a source whose text the wire also ran in another story
    (an update, a rerun) makes real reuse that no truth lists, and precision on planted
    reuse would then count the scanner's right answers as wrong.
    """
    owners: dict[int, int] = {}
    for d in pool:
        for h in shingles(d.text):
            owners[h] = owners.get(h, 0) + 1
    return {d.id for d in pool if all(owners[h] == 1 for h in shingles(d.text))}


def _unique(stories: Sequence[Story]) -> list[Story]:
    """Stories whose body no other story repeats, with a paragraph of text."""
    dup = {s.newid for g in reuters.duplicate_groups(stories) for s in g}
    return [s for s in stories if s.newid not in dup and reuters.paragraphs(s.body)]


def _assign_sources(n_sources: int, n_derived: int, rng: random.Random) -> list[int]:
    """Each source at least once (while there are enough derived documents), the rest at
    random: a source used twice gives two *sibling* documents that share its passage."""
    slots = list(range(min(n_sources, n_derived)))
    slots += [rng.randrange(n_sources) for _ in range(n_derived - len(slots))]
    rng.shuffle(slots)
    return slots


def generate(
    stories: Sequence[Story],
    *,
    n_sources: int,
    per_kind: int,
    seed: int,
    n_fillers: int = 0,
    n_controls: int | None = None,
    include_all: bool = False,
    synonyms: Synonyms | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The planted corpus: (documents as JSON objects, truth).

    ``per_kind`` derived documents of each kind draw on ``n_sources`` source stories;
    ``n_controls`` (default ``per_kind``) same-topic stories and ``n_fillers`` unrelated
    ones are added as originals. With ``include_all`` every story is in the corpus and the
    truth also lists the collection's duplicates and each derived document's host.
    """
    rng = random.Random(seed)
    syn = synonyms or Synonyms()
    n_controls = per_kind if n_controls is None else n_controls
    pool = [from_story(s) for s in _unique(stories)]
    rng.shuffle(pool)
    overlap = _Overlap()
    used: set[str] = set()

    def take(ok: Any, limit: int) -> list[Doc]:
        got: list[Doc] = []
        for d in pool:
            if len(got) == limit:
                break
            if d.id in used or not ok(d) or overlap.clashes(d):
                continue
            used.add(d.id)
            overlap.add(d)
            got.append(d)
        return got

    isolated = _isolated(pool)
    sources = take(
        lambda d: d.id in isolated and choose_passage(d, random.Random(0)) is not None,
        n_sources,
    )
    if len(sources) < n_sources:
        raise ValueError(f"only {len(sources)} stories can be sources, {n_sources} asked")
    n_derived = per_kind * len(KINDS)
    hosts = take(lambda d: len(d.paras) >= 2 and len(d.text.split()) >= 60, n_derived)
    if len(hosts) < n_derived:
        raise ValueError(f"only {len(hosts)} stories can be hosts, {n_derived} needed")

    # Controls: a story sharing a topic with a source but none of its word 6-grams.
    controls: list[dict[str, Any]] = []
    control_docs: list[Doc] = []
    for src in sources:
        if len(controls) == n_controls or not src.topics:
            continue
        found = take(lambda d, t=set(src.topics): bool(t & set(d.topics)), 1)
        if found:
            topic = sorted(set(src.topics) & set(found[0].topics))[0]
            controls.append({"a": src.id, "b": found[0].id, "topic": topic})
            control_docs.extend(found)
    fillers = take(lambda d: True, n_fillers)

    docs: list[Doc] = []
    truth_pairs: list[dict[str, Any]] = []
    slots = _assign_sources(len(sources), n_derived, rng)
    for n, (kind, src_i, host) in enumerate(
        zip([k for k in KINDS for _ in range(per_kind)], slots, hosts, strict=True)
    ):
        src = sources[src_i]
        span = choose_passage(src, rng)
        assert span is not None
        doc, record, host_spans = plant(kind, src, span, host, f"derived-{n:05d}", rng, syn)
        docs.append(doc)
        truth_pairs.append(record)
        if include_all:
            truth_pairs.append(
                {
                    "source": host.id,
                    "derived": doc.id,
                    "kind": "host",
                    "origin": "host",
                    "passages": [
                        {"source_span": list(h), "derived_span": list(d)} for h, d in host_spans
                    ],
                }
            )

    if include_all:
        originals = [from_story(s) for s in stories]
        truth_pairs.extend(duplicate_records(stories))
    else:
        originals = [*sources, *control_docs, *fillers]
    all_docs = sorted([*originals, *docs], key=lambda d: (d.date, d.id))
    ids = [d.id for d in all_docs]
    assert len(ids) == len(set(ids)), "document ids must be unique"
    truth = {
        "generator": {
            "seed": seed,
            "n_sources": n_sources,
            "per_kind": per_kind,
            "n_controls": len(controls),
            "n_fillers": len(fillers),
            "include_all": include_all,
            "kinds": list(KINDS),
            "synonyms": syn.source,
            "wordnet": syn.is_wordnet,
            "paragraph_separator": PARAGRAPH_SEP,
        },
        "documents": len(all_docs),
        "pairs": truth_pairs,
        "controls": controls,
        "stats": _stats(truth_pairs),
    }
    return [d.to_json() for d in all_docs], truth


def duplicate_records(stories: Sequence[Story]) -> list[dict[str, Any]]:
    """The collection's duplicate bodies: each later copy as derived from the oldest."""
    out: list[dict[str, Any]] = []
    for group in reuters.duplicate_groups(stories):
        first = reuters.story_text(group[0])
        for other in group[1:]:
            text = reuters.story_text(other)
            out.append(
                {
                    "source": group[0].id,
                    "derived": other.id,
                    "kind": "verbatim",
                    "origin": "reuters-duplicate",
                    "source_span": [0, len(first)],
                    "derived_span": [0, len(text)],
                    "passages": [{"source_span": [0, len(first)], "derived_span": [0, len(text)]}],
                }
            )
    return out


def _stats(pairs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    by_kind: dict[str, int] = {}
    for p in pairs:
        key = p["kind"] if p["origin"] == "planted" else p["origin"]
        by_kind[key] = by_kind.get(key, 0) + 1
    spun_info = [p["info"] for p in pairs if p["kind"] == "spun" and p["origin"] == "planted"]
    out: dict[str, Any] = {"pairs": by_kind}
    if spun_info:
        out["spun_replaced_share"] = round(
            sum(i["replaced"] for i in spun_info)
            / max(1, sum(i["content_words"] for i in spun_info)),
            3,
        )
    return out


# --- a corpus of any size -----------------------------------------------------------------


class _Noise:
    """Replaces content words and digits at random, so a reused paragraph is new text."""

    def __init__(self, docs: Sequence[Doc], rate: float, rng: random.Random) -> None:
        counts: dict[str, int] = {}
        for d in docs:
            for m in content_words(d.text):
                counts[m.group()] = counts.get(m.group(), 0) + 1
        vocab = sorted(counts)
        # Drawn by frequency once, then picked from at random: random.choices per word is slow.
        self.words = rng.choices(vocab, weights=[counts[w] for w in vocab], k=1 << 16)
        self.k = 0
        self.rate = rate
        self.rng = rng

    def _word(self, m: re.Match[str]) -> str:
        w = m.group()
        if w[0].isdigit():
            return "".join(str(self.rng.randrange(10)) if c.isdigit() else c for c in w)
        if len(w) < 3 or w.lower() in _STOP or self.rng.random() >= self.rate:
            return w
        # A random draw each time: reading the list in turn would give two documents the
        # same run of replacement words, phrases they would then share.
        self.k = self.rng.randrange(len(self.words))
        # Names too: a recombined paragraph that kept its names would still share them,
        # and the phrases around them, with its own story and every other recombination.
        new = self.words[self.k]
        return new.capitalize() if w[0].isupper() else new

    def __call__(self, text: str) -> str:
        if self.rate <= 0:
            return text
        return re.sub(r"[A-Za-z]+|\d[\d.,]*\d|\d", self._word, text)


def build_scale(
    stories: Sequence[Story],
    n_docs: int,
    *,
    seed: int,
    density: float = SCALE_DENSITY,
    noise: float = SCALE_NOISE,
    synonyms: Synonyms | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """An ``n_docs`` corpus, ``density`` of it derived documents, the kinds in turn.

    Up to the collection's ~18,700 distinct stories the documents are Reuters stories
    (each once). Beyond, new documents are recombined: each takes the paragraph count of
    a random story and as many paragraphs of different stories, every paragraph used about
    as often as any other. As each paragraph is then also in its own story, the
    recombined copy has ``noise`` of its content words replaced by random corpus words and
    its figures redrawn: without that, every two documents sharing a paragraph would be
    unplanted verbatim reuse (a paragraph reused 4 times makes 10 such pairs). Hosts of
    derived documents come from the stories not used, or are recombined the same way.
    """
    rng = random.Random(seed)
    syn = synonyms or Synonyms()
    pool = [from_story(s) for s in _unique(stories)]
    rng.shuffle(pool)
    n_derived = round(density * n_docs)
    n_base = n_docs - n_derived
    recombine = n_base + n_derived > len(pool)
    base = pool[: min(n_base, len(pool))]
    isolated = _isolated(pool)
    # A host is isolated too: a host whose text the wire also ran elsewhere in the corpus
    # makes its derived document real, unlisted reuse of that other story.
    spare = [d for d in pool[len(base) :] if d.id in isolated] if not recombine else []
    noise_fn = _Noise(pool, noise, rng)
    paragraphs = [(i, p) for i, d in enumerate(pool) for p in d.paras if len(p.split()) >= 5]
    lengths = [len(d.paras) for d in pool]
    lo, hi = min(d.date for d in pool), max(d.date for d in pool)
    cursor = [0]
    order = list(range(len(paragraphs)))
    rng.shuffle(order)

    def recombined(doc_id: str) -> Doc:
        k = max(2, rng.choice(lengths))
        chosen: list[str] = []
        owners: set[int] = set()
        first = 0
        while len(chosen) < k:
            if cursor[0] == len(order):  # every paragraph used once more: a new pass
                rng.shuffle(order)
                cursor[0] = 0
            owner, para = paragraphs[order[cursor[0]]]
            cursor[0] += 1
            if owner in owners:
                continue
            if not chosen:
                first = owner
            owners.add(owner)
            chosen.append(noise_fn(para))
        return Doc(
            id=doc_id,
            text=PARAGRAPH_SEP.join(chosen),
            date=lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1)),
            title=pool[first].title,
            outlet=SCALE_OUTLET,
            paras=chosen,
        )

    base += [recombined(f"recombined-{n:06d}") for n in range(n_base - len(base))]
    # Sources: any base document with a plantable passage, each at most once while they last.
    eligible = [
        d for d in base if d.id in isolated and choose_passage(d, random.Random(0)) is not None
    ]
    rng.shuffle(eligible)
    docs: list[Doc] = []
    truth_pairs: list[dict[str, Any]] = []
    for n in range(n_derived):
        kind = KINDS[n % len(KINDS)]
        src = eligible[n % len(eligible)]
        span = choose_passage(src, rng)
        assert span is not None
        host = spare[n] if n < len(spare) else recombined(f"host-{n:06d}")
        doc, record, _ = plant(kind, src, span, host, f"derived-{n:06d}", rng, syn)
        docs.append(doc)
        truth_pairs.append(record)
    all_docs = sorted([*base, *docs], key=lambda d: (d.date, d.id))
    assert len({d.id for d in all_docs}) == len(all_docs) == n_docs
    truth = {
        "generator": {
            "seed": seed,
            "scale": n_docs,
            "density": density,
            "noise": noise if recombine else None,
            "reuters_documents": sum(1 for d in base if d.outlet == ORIGINAL_OUTLET),
            "recombined_documents": sum(1 for d in base if d.outlet == SCALE_OUTLET),
            "kinds": list(KINDS),
            "synonyms": syn.source,
            "wordnet": syn.is_wordnet,
            "paragraph_separator": PARAGRAPH_SEP,
        },
        "documents": n_docs,
        "pairs": truth_pairs,
        "controls": [],
        "stats": _stats(truth_pairs),
    }
    return [d.to_json() for d in all_docs], truth


# --- files --------------------------------------------------------------------------------


def write(out: Path, docs: Sequence[dict[str, Any]], truth: dict[str, Any]) -> None:
    """``out/corpus.jsonl`` and ``out/truth.json``."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    (out / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")


def read_corpus(path: Path) -> list[dict[str, Any]]:
    """The documents of a ``corpus.jsonl``."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write")
    parser.add_argument("--data", type=Path, default=reuters.DEFAULT_ROOT, help="Reuters folder")
    parser.add_argument("--per-kind", type=int, default=25, help="derived documents per kind")
    parser.add_argument("--sources", type=int, default=None, help="source stories (3/4 of derived)")
    parser.add_argument("--fillers", type=int, default=200, help="unrelated originals added")
    parser.add_argument("--seed", type=int, default=21578)
    parser.add_argument("--all", action="store_true", help="put the whole collection in")
    parser.add_argument("--scale", type=int, default=None, help="an N-document corpus instead")
    parser.add_argument("--noise", type=float, default=SCALE_NOISE, help="--scale recombination")
    args = parser.parse_args(argv)
    if not reuters.available(args.data):
        print(f"SKIPPED: Reuters-21578 not found under {args.data} (see ../shared/data/README.md)")
        return 0
    start = time.perf_counter()
    stories = reuters.load_stories(args.data)
    if args.scale is not None:
        docs, truth = build_scale(stories, args.scale, seed=args.seed, noise=args.noise)
    else:
        n_derived = args.per_kind * len(KINDS)
        n_sources = args.sources if args.sources is not None else max(1, 3 * n_derived // 4)
        docs, truth = generate(
            stories,
            n_sources=n_sources,
            per_kind=args.per_kind,
            seed=args.seed,
            n_fillers=args.fillers,
            include_all=args.all,
        )
    write(args.out, docs, truth)
    print(
        f"wrote {len(docs)} documents and {len(truth['pairs'])} truth pairs "
        f"({truth['stats']['pairs']}) to {args.out} in {time.perf_counter() - start:.1f} s; "
        f"synonyms: {truth['generator']['synonyms']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
