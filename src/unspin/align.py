"""Find every reused passage between two fingerprinted documents.

The aligner follows Sanchez-Perez, Sidorov & Gelbukh (PAN 2014, "A Winning Approach to
Text Alignment…"; adaptive version 2015): sentence pairs are *seeded* when they are
similar, seeds are *extended* into passages by clustering them by proximity in both
documents, and passages are *filtered* by the evidence of the whole fragment. What is
changed for news and spun text:

* seeds come from lexical evidence (tf-isf cosine and Dice of content stems, as in the
  paper), from a sentence-embedding cosine backed by some lexical evidence (which lets
  synonym-spun sentences in: "user data" → "consumer information"), and from runs of
  shared word 5-grams (verbatim copies whatever the punctuation, as passim does);
* extension treats a paragraph as the unit that may be rewritten in any order, while a
  passage that spans paragraphs must draw on the same stretch of the source, so a
  verbatim quote and the spun paragraph after it stay two passages; a run of pieces
  that condenses a long stretch of the source is one summary passage;
* one source sentence may seed several derived sentences far apart, so a quotation
  reused twice (once verbatim, once spun) yields two passages;
* the filter weighs similarity, shared phrases and distinctiveness (a ratio test) and
  asks more of short passages and of passages matched by meaning alone.

Roles: ``a`` is treated as the possible source and ``b`` as the possible derived text;
clusters are built along ``b`` so each derived character belongs to at most one passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt
from scipy import sparse

from .config import AlignConfig, SemanticThresholds
from .errors import ConfigError
from .fingerprint import Fingerprint
from .records import Span

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class SentenceSimilarity:
    """Sentence-by-sentence similarity matrices, shape (sentences of a, sentences of b)."""

    cosine: FloatArray  # tf-isf cosine of content stems
    dice: FloatArray  # Dice coefficient of content-stem sets
    semantic: FloatArray | None  # embedding cosine, when a model is available
    weights_a: sparse.csr_matrix  # tf-isf sentence vectors, for whole-fragment similarity
    weights_b: sparse.csr_matrix


@dataclass(frozen=True, slots=True)
class Match:
    """A passage before classification: sentence ranges (inclusive) and char spans."""

    source_sentences: tuple[int, int]
    derived_sentences: tuple[int, int]
    source_span: Span
    derived_span: Span
    score: float
    #: The seeds behind the passage: (source sentence, derived sentence, strength).
    links: tuple[tuple[int, int, float], ...] = ()
    #: Share of the derived fragment's phrases (word 3-grams) also in the source fragment.
    shared_phrases: float = 0.0
    #: Mean margin of each derived sentence's best source match over its second best.
    distinctiveness: float = 0.0
    #: The derived passage condenses the source span (see ``_merge_summaries``).
    summary: bool = False
    #: Share of consecutive derived sentences whose counterparts follow in the source.
    order: float = 0.0


@dataclass(slots=True)
class _Cluster:
    seeds: list[tuple[int, int, float]]
    #: A condensed retelling of a stretch of the source (see ``_merge_summaries``).
    summary: bool = False

    @property
    def i_range(self) -> tuple[int, int]:
        return min(s[0] for s in self.seeds), max(s[0] for s in self.seeds)

    @property
    def j_range(self) -> tuple[int, int]:
        return min(s[1] for s in self.seeds), max(s[1] for s in self.seeds)

    @property
    def weight(self) -> float:
        return sum(s[2] for s in self.seeds)


def _stem_matrices(a: Fingerprint, b: Fingerprint) -> tuple[sparse.csr_matrix, ...]:
    """Sentence × stem count matrices of both texts over one vocabulary (content words of
    body sentences only)."""
    parts = []
    for fp in (a, b):
        tokens = np.flatnonzero((fp.token_sentence >= 0) & fp.content)
        tokens = tokens[fp.sentence_in_body[fp.token_sentence[tokens]]]
        parts.append((fp.token_sentence[tokens], fp.stem_ids[tokens]))
    ids = np.concatenate([parts[0][1], parts[1][1]])
    vocab, cols = np.unique(ids, return_inverse=True)
    width = max(len(vocab), 1)
    split = len(parts[0][1])
    out = []
    for (rows, _), fp, c in zip(parts, (a, b), (cols[:split], cols[split:]), strict=True):
        data = np.ones(len(rows), dtype=np.float32)
        out.append(
            sparse.csr_matrix((data, (rows, c)), shape=(fp.n_sentences, width), dtype=np.float32)
        )
    return tuple(out)


def sentence_similarity(
    a: Fingerprint,
    b: Fingerprint,
    *,
    embeddings_a: FloatArray | None = None,
    embeddings_b: FloatArray | None = None,
) -> SentenceSimilarity:
    """Lexical (and, given embeddings, semantic) similarity of every sentence pair."""
    ma, mb = _stem_matrices(a, b)
    if (ma.shape[0] + mb.shape[0]) * ma.shape[1] <= _DENSE_CELLS:
        cosine, dice, ta, tb = _lexical_dense(ma.toarray(), mb.toarray())
        return SentenceSimilarity(
            cosine=cosine,
            dice=dice,
            semantic=_semantic(a, b, embeddings_a, embeddings_b),
            weights_a=sparse.csr_matrix(ta),
            weights_b=sparse.csr_matrix(tb),
        )
    # tf-isf: inverse *sentence* frequency over both documents down-weights words that
    # are everywhere in this pair without needing a stopword list for them.
    n_sent = max(ma.shape[0] + mb.shape[0], 1)
    sf = np.asarray((ma > 0).sum(axis=0) + (mb > 0).sum(axis=0), dtype=np.float32).ravel()
    isf = np.log1p(n_sent / np.maximum(sf, 1.0)).astype(np.float32)
    ta = ma.multiply(isf[None, :]).tocsr()
    tb = mb.multiply(isf[None, :]).tocsr()
    wa = _l2_rows(ta)
    wb = _l2_rows(tb)
    cosine = np.asarray((wa @ wb.T).todense(), dtype=np.float32)
    ba = (ma > 0).astype(np.float32)
    bb = (mb > 0).astype(np.float32)
    inter = np.asarray((ba @ bb.T).todense(), dtype=np.float32)
    la = np.asarray(ba.sum(axis=1), dtype=np.float32).ravel()
    lb = np.asarray(bb.sum(axis=1), dtype=np.float32).ravel()
    denom = la[:, None] + lb[None, :]
    dice = np.divide(2 * inter, denom, out=np.zeros_like(inter), where=denom > 0)
    return SentenceSimilarity(
        cosine=cosine,
        dice=dice,
        semantic=_semantic(a, b, embeddings_a, embeddings_b),
        weights_a=ta,
        weights_b=tb,
    )


#: Below this many cells (sentences of both texts x vocabulary) the similarity matrices are
#: computed dense: news-length pairs, where sparse bookkeeping costs more than the sums.
_DENSE_CELLS = 40_000


def _lexical_dense(
    ma: FloatArray, mb: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``sentence_similarity``'s tf-isf cosine and Dice, on dense count matrices."""
    n_sent = max(ma.shape[0] + mb.shape[0], 1)
    ba = (ma > 0).astype(np.float32)
    bb = (mb > 0).astype(np.float32)
    sf = ba.sum(axis=0) + bb.sum(axis=0)
    isf = np.log1p(n_sent / np.maximum(sf, 1.0)).astype(np.float32)
    ta = ma * isf[None, :]
    tb = mb * isf[None, :]
    na = np.linalg.norm(ta, axis=1, keepdims=True)
    nb = np.linalg.norm(tb, axis=1, keepdims=True)
    wa = np.divide(ta, na, out=np.zeros_like(ta), where=na > 0)
    wb = np.divide(tb, nb, out=np.zeros_like(tb), where=nb > 0)
    cosine = (wa @ wb.T).astype(np.float32)
    inter = ba @ bb.T
    denom = ba.sum(axis=1)[:, None] + bb.sum(axis=1)[None, :]
    dice = np.divide(2 * inter, denom, out=np.zeros_like(inter), where=denom > 0)
    return cosine, dice.astype(np.float32), ta, tb


