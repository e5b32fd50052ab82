"""Benchmark: how long one ``compare`` of two 5,000-word news documents takes.

Both documents are built from real Reuters-21578 stories (``../shared/data/reuters21578``):

* A: about 5,000 words of concatenated stories, paragraphs kept (one paragraph a line);
* B: about 5,000 words of which about 30% are passages taken from A, in three equal shares:
  verbatim, spun (every third content word replaced from a small synonym table) and
  reordered (the sentences of a passage shuffled); the rest are other stories;
* C: about 5,000 words of further stories, unrelated to A (the negative pair A–C).

Timed after the model is loaded: 1 warm-up and 5 runs of ``compare`` per mode (static model,
minilm-l3 model, lexical only), a stage breakdown for the default model, and, in a fresh
subprocess per model, the cost of ``import unspin`` plus ``load_embedder``. The target is
under 1 s per compare after model load on a 2-core machine.

This measures; it is not a test. Run::

    .venv/bin/python benchmarks/speed_compare.py

Results go to ``benchmarks/results/speed_compare.json`` and ``.md``. When the corpus is
absent the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import reuters
from runinfo import finish, machine, revision, write_results
from unspin.align import align
from unspin.classify import classify
from unspin.config import Config, EmbedConfig
from unspin.embed import Embedder, load_embedder
from unspin.fingerprint import STOPWORDS, fingerprint
from unspin.pipeline import compare
from unspin.provenance import direction
from unspin.records import Document, Span

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
CORPUS_NAME = "reuters21578"
RESULTS = Path(__file__).resolve().parent / "results"
NAME = "speed_compare"

ALL_MODES = ("static", "minilm-l3", "lexical")
DEFAULT_MODE = "static"
TARGET_SECONDS = 1.0
#: Share of B's words taken from A.
REUSED_SHARE = 0.30
SEED = 21578

#: Small hand-written synonym table for news vocabulary (the spinner's dictionary).
SYNONYMS = {
    "said": "stated",
    "says": "states",
    "company": "firm",
    "companies": "firms",
    "shares": "stocks",
    "share": "stock",
    "price": "cost",
    "prices": "costs",
    "year": "twelvemonth",
    "years": "twelvemonths",
    "market": "marketplace",
    "markets": "marketplaces",
    "bank": "lender",
    "banks": "lenders",
    "government": "administration",
    "expected": "anticipated",
    "increase": "rise",
    "increased": "rose",
    "rise": "climb",
    "rose": "climbed",
    "fell": "dropped",
    "fall": "drop",
    "lower": "reduced",
    "higher": "greater",
    "net": "nett",
    "profit": "earnings",
    "loss": "deficit",
    "sales": "turnover",
    "agreed": "consented",
    "agreement": "accord",
    "offer": "bid",
    "major": "principal",
    "official": "functionary",
    "officials": "functionaries",
    "trade": "commerce",
    "trading": "dealing",
    "week": "sennight",
    "month": "calendar month",
    "first": "initial",
    "last": "previous",
    "new": "fresh",
    "total": "aggregate",
    "expects": "anticipates",
    "plan": "scheme",
    "plans": "schemes",
    "told": "informed",
    "reported": "announced",
    "president": "chief",
    "chairman": "head",
    "business": "commerce",
    "buy": "purchase",
    "sell": "vend",
    "sold": "vended",
    "bought": "purchased",
    "interest": "involvement",
    "rate": "charge",
    "rates": "charges",
    "economic": "fiscal",
    "growth": "expansion",
    "export": "shipment abroad",
    "exports": "foreign shipments",
    "imports": "foreign purchases",
    "production": "output",
    "demand": "appetite",
    "quarter": "fourth",
    "billion": "thousand million",
    "large": "big",
    "small": "little",
    "help": "aid",
    "made": "produced",
    "make": "produce",
    "high": "elevated",
    "low": "depressed",
    "statement": "declaration",
    "since": "considering that",
    "began": "commenced",
    "start": "commence",
    "end": "close",
    "ended": "closed",
    "country": "nation",
    "countries": "nations",
    "oil": "petroleum",
    "results": "outcomes",
    "earlier": "previously",
    "current": "present",
    "stock": "equity",
    "dollar": "greenback",
    "period": "stint",
    "level": "degree",
    "levels": "degrees",
    "industry": "sector",
    "spokesman": "representative",
    "analysts": "experts",
    "believe": "reckon",
    "week's": "sennight's",
    "continue": "keep on",
    "continued": "kept on",
    "group": "grouping",
    "issue": "matter",
    "tonnes": "metric tons",
    "crop": "harvest",
    "dlrs": "dollars",
    "dlr": "dollar",
    "pct": "percent",
    "cts": "cents",
    "debt": "indebtedness",
    "report": "account",
    "sources": "informants",
    "foreign": "overseas",
    "tax": "levy",
    "today": "this day",
    "added": "noted",
    "due": "owing",
    "finance": "funding",
    "talks": "discussions",
    "system": "arrangement",
    "capital": "funds",
    "cash": "money",
    "economy": "economic system",
    "credit": "lending",
    "next": "following",
    "domestic": "home",
    "budget": "spending plan",
    "meeting": "gathering",
    "management": "executives",
    "financial": "monetary",
    "bond": "debenture",
    "bonds": "debentures",
    "however": "nevertheless",
    "earnings": "profits",
    "minister": "secretary",
    "part": "portion",
    "likely": "probable",
    "investment": "capital outlay",
    "months": "calendar months",
    "program": "programme",
    "money": "funds",
    "public": "state",
    "day": "daytime",
    "support": "backing",
    "recent": "latest",
    "sale": "disposal",
    "loan": "credit facility",
    "deficit": "shortfall",
    "economists": "economic experts",
    "average": "mean",
    "members": "participants",
    "forecast": "prediction",
    "proposed": "suggested",
    "private": "non-public",
    "surplus": "excess",
    "proposal": "suggestion",
    "stake": "holding",
    "including": "counting",
    "largest": "biggest",
    "value": "worth",
    "annual": "yearly",
    "compared": "contrasted",
    "early": "premature",
    "decline": "downturn",
    "paid": "remunerated",
    "mln": "million",
}

_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.S)
_WORD = re.compile(r"\S+")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z']*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"])")


# --- building the documents ---------------------------------------------------------------


def reuters_dir(data_dir: Path) -> Path | None:
    """The corpus folder, or None when it is absent."""
    path = data_dir / CORPUS_NAME
    return path if any(path.glob("reut2-*.sgm")) else None


def _paragraphs(body: str) -> list[str]:
    """A Reuters body as paragraphs (``reuters.paragraphs`` after decoding the SGML)."""
    return reuters.paragraphs(html.unescape(body).replace("\x03", ""))


def load_stories(corpus: Path, *, min_words: int = 120, limit: int = 600) -> list[list[str]]:
    """Distinct Reuters stories of at least ``min_words`` words, as lists of paragraphs."""
    seen: set[str] = set()
    stories: list[list[str]] = []
    for path in sorted(corpus.glob("reut2-*.sgm")):
        text = path.read_text(encoding="latin-1")
        for body in _BODY.findall(text):
            paras = _paragraphs(body)
            joined = "\n".join(paras)
            if joined in seen or words(joined) < min_words:
                continue
            seen.add(joined)
            stories.append(paras)
            if len(stories) >= limit:
                return stories
    return stories


def words(text: str) -> int:
    return len(_WORD.findall(text))


def _take(stories: list[list[str]], n_words: int) -> list[str]:
    """Pop whole stories until ``n_words`` words, the last one cut at a paragraph."""
    paras: list[str] = []
    count = 0
    while count < n_words and stories:
        for p in stories.pop(0):
            if count >= n_words:
                break
            paras.append(p)
            count += words(p)
    return paras


def spin(text: str, every: int = 3) -> tuple[str, int, int]:
    """Replace every ``every``-th content word from ``SYNONYMS``.

    Content words (not stopwords, alphabetic) are counted; each ``every``-th one is due for
    replacement, and when the table has no entry for it the next content word that has one
    takes its turn (the debt is kept, so about one content word in ``every`` changes when
    the table covers enough of the text). Returns the text, the number of content words and
    the number replaced.
    """
    out: list[str] = []
    pos = 0
    content = replaced = owed = 0
    for m in _TOKEN.finditer(text):
        word = m.group()
        low = word.lower()
        if low in STOPWORDS:
            continue
        content += 1
        if content % every == 0:
            owed += 1
        if owed and low in SYNONYMS:
            syn = SYNONYMS[low]
            if word[0].isupper():
                syn = syn[0].upper() + syn[1:]
            out.append(text[pos : m.start()])
            out.append(syn)
            pos = m.end()
            replaced += 1
            owed -= 1
    out.append(text[pos:])
    return "".join(out), content, replaced


def reorder(paragraphs: list[str], rng: random.Random) -> list[str]:
    """Shuffle the sentences of a passage, refilling its paragraphs with as many as before.

    A different order is guaranteed when the passage has two sentences or more.
    """
    split = [_SENTENCE.split(p) for p in paragraphs]
    sentences = [x for sents in split for x in sents]
    if len(sentences) < 2:
        return paragraphs
    shuffled = sentences[:]
    while shuffled == sentences:
        rng.shuffle(shuffled)
    out, k = [], 0
    for sents in split:
        out.append(" ".join(shuffled[k : k + len(sents)]))
        k += len(sents)
    return out


def passages_of(paragraphs: list[str], min_words: int = 80, max_words: int = 200) -> list[range]:
    """Cut a document into passages: runs of consecutive paragraphs of about 80-200 words."""
    out: list[range] = []
    start, count = 0, 0
    for i, p in enumerate(paragraphs):
        n = words(p)
        if count and count + n > max_words:
            if count >= min_words:
                out.append(range(start, i))
            start, count = i, 0
        count += n
        if count >= min_words:
            out.append(range(start, i + 1))
            start, count = i + 1, 0
    return out


@dataclass
class Corpus:
    """The three benchmark documents and the planted reuse in B."""

    a: Document
    b: Document
    c: Document
    planted: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def build_documents(corpus: Path, n_words: int = 5000, seed: int = SEED) -> Corpus:
    """Build A, B (about 30% reused from A) and C (unrelated) of about ``n_words`` words."""
    rng = random.Random(seed)
    stories = load_stories(corpus, limit=max(60, 3 * n_words // 100))
    rng.shuffle(stories)
    a_paras = _take(stories, n_words)
    c_paras = _take(stories, n_words)

    # Passages from A: runs of consecutive paragraphs (80-200 words), spread over A.
    reuse_words = int(REUSED_SHARE * n_words)
    treatments = ("verbatim", "spun", "reordered")
    per_treatment = reuse_words / len(treatments)
    # 80-200 words at 5,000 words a document; shorter in the tiny documents of a smoke test.
    low = max(20, min(80, n_words // 60))
    candidates = passages_of(a_paras, min_words=low, max_words=5 * low // 2)
    rng.shuffle(candidates)
    blocks: list[tuple[str, str | None]] = []  # (paragraph, treatment or None)
    spun_content = spun_replaced = 0
    for treatment in treatments:
        taken = 0
        while taken < per_treatment and candidates:
            paras = [a_paras[i] for i in candidates.pop()]
            taken += sum(words(p) for p in paras)
            if treatment == "spun":
                spun = [spin(p) for p in paras]
                paras = [t for t, _, _ in spun]
                spun_content += sum(c for _, c, _ in spun)
                spun_replaced += sum(r for _, _, r in spun)
            elif treatment == "reordered":
                paras = reorder(paras, rng)
            # A passage stays one block of consecutive paragraphs in B.
            blocks.append(("\n".join(paras), treatment))
    reused = sum(words(t) for t, _ in blocks)
    # Fill with other stories, paragraph by paragraph, and interleave the reused blocks.
    fill = _take(stories, max(0, n_words - reused))
    order: list[tuple[str, str | None]] = [(p, None) for p in fill]
    for block in blocks:
        order.insert(rng.randrange(len(order) + 1), block)

    b_text_parts: list[str] = []
    planted: list[dict[str, Any]] = []
    pos = 0
    for text, treatment in order:
        if treatment is not None:
            planted.append({"span": [pos, pos + len(text)], "treatment": treatment})
        b_text_parts.append(text)
        pos += len(text) + 1
    a_text, b_text, c_text = "\n".join(a_paras), "\n".join(b_text_parts), "\n".join(c_paras)
    stats = {
        "a_words": words(a_text),
        "b_words": words(b_text),
        "c_words": words(c_text),
        "b_reused_words": reused,
        "b_reused_share": round(reused / max(1, words(b_text)), 3),
        "b_reused_words_by_treatment": {
            t: sum(words(x) for x, tr in blocks if tr == t) for t in treatments
        },
        "spun_content_words": spun_content,
        "spun_replaced_words": spun_replaced,
        "a_paragraphs": len(a_paras),
        "b_paragraphs": b_text.count("\n") + 1,
    }
    return Corpus(
        a=Document(id="A", text=a_text),
        b=Document(id="B", text=b_text),
        c=Document(id="C", text=c_text),
        planted=planted,
        stats=stats,
    )


# --- timing -------------------------------------------------------------------------------


def _stats(xs: Sequence[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(xs), 4),
        "min": round(min(xs), 4),
        "max": round(max(xs), 4),
    }


def _repeat(fn: Callable[[], Any], runs: int, warmup: int = 1) -> tuple[list[float], Any]:
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def _embedder(mode: str) -> Embedder | None:
    if mode == "lexical":
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a silent lexical fallback is a lie
        embedder = load_embedder(EmbedConfig(model=mode))
    if embedder is None:
        raise RuntimeError(f"model {mode!r} did not load")
    return embedder


def _overlap(spans: Sequence[Span], targets: Sequence[Span]) -> int:
    """Characters of ``targets`` covered by the union of ``spans`` (both sorted or not)."""
    covered = 0
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    for ts, te in targets:
        for s, e in merged:
            covered += max(0, min(e, te) - max(s, ts))
    return covered


def quality(result: Any, corpus: Corpus) -> dict[str, Any]:
    """What the A–B comparison found, against the planted passages in B."""
    if not result.pairs:
        return {"pairs": 0}
    pair = result.pairs[0]
    b_is_derived = pair.derived.id == "B"
    b_spans = [p.derived_span if b_is_derived else p.source_span for p in pair.passages]
    planted = [tuple(p["span"]) for p in corpus.planted]
    planted_chars = sum(e - s for s, e in planted)
    found_chars = _overlap(b_spans, [(0, len(corpus.b.text))])
    hit = _overlap(b_spans, planted)
    by_treatment = {}
    for t in ("verbatim", "spun", "reordered"):
        spans = [tuple(p["span"]) for p in corpus.planted if p["treatment"] == t]
        total = sum(e - s for s, e in spans)
        by_treatment[t] = round(_overlap(b_spans, spans) / total, 3) if total else None
    kinds: dict[str, int] = {}
    for p in pair.passages:
        kinds[p.kind.value] = kinds.get(p.kind.value, 0) + 1
    return {
        "pairs": 1,
        "b_role": "derived" if b_is_derived else "source",
        "derivation": pair.derivation.value,
        "b_coverage": round(pair.derived_coverage if b_is_derived else pair.source_coverage, 4),
        "a_coverage": round(pair.source_coverage if b_is_derived else pair.derived_coverage, 4),
        "planted_share_of_b": round(planted_chars / len(corpus.b.text), 4),
        "planted_recall": round(hit / planted_chars, 4) if planted_chars else None,
        "planted_recall_by_treatment": by_treatment,
        "precision_vs_planted": round(hit / found_chars, 4) if found_chars else None,
        "passages": len(pair.passages),
        "kinds": kinds,
        "direction": pair.direction.method,
    }


def time_modes(
    corpus: Corpus, modes: Sequence[str], runs: int, config: Config | None = None
) -> dict[str, Any]:
    """Median/min/max compare time per mode for the reuse pair A–B and the unrelated A–C."""
    config = config or Config()
    out: dict[str, Any] = {}
    for mode in modes:
        embedder = _embedder(mode)
        use_model = mode != "lexical"

        def run_ab(e: Embedder | None = embedder, u: bool = use_model) -> Any:
            return compare(corpus.a, corpus.b, config=config, embedder=e, use_model=u)

        def run_ac(e: Embedder | None = embedder, u: bool = use_model) -> Any:
            return compare(corpus.a, corpus.c, config=config, embedder=e, use_model=u)

        t_ab, res_ab = _repeat(run_ab, runs)
        t_ac, res_ac = _repeat(run_ac, runs)
        ab, ac = _stats(t_ab), _stats(t_ac)
        out[mode] = {
            "reuse_pair": {**ab, "runs": [round(t, 4) for t in t_ab]},
            "unrelated_pair": {**ac, "runs": [round(t, 4) for t in t_ac]},
            "meets_target": ab["median"] < TARGET_SECONDS and ac["median"] < TARGET_SECONDS,
            "meets_target_every_run": max(t_ab + t_ac) < TARGET_SECONDS,
            "quality_reuse_pair": quality(res_ab, corpus),
            "unrelated_pair_found": [
                {
                    "derivation": p.derivation.value,
                    "passages": len(p.passages),
                    "derived_coverage": round(p.derived_coverage, 4),
                }
                for p in res_ac.pairs
            ],
        }
    return out


def breakdown(
    corpus: Corpus, runs: int, mode: str = DEFAULT_MODE, config: Config | None = None
) -> dict[str, Any]:
    """Per-stage time of the A–B compare, replaying ``compare`` stage by stage."""
    config = config or Config()
    embedder = _embedder(mode)
    stages = ("fingerprint", "embed", "align", "classify", "direction")
    samples: dict[str, list[float]] = {s: [] for s in stages}
    samples["total"] = []
    for i in range(runs + 1):  # the first is the warm-up
        t: dict[str, float] = dict.fromkeys(stages, 0.0)
        t0 = time.perf_counter()
        fa, fb = fingerprint(corpus.a), fingerprint(corpus.b)
        t1 = time.perf_counter()
        ea = eb = None
        if embedder is not None:
            ea = embedder.encode([fa.sentence_text(k) for k in range(fa.n_sentences)])
            eb = embedder.encode([fb.sentence_text(k) for k in range(fb.n_sentences)])
        t2 = time.perf_counter()
        t["fingerprint"], t["embed"] = t1 - t0, t2 - t1

        def align_classify(src: Any, der: Any, es: Any, ed: Any, t: dict[str, float] = t) -> Any:
            s = time.perf_counter()
            model = embedder.name if embedder is not None else None
            matches = align(
                src, der, config=config.align, embeddings_a=es, embeddings_b=ed, model=model
            )
            m = time.perf_counter()
            passages = classify(matches, src, der, config=config.classify)
            t["align"] += m - s
            t["classify"] += time.perf_counter() - m
            return passages

        passages = align_classify(fa, fb, ea, eb)
        s = time.perf_counter()
        a_is_source, _ = direction(corpus.a, corpus.b, passages)
        t["direction"] = time.perf_counter() - s
        if not a_is_source:  # compare aligns again with the roles swapped
            align_classify(fb, fa, eb, ea)
        total = sum(t.values())
        if i == 0:
            continue
        for k, v in t.items():
            samples[k].append(v)
        samples["total"].append(total)
    return {
        "mode": mode,
        "roles_swapped_and_realigned": not a_is_source,
        "sentences": {"A": fa.n_sentences, "B": fb.n_sentences},
        "tokens": {"A": len(fa.words), "B": len(fb.words)},
        "stages": {k: _stats(v) for k, v in samples.items()},
    }


_LOAD_SNIPPET = """
import json, sys, time
t0 = time.perf_counter()
import unspin.pipeline
from unspin.config import EmbedConfig
from unspin.embed import load_embedder
t1 = time.perf_counter()
mode = sys.argv[1]
e = None if mode == "lexical" else load_embedder(EmbedConfig(model=mode))
t2 = time.perf_counter()
if mode != "lexical" and e is None:
    raise SystemExit("model did not load")