def _semantic(
    a: Fingerprint, b: Fingerprint, ea: FloatArray | None, eb: FloatArray | None
) -> FloatArray | None:
    if ea is None or eb is None:
        return None
    semantic = (ea @ eb.T).astype(np.float32)
    body = np.outer(a.sentence_in_body, b.sentence_in_body)
    return np.where(body, semantic, 0.0).astype(np.float32)


def _l2_rows(m: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1), dtype=np.float32)).ravel()
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sparse.diags(inv) @ m


def seed_scores(
    sim: SentenceSimilarity,
    config: AlignConfig,
    thresholds: SemanticThresholds | None = None,
    quoted: npt.NDArray[np.bool_] | None = None,
) -> FloatArray:
    """Seed strength per sentence pair (0 where the pair is not a seed).

    ``quoted`` marks pairs of sentences that are both quotations: a reworded quotation
    is exactly what a spinner leaves behind, so it seeds on weaker meaning evidence.
    """
    lexical = (sim.cosine >= config.seed_cosine) & (sim.dice >= config.seed_dice)
    score = np.where(lexical, np.maximum(sim.cosine, sim.dice), 0.0)
    if sim.semantic is not None and thresholds is not None:
        sem = sim.semantic
        # The stronger the meaning match, the less shared wording it needs.
        semantic = ((sem >= thresholds.strong) & (sim.dice > 0)) | (
            (sem >= thresholds.weak) & (sim.dice >= config.seed_dice_weak)
        )
        if quoted is not None:
            semantic |= quoted & (sem >= thresholds.corroborated) & (sim.dice >= config.seed_dice)
        # Meaning and wording both count: of two source sentences that paraphrase the
        # same derived one, the one that also shares its words is its counterpart.
        both = (sem + np.maximum(sim.cosine, sim.dice)) / 2
        score = np.where(semantic | lexical, np.maximum(both, 0.01), 0.0)
    return score.astype(np.float32)


def align(
    a: Fingerprint,
    b: Fingerprint,
    *,
    config: AlignConfig,
    embeddings_a: FloatArray | None = None,
    embeddings_b: FloatArray | None = None,
    model: str | None = None,
) -> list[Match]:
    """Reused passages between ``a`` (possible source) and ``b`` (possible derived text).

    ``model`` names the embedding model, whose calibrated thresholds apply.
    """
    if a.n_sentences == 0 or b.n_sentences == 0:
        return []
    sim = sentence_similarity(a, b, embeddings_a=embeddings_a, embeddings_b=embeddings_b)
    thresholds = config.semantic.get(model) if model else None
    if sim.semantic is not None and thresholds is None:
        raise ConfigError(f"no semantic thresholds for model {model!r} in AlignConfig.semantic")
    quoted = np.outer(a.sentence_quoted, b.sentence_quoted)
    scores = seed_scores(sim, config, thresholds, quoted)
    lexical = (sim.cosine >= config.seed_cosine) & (sim.dice >= config.seed_dice)
    copies = copy_links(a, b, n=config.min_run_tokens, min_tokens=config.min_copy_tokens)
    for i, j in copies.links:
        scores[i, j] = 1.0
        lexical[i, j] = True
    for i, j, w in chain_seeds(sim, config, thresholds):
        scores[i, j] = max(scores[i, j], w)
    seeds = _prune_seeds(scores, config.seed_margin)
    seeds += widen_long_sentences(seeds, a, b, sim)
    clusters = _cluster(seeds, b, config)
    _grow_edges(clusters, sim, b, config, thresholds)
    # A summary is pieced from sentences that are weak evidence one by one; it may join
    # pieces that would not stand alone, as long as two of them do: one passage and the
    # chance resemblances around it are not a summary of the source.
    matched: dict[int, Match] = {}
    convincing: set[int] = set()
    for c in clusters:
        m = matched[id(c)] = _to_match(c, a, b, sim, config)
        worded = any(lexical[i, j] for i, j, _ in c.seeds)
        copied = any((i, j) in copies.links for i, j, _ in c.seeds)
        if _convincing(m, a, b, config, worded=worded, copied=copied):
            convincing.add(id(c))
    clusters = _rejoin(clusters, convincing, b, config)
    for c in clusters:
        if id(c) not in matched:
            matched[id(c)] = _to_match(c, a, b, sim, config)
    # Adaptive to the pair (Sanchez-Perez et al. 2015 pick settings per obfuscation type):
    # a text that copies long passages word for word, or nearly, is a copier, and a
    # loose resemblance elsewhere in it is more likely the shared topic than a rewrite.
    long_copies = {id(c) for c in clusters if _long_copy(c, a, b, sim, copies)}
    if copies.longest >= config.copier_min_tokens or any(
        id(c) in convincing for c in clusters if id(c) in long_copies
    ):
        for c in clusters:
            loose = _wording(c, sim) < 0.8
            if loose and _evidence(matched[id(c)], config) < config.min_evidence_beside_copies:
                convincing.discard(id(c))
    out = []
    for c in _merge_summaries(clusters, a, b, config, convincing, long_copies):
        if c.summary or id(c) not in matched:  # a summary, or pieces joined into one
            out.append(_to_match(c, a, b, sim, config))
        elif id(c) in convincing and _long_enough(matched[id(c)], a, b, config):
            links = trim_weak_edges(c.seeds, sim, config)
            if len(links) < len(c.seeds):
                out.append(_to_match(_Cluster(links), a, b, sim, config))
            else:
                out.append(matched[id(c)])
    return out


def _convincing(
    m: Match, a: Fingerprint, b: Fingerprint, config: AlignConfig, *, worded: bool, copied: bool
) -> bool:
    """Whether a candidate passage carries enough evidence of reuse for its length.

    A short passage is one or two sentences, which a text on the same subject can echo
    by chance; it must show stronger evidence (copied phrases, a clear counterpart)
    than a long one, and so must one whose sentences match in meaning only — unless
    both texts quote it: matching quotations are reuse of a speaker's words however
    short or reworded.
    """
    length = _length(m)
    evidence = _evidence(m, config)
    needed = config.min_passage_evidence
    quoted = _quoted(m, a, b)
    # A passage found by meaning alone, with no sentence pair that also shares its
    # wording, is held to the standard of a short one.
    if (length < config.short_passage_chars or not worded) and not quoted:
        needed = max(needed, config.min_short_passage_evidence)
    return (
        m.score >= config.min_fragment_similarity
        and length >= config.min_quotation_chars
        and evidence >= needed
        and (copied or not figures_differ(m, a, b, config))
    )


_FIGURE = re.compile(r"\d(?:[\d,.]*\d)?")


def _figures(fp: Fingerprint, sentences: tuple[int, int]) -> list[str]:
    """The numbers of a sentence range, whole ("1,142,000", "5.92"), not split at marks."""
    start, end = fp.span_of_sentences(*sentences)
    return _FIGURE.findall(fp.doc.text, start, end)


def figures_differ(m: Match, a: Fingerprint, b: Fingerprint, config: AlignConfig) -> bool:
    """Is the passage one template filled in twice with other figures?

    Earnings tables, sports results and weather reports repeat their wording from story
    to story while every figure changes; copiers and spinners keep the figures. Numbers
    are not content words for the similarity measures, so they are checked here (for
    passages with no copied run of words, whose edges may take in other figures).
    """
    derived = _figures(b, m.derived_sentences)
    source = _figures(a, m.source_sentences)
    # A template has figures on both sides; a passage whose source has none took in
    # other text at its edges (a dateline, a table beside it), which is not a template.
    if min(len(derived), len(source)) < config.template_min_figures:
        return False
    kept = sum(1 for w in derived if w in set(source))
    return kept < config.template_figure_share * len(derived)


def _evidence(m: Match, config: AlignConfig) -> float:
    """A passage's evidence of reuse: similarity, shared phrases, distinctiveness and
    sentence order, summed."""
    return m.score + m.shared_phrases + m.distinctiveness + config.order_weight * m.order


def _long_enough(m: Match, a: Fingerprint, b: Fingerprint, config: AlignConfig) -> bool:
    """Whether a passage is long enough to report on its own (a short one may still
    be a piece of a summary)."""
    floor = config.min_quotation_chars if _quoted(m, a, b) else config.min_passage_chars
    return _length(m) >= floor


def _length(m: Match) -> int:
    return min(m.source_span[1] - m.source_span[0], m.derived_span[1] - m.derived_span[0])


def _quoted(m: Match, a: Fingerprint, b: Fingerprint) -> bool:
    return bool(
        a.sentence_quoted[m.source_sentences[0] : m.source_sentences[1] + 1].all()
        and b.sentence_quoted[m.derived_sentences[0] : m.derived_sentences[1] + 1].all()
    )