print(json.dumps({"import": t1 - t0, "load": t2 - t1}))
"""


def load_times(modes: Sequence[str], repeats: int = 3) -> dict[str, Any]:
    """Import + model load in a fresh interpreter per model (median of ``repeats``)."""
    out: dict[str, Any] = {}
    for mode in modes:
        imports, loads, walls = [], [], []
        for _ in range(repeats):
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", _LOAD_SNIPPET, mode],
                capture_output=True,
                text=True,
                check=True,
            )
            walls.append(time.perf_counter() - start)
            data = json.loads(proc.stdout.strip().splitlines()[-1])
            imports.append(data["import"])
            loads.append(data["load"])
        out[mode] = {
            "import_seconds": _stats(imports),
            "load_embedder_seconds": _stats(loads),
            "subprocess_wall_seconds": _stats(walls),
        }
    return out


def run(
    data_dir: Path = DEFAULT_DATA,
    *,
    n_words: int = 5000,
    runs: int = 5,
    modes: Sequence[str] = ALL_MODES,
    measure_load: bool = True,
) -> dict[str, Any] | None:
    """The whole benchmark; returns the result dict, or None when the corpus is absent."""
    corpus_path = reuters_dir(data_dir)
    if corpus_path is None:
        return None
    load_before = [round(x, 2) for x in os.getloadavg()]
    start = time.perf_counter()
    corpus = build_documents(corpus_path, n_words)
    build_seconds = time.perf_counter() - start
    result: dict[str, Any] = {
        "benchmark": NAME,
        "machine": machine(),
        "revision": revision(),
        "target_seconds": TARGET_SECONDS,
        "runs": runs,
        "warmup": 1,
        "documents": {**corpus.stats, "build_seconds": round(build_seconds, 3)},
        "compare": time_modes(corpus, modes, runs),
        "breakdown": {m: breakdown(corpus, runs, mode=m) for m in modes},
        "model_load": load_times(modes) if measure_load else None,
    }
    # Other processes on the machine slow every figure down; the load average says so.
    load_after = [round(x, 2) for x in os.getloadavg()]
    result["loadavg_1_5_15"] = {"before": load_before, "after": load_after}
    return result


# --- output -------------------------------------------------------------------------------


def tables(result: dict[str, Any]) -> str:
    """The result as Markdown tables (also printed)."""
    m = result["machine"]
    d = result["documents"]
    lines = [
        f"# compare speed: two ~{d['a_words']}-word Reuters documents",
        "",
        f"unspin {result['revision']['commit']}"
        f"{' (src modified)' if result['revision']['src_dirty'] else ''}. "
        f"Machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']}; load average "
        f"{result['loadavg_1_5_15']['before'][0]} before, "
        f"{result['loadavg_1_5_15']['after'][0]} after (other processes share the cores). "
        f"{result['runs']} runs after {result['warmup']} warm-up; target < "
        f"{result['target_seconds']:g} s per compare after model load.",
        "",
        f"Documents: A {d['a_words']} words; B {d['b_words']} words, "
        f"{d['b_reused_words']} ({d['b_reused_share']:.0%}) from A "
        f"({', '.join(f'{k} {v}' for k, v in d['b_reused_words_by_treatment'].items())}; "
        f"spun: {d['spun_replaced_words']} of {d['spun_content_words']} content words "
        f"replaced); C {d['c_words']} words, unrelated.",
        "",
        "| mode | A–B median s | min | max | A–C median s | min | max | meets < 1 s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for mode, r in result["compare"].items():
        ab, ac = r["reuse_pair"], r["unrelated_pair"]
        verdict = "yes" if r["meets_target"] else "NO"
        if r["meets_target"] and not r["meets_target_every_run"]:
            verdict += " (median; not every run)"
        lines.append(
            f"| {mode} | {ab['median']:.3f} | {ab['min']:.3f} | {ab['max']:.3f} "
            f"| {ac['median']:.3f} | {ac['min']:.3f} | {ac['max']:.3f} | {verdict} |"
        )
    lines += [
        "",
        "## What A–B found (planted reuse in B)",
        "",
        "| mode | B role | derivation | B cov | planted share | recall verbatim / spun / "
        "reordered | precision | passages | A–C pairs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, r in result["compare"].items():
        q = r["quality_reuse_pair"]
        if not q.get("pairs"):
            lines.append(
                f"| {mode} | – | none | 0 | – | – | – | 0 | {len(r['unrelated_pair_found'])} |"
            )
            continue
        rt = q["planted_recall_by_treatment"]
        lines.append(
            f"| {mode} | {q['b_role']} | {q['derivation']} | {q['b_coverage']:.3f} "
            f"| {q['planted_share_of_b']:.3f} "
            f"| {rt['verbatim']} / {rt['spun']} / {rt['reordered']} "
            f"| {q['precision_vs_planted']} | {q['passages']} "
            f"| {len(r['unrelated_pair_found'])} |"
        )
    for b in (result.get("breakdown") or {}).values():
        lines += [
            "",
            f"## Stage breakdown, A–B, model {b['mode']} "
            f"(sentences A {b['sentences']['A']}, B {b['sentences']['B']}; "
            f"aligned twice: {'yes' if b['roles_swapped_and_realigned'] else 'no'})",
            "",
            "| stage | median s | min | max |",
            "|---|---|---|---|",
        ]
        for stage, s in b["stages"].items():
            lines.append(f"| {stage} | {s['median']:.4f} | {s['min']:.4f} | {s['max']:.4f} |")
    ml = result.get("model_load")
    if ml:
        lines += [
            "",
            "## Fresh process: import unspin + load_embedder (median of 3)",
            "",
            "| mode | import s | load_embedder s | subprocess wall s |",
            "|---|---|---|---|",
        ]
        for mode, r in ml.items():
            lines.append(
                f"| {mode} | {r['import_seconds']['median']:.3f} "
                f"| {r['load_embedder_seconds']['median']:.3f} "
                f"| {r['subprocess_wall_seconds']['median']:.3f} |"
            )
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write the JSON and Markdown results; returns their paths."""
    return write_results(NAME, result, tables(result), out_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--words", type=int, default=5000, help="words per document")
    parser.add_argument("--runs", type=int, default=5, help="timed runs after 1 warm-up")
    parser.add_argument(
        "--modes", nargs="+", choices=ALL_MODES, default=list(ALL_MODES), help="modes to time"
    )
    parser.add_argument("--no-load", action="store_true", help="skip the fresh-process load")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = run(
        args.data,
        n_words=args.words,
        runs=args.runs,
        modes=args.modes,
        measure_load=not args.no_load,
    )
    return finish(NAME, CORPUS_NAME, args.data, result, tables, args.out, start)


if __name__ == "__main__":
    sys.exit(main())