@dataclass(frozen=True, slots=True)
class Copies:
    """Verbatim runs of words shared by two texts (see ``copy_links``)."""

    #: Sentence pairs (source, derived) joined by a run of ``min_tokens`` words or more.
    links: set[tuple[int, int]]
    #: Length in words of the longest shared run.
    longest: int
    #: Per derived token: inside such a run.
    copied: npt.NDArray[np.bool_]


def copy_links(a: Fingerprint, b: Fingerprint, *, n: int, min_tokens: int) -> Copies:
    """Sentence pairs joined by a run of at least ``min_tokens`` identical words.

    Sentence similarity misses a copy when the two texts cut it into sentences
    differently (lists, headings, text without punctuation); runs of shared word
    n-grams along one diagonal find it whatever the punctuation, as the verbatim
    detectors of passim, WCopyfind and Sanchez-Perez et al. (2015) do.
    """
    index: dict[tuple[str, ...], list[int]] = {}
    wa, wb = a.words, b.words
    for k in range(len(wa) - n + 1):
        if a.token_sentence[k] >= 0 and a.token_sentence[k + n - 1] >= 0:
            index.setdefault(wa[k : k + n], []).append(k)
    # Runs per diagonal (offset = position in a − position in b): k → run start in b.
    open_runs: dict[int, tuple[int, int]] = {}
    links: set[tuple[int, int]] = set()
    longest = 0
    copied = np.zeros(len(wb), dtype=bool)

    def close(offset: int, start: int, last: int) -> None:
        nonlocal longest
        longest = max(longest, last + n - start)
        if last + n - start < min_tokens:
            return
        copied[start : last + n] = True
        # A sentence pair is linked by the run only where it shares n words of it: the
        # run's last word spilling into the next sentence ("… their fields. The") is not.
        shared: dict[tuple[int, int], int] = {}
        for kb in range(start, last + n):
            i, j = int(a.token_sentence[kb + offset]), int(b.token_sentence[kb])
            if i >= 0 and j >= 0:
                shared[i, j] = shared.get((i, j), 0) + 1
        links.update(pair for pair, count in shared.items() if count >= n)

    for kb in range(len(wb) - n + 1):
        hits = index.get(wb[kb : kb + n])
        if not hits or len(hits) > 20:  # a phrase repeated everywhere anchors nothing
            continue
        for ka in hits:
            offset = ka - kb
            run = open_runs.get(offset)
            if run is not None and run[1] == kb - 1:
                open_runs[offset] = (run[0], kb)
            else:
                if run is not None:
                    close(offset, *run)
                open_runs[offset] = (kb, kb)
    for offset, run in open_runs.items():
        close(offset, *run)
    return Copies(links, longest, copied)


def chain_seeds(
    sim: SentenceSimilarity, config: AlignConfig, thresholds: SemanticThresholds | None
) -> list[tuple[int, int, float]]:
    """Seeds from runs of derived sentences whose best counterparts follow in order.

    A heavily rewritten sentence (random word substitution, a round trip through
    translation) may resemble its source no more than a sentence on the same topic
    does; but several in a row whose best matches are consecutive source sentences
    are a rewrite, not chance — the sequence evidence of DNA local alignment and of
    passim's chains of n-gram matches, applied to sentences.
    """
    lexical = np.maximum(sim.cosine, sim.dice)
    if sim.semantic is not None and thresholds is not None:
        combined = (sim.semantic + lexical) / 2
        ok = (sim.semantic >= thresholds.chain) & (lexical >= config.chain_lexical)
    else:
        combined = lexical
        ok = (sim.cosine >= config.seed_dice_weak) & (sim.dice >= config.seed_dice_weak)
    if combined.shape[0] == 0:
        return []
    best = combined.argmax(axis=0)
    cols = np.arange(combined.shape[1])
    good = [int(j) for j in cols[ok[best, cols]]]
    chains: list[list[int]] = []
    for j in good:
        if chains and j - chains[-1][-1] <= 2 and 0 <= best[j] - best[chains[-1][-1]] <= 2:
            chains[-1].append(j)
        else:
            chains.append([j])
    return [
        (int(best[j]), j, float(combined[best[j], j]))
        for chain in chains
        if len(chain) >= config.chain_min_sentences and best[chain[-1]] > best[chain[0]]
        for j in chain
    ]


def widen_long_sentences(
    seeds: list[tuple[int, int, float]], a: Fingerprint, b: Fingerprint, sim: SentenceSimilarity
) -> list[tuple[int, int, float]]:
    """Links from a long derived sentence to the run of short source sentences it covers.

    Texts are cut into sentences differently (a list pasted as one line, punctuation
    lost): one derived "sentence" may hold a dozen source lines and match each of them
    only faintly. Its best counterpart is widened into a window of neighbouring source
    sentences while the window resembles it more, and up to its length (many-to-one
    alignment, as Gale & Church 1993 align sentences of unequal lengths).
    """
    best = best_counterparts(seeds)
    length_a = a.sentence_spans[:, 1] - a.sentence_spans[:, 0]
    length_b = b.sentence_spans[:, 1] - b.sentence_spans[:, 0]
    vb_all = _l2_rows(sim.weights_b)
    out: list[tuple[int, int, float]] = []
    for j, (w, i) in best.items():
        if length_b[j] < 2 * length_a[i]:
            continue
        vb = np.asarray(vb_all[j].todense(), dtype=np.float32).ravel()
        lo, hi = i, i
        window = np.asarray(sim.weights_a[i].todense(), dtype=np.float32).ravel()
        score = _cos(window, vb)
        while True:
            options = []
            for k in (lo - 1, hi + 1):
                if 0 <= k < a.n_sentences:
                    span = a.sentence_spans[max(hi, k), 1] - a.sentence_spans[min(lo, k), 0]
                    if span <= 1.3 * length_b[j]:
                        grown = window + np.asarray(sim.weights_a[k].todense()).ravel()
                        options.append((_cos(grown, vb), k, grown))
            if not options:
                break
            cos, k, grown = max(options, key=lambda o: o[0])
            if cos <= score:
                break
            score, window = cos, grown
            lo, hi = min(lo, k), max(hi, k)
        if hi > lo and score > w:
            out.extend((k, j, score) for k in range(lo, hi + 1) if k != i)
    return out


def _cos(u: npt.NDArray[np.float32], v: npt.NDArray[np.float32]) -> float:
    norm = float(np.linalg.norm(u) * np.linalg.norm(v))
    return float(u @ v) / norm if norm > 0 else 0.0


def _prune_seeds(scores: FloatArray, margin: float) -> list[tuple[int, int, float]]:
    """Keep, for each derived sentence, the seeds close to its best one.

    A derived sentence that merges two source sentences scores similarly with both; a
    derived sentence that merely shares a phrase with a distant source sentence scores
    far below its true counterpart, and that weaker link would drag passages apart.
    """
    best = scores.max(axis=0) if scores.size else np.zeros(0, dtype=np.float32)
    ii, jj = np.nonzero(scores > 0)
    return [
        (int(i), int(j), float(scores[i, j]))
        for i, j in zip(ii, jj, strict=True)
        if scores[i, j] >= best[j] - margin
    ]


def _cluster(
    seeds: list[tuple[int, int, float]], b: Fingerprint, config: AlignConfig
) -> list[_Cluster]:
    """Seeds into passages: within a paragraph by source proximity, then across paragraphs."""
    gap = config.max_gap_sentences
    by_para: dict[int, list[tuple[int, int, float]]] = {}
    for s in seeds:
        by_para.setdefault(int(b.sentence_paragraph[s[1]]), []).append(s)
    clusters: list[_Cluster] = []
    for para in sorted(by_para):
        size = int(np.count_nonzero(b.sentence_paragraph == para))
        reach = gap if size > config.max_paragraph_sentences else size
        clusters.extend(_cluster_paragraph(by_para[para], gap, reach))
    # A stray seed inside a passage's derived range would stand between the passage and
    # its continuation in the next paragraph: settle overlaps before joining.
    merged: list[_Cluster] = []
    for c in _resolve_derived_overlaps(clusters):
        if merged and _continues(merged[-1], c, b, gap, config.max_source_jump_sentences):
            merged[-1].seeds.extend(c.seeds)
        else:
            merged.append(c)
    return _resolve_derived_overlaps(merged)


def _grow_edges(
    clusters: list[_Cluster],
    sim: SentenceSimilarity,
    b: Fingerprint,
    config: AlignConfig,
    thresholds: SemanticThresholds | None,
) -> None:
    """Extend passages to neighbouring derived sentences of the same paragraph.

    Seeds are strict so that texts on one topic do not align by accident; once a
    passage exists, the sentence before or after it in the same paragraph joins on
    weaker evidence when it resembles the source around the passage — a spun
    paragraph whose first sentence was rewritten hardest is still one passage.
    """
    taken = {j for c in clusters for j in range(c.j_range[0], c.j_range[1] + 1)}
    gap = config.max_gap_sentences
    for c in clusters:
        grown = True
        while grown:
            grown = False
            i0, i1 = c.i_range
            j0, j1 = c.j_range
            n_source = sim.cosine.shape[0]
            # The sentence before a passage draws on the source before or inside it,
            # the one after on the source inside or after it.
            windows = {
                j0 - 1: (max(0, i0 - gap), min(n_source, i1 + 1)),
                j1 + 1: (max(0, i0), min(n_source, i1 + gap + 1)),
            }
            for j, (lo, hi) in windows.items():
                if not 0 <= j < sim.cosine.shape[1] or j in taken:
                    continue
                if b.sentence_paragraph[j] not in {
                    b.sentence_paragraph[j0],
                    b.sentence_paragraph[j1],
                }:
                    continue
                strength = _extension_strength(sim, lo, hi, j, config, thresholds)
                if strength is None:
                    continue
                c.seeds.append((strength[0], j, strength[1]))
                taken.add(j)
                grown = True


def trim_weak_edges(
    links: list[tuple[int, int, float]], sim: SentenceSimilarity, config: AlignConfig
) -> list[tuple[int, int, float]]:
    """A passage's links without the edge sentences that share almost no words with the
    source around it.

    Inside a passage a sentence rewritten beyond recognition is carried by its
    neighbours; at an edge nothing carries it, and a sentence that only shares the topic
    (the new material an author puts before or after the reused text) is far more often
    what it is. "Almost no words" is relative to the passage: under
    ``min_edge_share`` of its other sentences' wording, and under ``min_edge_lexical``
    in any case. Summaries keep their weak pieces and are not trimmed.
    """
    gap = config.max_gap_sentences
    while True:
        best = best_counterparts(links)
        if len(best) < 2:
            return links
        # Judged against the whole source stretch around the passage: a link may point
        # at a same-topic sentence while a better-worded counterpart sits next to it.
        i0 = min(i for i, _, _ in links)
        i1 = max(i for i, _, _ in links)
        window = slice(max(0, i0 - gap), i1 + gap + 1)
        lexical = np.maximum(sim.cosine[window], sim.dice[window])
        wording = {j: float(lexical[:, j].max()) for j in best}

        weak = [j for j in (min(best), max(best)) if wording[j] < _edge_floor(wording, j, config)]
        if not weak:
            return links
        links = [s for s in links if s[1] != weak[0]]


def _edge_floor(wording: dict[int, float], j: int, config: AlignConfig) -> float:
    """The wording an edge sentence ``j`` needs, given its passage's other sentences'."""
    rest = float(np.mean([w for k, w in wording.items() if k != j]))
    return max(config.min_edge_lexical, config.min_edge_share * rest)


def _extension_strength(
    sim: SentenceSimilarity,
    lo: int,
    hi: int,
    j: int,
    config: AlignConfig,
    thresholds: SemanticThresholds | None,
) -> tuple[int, float] | None:
    """Best source sentence in ``[lo, hi)`` for derived sentence ``j`` on relaxed evidence."""
    dice = sim.dice[lo:hi, j]
    cos = sim.cosine[lo:hi, j]
    lexical = np.maximum(dice, cos)
    if sim.semantic is not None and thresholds is not None:
        sem = sim.semantic[lo:hi, j]
        ok = (sem >= thresholds.extend) & (dice >= config.seed_dice_weak / 2)
        score = np.where(ok, (sem + lexical) / 2, 0.0)
    else:
        ok = (dice >= config.seed_dice_weak) & (cos >= config.seed_dice_weak)
        score = np.where(ok, lexical, 0.0)
    if not score.size or score.max() <= 0:
        return None
    k = int(score.argmax())
    return lo + k, float(score[k])


def _cluster_paragraph(seeds: list[tuple[int, int, float]], gap: int, reach: int) -> list[_Cluster]:
    """Within one derived paragraph: group seeds whose source sentences are close."""
    seeds = sorted(seeds)
    by_source: list[list[tuple[int, int, float]]] = [[seeds[0]]]
    for s in seeds[1:]:
        if s[0] - by_source[-1][-1][0] <= gap + 1:
            by_source[-1].append(s)
        else:
            by_source.append([s])
    # A paragraph may be rewritten in any order, but a "paragraph" may also be a whole
    # web page without line breaks, where two sentences on the same topic twenty
    # sentences apart are not one rewritten passage: seeds further apart than ``reach``
    # in the derived text part.
    groups: list[list[tuple[int, int, float]]] = []
    for g in by_source:
        g.sort(key=lambda s: (s[1], s[0]))
        groups.append([g[0]])
        for s in g[1:]:
            if s[1] - groups[-1][-1][1] <= reach + 1:
                groups[-1].append(s)
            else:
                groups.append([s])
    clusters = [_Cluster(g) for g in groups]
    # Each derived sentence goes to the group where its seeds weigh most; on a tie (a
    # sentence the source repeats word for word) to the heavier group, where its
    # neighbours came from.
    owner: dict[int, tuple[float, float, int]] = {}
    for k, c in enumerate(clusters):
        per_j: dict[int, float] = {}
        for _, j, w in c.seeds:
            per_j[j] = per_j.get(j, 0.0) + w
        for j, w in per_j.items():
            # Rounded: identical sentences differ in the last bits of their cosines.
            key = (round(w, 3), c.weight)
            if j not in owner or key > owner[j][:2]:
                owner[j] = (*key, k)
    out = []
    for k, c in enumerate(clusters):
        kept = [s for s in c.seeds if owner[s[1]][2] == k]
        if kept:
            out.append(_Cluster(kept))
    return out


def _continues(prev: _Cluster, nxt: _Cluster, b: Fingerprint, gap: int, jump: int) -> bool:
    """``nxt`` carries on the passage of ``prev``: next to it in the derived text, and
    drawing on the same stretch of the source (forwards, or reshuffled within reach).

    Paragraphs that reuse distant parts of the source in another order stay apart (a
    quotation moved up, a background paragraph moved down); a rewrite that shuffles
    sentences across a line break is still one passage.
    """
    pi0, pi1 = prev.i_range
    _, pj1 = prev.j_range
    ni0, ni1 = nxt.i_range
    nj0, _ = nxt.j_range
    adjacent = 0 < nj0 - pj1 <= gap + 1
    # Rewritten pieces that touch within one paragraph are one rewrite that left a few
    # source sentences out; copies that touch yet come from distant places, and
    # paragraphs, were pieced together.
    copies = _copied(prev) and _copied(nxt)
    one_paragraph = b.sentence_paragraph[pj1] == b.sentence_paragraph[nj0]
    reach = jump if nj0 - pj1 <= 2 and one_paragraph and not copies else gap
    return adjacent and ni0 <= pi1 + reach + 1 and ni1 >= pi0 - 1


def _rejoin(
    clusters: list[_Cluster],
    convincing: set[int],
    b: Fingerprint,
    config: AlignConfig,
) -> list[_Cluster]:
    """Join convincing passages that continue each other across a stray resemblance.

    A short sentence between two pieces of one rewrite (a caption, a link line) may
    resemble some other part of the source; it kept the pieces apart while passages
    were being formed, but once it has proved to be chance it no longer does. Only
    strays shorter than a passage are passed over: a paragraph between two passages
    that failed as reuse is still a paragraph of the author's own. Joined passages are
    added to ``convincing``.
    """
    out: list[_Cluster] = []
    last = -1  # index in ``out`` of the last convincing passage
    for c in clusters:
        if id(c) not in convincing:
            out.append(c)
            continue
        between = out[last + 1 :] if last >= 0 else []
        if (
            last >= 0
            and all(_derived_chars(x, b) < config.min_passage_chars for x in between)
            and _continues(
                out[last], c, b, config.max_gap_sentences, config.max_source_jump_sentences
            )
        ):
            joined = _Cluster(out[last].seeds + c.seeds)
            convincing.add(id(joined))
            out[last:] = [joined]
        else:
            out.append(c)
            last = len(out) - 1
    return out


def _derived_chars(c: _Cluster, b: Fingerprint) -> int:
    j0, j1 = c.j_range
    return int(b.sentence_spans[j1, 1] - b.sentence_spans[j0, 0])


def _copied(c: _Cluster) -> bool:
    return bool(np.mean([s[2] for s in c.seeds]) >= 0.9)


def _resolve_derived_overlaps(clusters: list[_Cluster]) -> list[_Cluster]:
    """Derived ranges must not overlap: the heavier cluster keeps contested sentences."""
    kept: list[_Cluster] = []
    for c in sorted(clusters, key=lambda c: -c.weight):
        taken = [k.j_range for k in kept]
        seeds = [s for s in c.seeds if not any(lo <= s[1] <= hi for lo, hi in taken)]
        if not seeds:
            continue
        cand = _Cluster(seeds)
        lo, hi = cand.j_range
        if any(not (hi < klo or lo > khi) for klo, khi in taken):
            # Interleaved with a heavier passage: keep only the part before it.
            limit = min(klo for klo, khi in taken if klo > lo)
            seeds = [s for s in seeds if s[1] < limit]
            if not seeds:
                continue
            cand = _Cluster(seeds)
        kept.append(cand)
    return sorted(kept, key=lambda c: c.j_range)


def best_counterparts(links: list[tuple[int, int, float]]) -> dict[int, tuple[float, int]]:
    """Each derived sentence's strongest link: derived sentence → (strength, source)."""
    best: dict[int, tuple[float, int]] = {}
    for i, j, w in links:
        if j not in best or w > best[j][0]:
            best[j] = (w, i)
    return best


def core_source_range(links: list[tuple[int, int, float]]) -> tuple[int, int]:
    """Source sentences a group of links stands for.

    Each derived sentence's best link marks the core; weaker links count only where
    they touch it, so a distant source sentence that merely says something similar
    (a paraphrase of the same quotation elsewhere in the source) does not stretch
    the passage over everything in between.
    """
    best = best_counterparts(links)
    lo = min(i for _, i in best.values())
    hi = max(i for _, i in best.values())
    for i in sorted({i for i, _, _ in links}):
        if lo - 1 <= i <= hi + 1:
            lo, hi = min(lo, i), max(hi, i)
    return lo, hi


def _merge_summaries(
    clusters: list[_Cluster],
    a: Fingerprint,
    b: Fingerprint,
    config: AlignConfig,
    convincing: set[int],
    long_copies: set[int],
) -> list[_Cluster]:
    """Join consecutive passages that together condense a much longer source stretch.

    A summary takes a sentence from here and a clause from there: its pieces sit next to
    each other in the derived text but far apart in the source, so the forward-chaining
    of ``_cluster`` leaves them apart. When a run of adjacent pieces (two of them
    ``convincing`` on their own) is less than ``summary_ratio`` as long as the source
    stretch it draws on, and that stretch is a good part of the source, it is one
    passage: a summary of that stretch — of the whole document when it draws on most of
    it (the adaptive summary mode of Sanchez-Perez et al. 2015).
    """
    out: list[_Cluster] = []
    run: list[_Cluster] = []
    for c in [*clusters, None]:
        if (
            c is not None
            and run
            and c.j_range[0] - run[-1].j_range[1] <= (config.summary_gap_sentences + 1)
            and id(c) not in long_copies
            and id(run[-1]) not in long_copies
        ):
            run.append(c)
            continue
        n_convincing = sum(id(x) in convincing for x in run)
        if n_convincing >= 1:
            # A lone passage is judged on its core: a stray link does not make it condense.
            i0, i1 = (
                core_source_range(run[0].seeds)
                if n_convincing == 1
                else (min(x.i_range[0] for x in run), max(x.i_range[1] for x in run))
            )
            j0, j1 = run[0].j_range[0], run[-1].j_range[1]
            derived_chars = b.sentence_spans[j1, 1] - b.sentence_spans[j0, 0]
            source_chars = a.sentence_spans[i1, 1] - a.sentence_spans[i0, 0]
            body_chars = a.sentence_spans[-1, 1] - a.sentence_spans[0, 0]
            if n_convincing >= 2:
                ratio = config.summary_ratio
            elif len(run) == 1 and j1 - j0 + 1 >= config.summary_min_sentences:
                ratio = config.summary_alone_ratio
            else:
                ratio = 0.0  # one passage and chance resemblances beside it
            if (
                derived_chars < ratio * source_chars
                and source_chars >= config.summary_min_source_share * body_chars
            ):
                # Pieces that retell the same stretch are one rewritten passage cut in
                # two (weak pieces between them count where they draw on that stretch);
                # only pieces taken from here and there make a summary.
                gap = config.max_gap_sentences
                if _apart(run, convincing, gap):
                    # Rewritten passages set side by side are a mosaic, not a summary.
                    if sum(_standalone(x, a, b) for x in run if id(x) in convincing) < 2:
                        run = [_Cluster([s for x in run for s in x.seeds], summary=True)]
                else:
                    cores = [core_source_range(x.seeds) for x in run if id(x) in convincing]
                    lo, hi = min(c[0] for c in cores) - gap, max(c[1] for c in cores) + gap
                    run = [
                        _Cluster(
                            [
                                s
                                for x in run
                                for s in x.seeds
                                if id(x) in convincing or lo <= s[0] <= hi
                            ]
                        )
                    ]
        out.extend(run)
        run = [c] if c is not None else []
    return out


def _apart(run: list[_Cluster], convincing: set[int], gap: int) -> bool:
    """Whether the convincing pieces of a run draw on separate places in the source
    (more than ``gap`` sentences apart)."""
    ranges = sorted(core_source_range(c.seeds) for c in run if id(c) in convincing)
    return all(nxt[0] > prev[1] + gap for prev, nxt in pairwise(ranges))


def _standalone(c: _Cluster, a: Fingerprint, b: Fingerprint) -> bool:
    """A long passage that retells its source stretch at its own length is a rewrite
    in its own right, never part of a summary. (Sentences cut from a longer stretch
    of the source condense it: an extractive summary keeps some and drops the rest.)"""
    derived_chars = _derived_chars(c, b)
    if derived_chars < 300:
        return False
    i0, i1 = core_source_range(c.seeds)
    return bool(a.sentence_spans[i1, 1] - a.sentence_spans[i0, 0] <= 1.5 * derived_chars)


def _long_copy(
    c: _Cluster, a: Fingerprint, b: Fingerprint, sim: SentenceSimilarity, copies: Copies
) -> bool:
    """A long piece copied nearly word for word is a copy, never part of a summary.

    Judged on the words of whole sentences (or on verbatim runs covering them, when the
    two texts cut the copy into sentences differently), not on seed strength: a sentence
    that merely contains a copied quotation is seeded as a copy but is not one.
    """
    if not _standalone(c, a, b):
        return False
    j0, j1 = c.j_range
    t0, t1 = int(b.sentence_tokens[j0, 0]), int(b.sentence_tokens[j1, 1])
    covered = float(copies.copied[t0:t1].mean()) if t1 > t0 else 0.0
    return covered >= 0.8 or _wording(c, sim) >= 0.8


def _wording(c: _Cluster, sim: SentenceSimilarity) -> float:
    """Mean lexical similarity of a passage's sentence pairs."""
    return float(np.mean([max(sim.cosine[i, j], sim.dice[i, j]) for i, j, _ in c.seeds]))


def _to_match(
    c: _Cluster, a: Fingerprint, b: Fingerprint, sim: SentenceSimilarity, config: AlignConfig
) -> Match:
    i0, i1 = c.i_range if c.summary else core_source_range(c.seeds)
    if c.summary:
        # A summary that draws on most of a document summarises all of it.
        body = a.sentence_spans[-1, 1] - a.sentence_spans[0, 0]
        if a.sentence_spans[i1, 1] - a.sentence_spans[i0, 0] >= config.summary_whole_share * body:
            i0, i1 = 0, a.n_sentences - 1
    j0, j1 = c.j_range
    va = np.asarray(sim.weights_a[i0 : i1 + 1].sum(axis=0), dtype=np.float32).ravel()
    vb = np.asarray(sim.weights_b[j0 : j1 + 1].sum(axis=0), dtype=np.float32).ravel()
    norm = float(np.linalg.norm(va) * np.linalg.norm(vb))
    fragment_cos = float(va @ vb) / norm if norm > 0 else 0.0
    score = max(fragment_cos, float(np.mean([s[2] for s in c.seeds])))
    ta = (int(a.sentence_tokens[i0, 0]), int(a.sentence_tokens[i1, 1]))
    tb = (int(b.sentence_tokens[j0, 0]), int(b.sentence_tokens[j1, 1]))
    return Match(
        source_sentences=(i0, i1),
        derived_sentences=(j0, j1),
        source_span=a.span_of_sentences(i0, i1),
        derived_span=b.span_of_sentences(j0, j1),
        score=min(score, 1.0),
        links=tuple(sorted(c.seeds, key=lambda s: (s[1], s[0]))),
        shared_phrases=shared_phrase_share(a, ta, b, tb),
        distinctiveness=_distinctiveness(sim, j0, j1),
        summary=c.summary,
        order=_order(c.seeds),
    )


def _order(seeds: list[tuple[int, int, float]]) -> float:
    """Share of steps from one derived sentence to the next that move forward (by at most
    two sentences) in the source too.

    Topical resemblance picks counterparts all over the source; a rewrite keeps most of
    its source's order. Passages of fewer than three derived sentences say nothing.
    """
    best = best_counterparts(seeds)
    counterparts = [best[j][1] for j in sorted(best)]
    if len(counterparts) < 3:
        return 0.0
    steps = np.diff(counterparts)
    return float(np.mean((steps >= 0) & (steps <= 2)))


def _distinctiveness(sim: SentenceSimilarity, j0: int, j1: int) -> float:
    """How much better each derived sentence matches its best source sentence than its next.

    A ratio test, as in image-feature matching (Lowe 2004): a rewritten sentence has
    one clear counterpart, while a sentence on the same topic resembles several.
    """
    lexical = np.maximum(sim.cosine[:, j0 : j1 + 1], sim.dice[:, j0 : j1 + 1])
    if lexical.shape[0] < 2:
        return float(lexical.max(initial=0.0))
    top2 = -np.partition(-lexical, 1, axis=0)[:2]
    return float(np.mean(top2[0] - top2[1]))


def shared_phrase_share(
    a: Fingerprint, a_tokens: tuple[int, int], b: Fingerprint, b_tokens: tuple[int, int], n: int = 3
) -> float:
    """Share of the derived fragment's word n-grams (with a content word) found in the source.

    Texts on the same topic say similar things in their own words and share almost no
    phrases; copied text, even spun, keeps some ("in violation of", "has been forcing").
    """
    wa, ca = a.words[a_tokens[0] : a_tokens[1]], a.content[a_tokens[0] : a_tokens[1]]
    wb, cb = b.words[b_tokens[0] : b_tokens[1]], b.content[b_tokens[0] : b_tokens[1]]
    grams_a = {tuple(wa[k : k + n]) for k in range(len(wa) - n + 1) if ca[k : k + n].any()}
    grams_b = [tuple(wb[k : k + n]) for k in range(len(wb) - n + 1) if cb[k : k + n].any()]
    if not grams_b:
        return 0.0
    return sum(g in grams_a for g in grams_b) / len(grams_b)
