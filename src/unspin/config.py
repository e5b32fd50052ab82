"""All tunable settings, in one typed object with documented defaults.

Library functions take a ``Config`` (or build the default); no stage hides its own
literals. Thresholds were tuned on the seed pair, Clough & Stevenson and the PAN 2013
training corpus, and deliberately left round to avoid fitting one corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ConfigError


@dataclass(frozen=True, slots=True)
class IngestConfig:
    """How inputs are read."""

    #: Larger files are refused before they are read: no news article is this long.
    max_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class EmbedConfig:
    """The sentence-embedding model (optional: unspin falls back to lexical evidence)."""

    enabled: bool = True
    #: "static" (fast distilled MiniLM, default) or "minilm-l3" (paraphrase-MiniLM-L3-v2 ONNX).
    model: str = "static"
    batch_size: int = 64


@dataclass(frozen=True, slots=True)
class SemanticThresholds:
    """Embedding-cosine thresholds for one model: each model has its own cosine scale.

    Calibrated on sentence pairs of Clough & Stevenson answers written independently
    from the same Wikipedia article (same topic, no reuse): ``strong`` sits above the
    90th percentile of their best-match cosines, ``weak`` near the 75th, and needs
    lexical support too.
    """

    #: A sentence pair above this seeds a passage (given one shared content word).
    strong: float
    #: Above this, a pair seeds when it also shares ``AlignConfig.seed_dice_weak`` Dice.
    weak: float
    #: Above this, a pair of quotations seeds when it also shares ``AlignConfig.seed_dice``.
    corroborated: float
    #: A sentence next to a passage joins it above this (with some lexical support).
    extend: float
    #: Sentences in order with their best counterparts above this form a chain seed
    #: (see ``AlignConfig.chain_min_sentences``).
    chain: float


def _default_semantic() -> dict[str, SemanticThresholds]:
    return {
        "static": SemanticThresholds(
            strong=0.88, weak=0.76, corroborated=0.66, extend=0.66, chain=0.55
        ),
        "minilm-l3": SemanticThresholds(
            strong=0.80, weak=0.64, corroborated=0.55, extend=0.55, chain=0.45
        ),
    }


@dataclass(frozen=True, slots=True)
class AlignConfig:
    """Seeding, extension and filtering of passages (after Sanchez-Perez et al. 2014)."""

    #: Word n-grams of this length anchor verbatim copies, whatever the sentence boundaries.
    min_run_tokens: int = 5
    #: A copied run of at least this many words seeds a passage (shorter shared phrases
    #: are the language's, not a copy's).
    min_copy_tokens: int = 12
    #: Sentence-pair seed: lexical cosine (tf-isf) and Dice of content stems both above these.
    seed_cosine: float = 0.30
    seed_dice: float = 0.30
    #: Embedding thresholds per model name (see ``SemanticThresholds``).
    semantic: dict[str, SemanticThresholds] = field(default_factory=_default_semantic)
    #: Lexical Dice that must back a ``weak`` semantic seed or an extension.
    seed_dice_weak: float = 0.2
    #: This many derived sentences in a row whose best source counterparts also follow
    #: each other seed together, each on weak evidence (``SemanticThresholds.chain`` and
    #: ``chain_lexical``): one sentence resembling another is chance, a run in the same
    #: order is a rewrite.
    chain_min_sentences: int = 3
    chain_lexical: float = 0.15
    #: Larger documents are refused rather than compared: sentence-by-sentence matrices
    #: of this many cells take about 2 GB (split such texts, or index them as a corpus).
    max_sentence_pairs: int = 50_000_000
    #: Per derived sentence, seeds weaker than its best seed by more than this are dropped.
    seed_margin: float = 0.2
    #: Seeds this many sentences apart (on both sides) may join one passage.
    max_gap_sentences: int = 3
    #: A paragraph of more sentences than this is a page without line breaks, not a unit
    #: that may be reordered whole: seeds in it join only within ``max_gap_sentences``.
    max_paragraph_sentences: int = 12
    #: Two rewritten passages that touch in one derived paragraph (at most one sentence
    #: between them) are one when their sources are at most this many sentences apart:
    #: a rewrite that drops a few source sentences is still one passage.
    max_source_jump_sentences: int = 6
    #: Adjacent passages (this many sentences apart at most) that together are shorter than
    #: ``summary_ratio`` times the source stretch they draw on are one summary passage.
    summary_gap_sentences: int = 2
    summary_ratio: float = 0.5
    #: ... when the stretch they draw on covers at least this share of the source.
    summary_min_source_share: float = 0.25
    #: One convincing passage of at least ``summary_min_sentences`` derived sentences is
    #: a summary on its own when it is shorter than this times the source stretch it
    #: draws on: sentences each condensing a paragraph (two of them are needed at
    #: ``summary_ratio``, where a piece's own stretch may be padded by a stray link).
    summary_alone_ratio: float = 0.33
    summary_min_sentences: int = 3
    #: A summary drawing on at least this share of the source summarises all of it
    #: (as PAN annotates summaries: the whole source document).
    summary_whole_share: float = 0.2
    #: A passage's first or last sentence sharing less than this (stem cosine or Dice)
    #: with its source counterpart is dropped: only the topic carries it.
    min_edge_lexical: float = 0.15
    #: ... or less than this share of the mean of its other sentences: a sentence at the
    #: edge of a copy that keeps a third of its words is not part of the copy.
    min_edge_share: float = 0.35
    #: A passage reported on its own is at least this long on both sides (characters):
    #: about a dozen words, under which a shared run is a phrase, a title or a menu,
    #: not a passage (Turnitin-style reports let users exclude matches of fewer than
    #: 8–14 words) ...
    min_passage_chars: int = 80
    #: ... unless both sides are quotations, whose words are reuse however short; and a
    #: shorter piece may still be part of a summary. Nothing shorter than this counts.
    min_quotation_chars: int = 40
    #: A passage's whole-fragment similarity must reach this to be kept.
    min_fragment_similarity: float = 0.35
    #: ... and its similarity + share of shared phrases + distinctiveness (margin of the best
    #: source match over the next) must reach this: a passage close in meaning that shares
    #: no phrase and resembles several source sentences alike is more likely the same topic
    #: told independently (Clough & Stevenson's "non" answers) than a rewrite.
    min_passage_evidence: float = 0.8
    #: ... or this, in a pair that also shares a verbatim run of ``copier_min_tokens``
    #: words or more, for a passage that is not a copy (see ``align.align``).
    min_evidence_beside_copies: float = 1.0
    copier_min_tokens: int = 40
    #: Weight in that sum of the passage's sentence order agreeing with its source's.
    order_weight: float = 0.1
    #: A passage with at least this many figures (numbers) on each side, fewer than
    #: ``template_figure_share`` of the derived ones recurring in its source text, is a
    #: template filled in with other figures (an earnings table), not reuse.
    template_min_figures: int = 4
    template_figure_share: float = 0.25
    #: Passages shorter than this (characters, either side) need ``min_short_passage_evidence``.
    short_passage_chars: int = 150
    min_short_passage_evidence: float = 1.2


@dataclass(frozen=True, slots=True)
class ClassifyConfig:
    """Thresholds that name the kind of a passage."""

    #: Share of derived tokens equal to the source, in order, for "verbatim".
    verbatim: float = 0.97
    #: ... and for "near-verbatim"; below it a passage is a paraphrase.
    near_verbatim: float = 0.80
    #: A passage edge of at least this many words, no content word of which occurs on the
    #: other side, is cut off: the sentence was taken whole, those words were not reused.
    min_unmatched_edge_tokens: int = 12
    #: Share of a passage's characters inside quotation marks for it to count as a quotation.
    quoted_share: float = 0.6


@dataclass(frozen=True, slots=True)
class ProvenanceConfig:
    """Derivation levels (METER: wholly / partially / none), from derived coverage."""

    wholly: float = 0.6
    partially: float = 0.05


@dataclass(frozen=True, slots=True)
class IndexConfig:
    """What the corpus index stores for each document (``unspin index add``)."""

    #: Content-stem n-grams posted per document (stopwords and numbers left out first).
    shingle_n: int = 3
    #: MinHash LSH: ``bands`` keys of ``rows`` values each; with 16 x 4 two documents
    #: become candidates with probability 0.5 at Jaccard 0.5 and 0.99 at 0.8.
    minhash_bands: int = 16
    minhash_rows: int = 4
    #: Documents are written in transactions of this many: an interrupted run loses at
    #: most one batch, which the next run redoes.
    batch_documents: int = 256
    #: DuckDB's memory budget per connection (its default is 80 % of the machine): joins
    #: past it spill to disk instead of crowding out the aligning workers.
    duckdb_memory: str = "1GB"


@dataclass(frozen=True, slots=True)
class CandidateConfig:
    """Which document pairs of a corpus are aligned (``unspin scan`` and ``unspin check``)."""

    #: An n-gram in more documents than this is the language's or the beat's, not a
    #: copy's: it is cut before the postings join, which keeps the join near-linear
    #: (passim's ``--maxDF`` is 100 too).
    max_df: int = 100
    #: A pair sharing at least this many rare n-grams is a candidate (a copied sentence
    #: shares a dozen; a spun passage keeps three or more of the runs its spinner left).
    min_shared: int = 3
    #: ... and with this many it is aligned without first checking that some sentence
    #: pair comes close in meaning (see ``candidates.semantic_look``).
    align_always: int = 6
    #: A rewritten passage shares at least this many rare n-grams with its source (see
    #: ``corpus.with_corpus_evidence``): formulas of the house style share none. Rare here
    #: is relative, in at most ``rare_df_share`` of the documents (at least
    #: ``rare_df_floor``, at most ``max_df``): a formula is as common in 500 stories as in
    #: 100,000, a story carried by a few outlets is not.
    min_rare_shared: int = 3
    rare_df_share: float = 0.01
    rare_df_floor: int = 5
    #: ... and keeps at least this share of its specifics (names and figures) when it
    #: has ``min_specifics`` of them: spinners swap common words and keep who, where and
    #: how much, while two stories of one beat tell the same kind of news about others.
    min_specifics_share: float = 0.6
    min_specifics: int = 4
    #: ... and, with ``min_figures`` figures, at least this share of them.
    min_figures_share: float = 0.5
    min_figures: int = 2
    #: ... and, when it is a single sentence, this similarity: one loosely reworded
    #: sentence is how two reporters tell the same announcement, not a copy.
    min_single_sentence_similarity: float = 0.75
    #: A MinHash bucket larger than this is a family of near-duplicates whose pairs the
    #: n-gram join already finds; expanding it would be quadratic.
    max_bucket: int = 200
    #: A candidate with fewer rare n-grams than ``min_shared`` (found by MinHash or by
    #: embedding alone) is aligned when this many sentence pairs reach the model's
    #: ``strong`` cosine (see ``candidates.semantic_look``).
    min_strong_sentences: int = 2
    #: Semantic recall: each document's nearest neighbours by mean sentence embedding,
    #: kept above this cosine (spun copies share few n-grams but keep their meaning).
    semantic_neighbours: int = 3
    semantic_min_cosine: float = 0.9
    #: The search multiplies blocks of this many mean vectors by as many at a time (16 MB
    #: of cosines); the Dask engine's tasks cut on the same boundaries, so both engines
    #: compute bit for bit the same cosines.
    semantic_block: int = 2048
    #: A sentence in at least this many documents (and at most ``boilerplate_max_words``
    #: words long) is boilerplate learned from the corpus: a masthead, byline or wire
    #: credit. Whole copied paragraphs are longer, so a story carried by many outlets
    #: is not mistaken for one.
    boilerplate_min_docs: int = 5
    boilerplate_max_words: int = 20
    #: A passage mostly (by derived characters) inside such boilerplate is not reuse.
    boilerplate_share: float = 0.5


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """The web app and HTTP API (``unspin serve``)."""

    #: Loopback only unless asked: the API adds documents and runs alignments.
    host: str = "127.0.0.1"
    port: int = 8000
    #: Write endpoints (``POST /api/documents``) need ``Authorization: Bearer <token>``
    #: when set; without one they are open (fine on loopback, not on a network).
    token: str | None = None
    #: Larger request bodies are answered 413 before they are read in full.
    max_request_bytes: int = 5 * 1024 * 1024
    #: Rows per page of the browse listings (a request may ask for up to ``max_per_page``).
    per_page: int = 50
    max_per_page: int = 500
    #: Origins allowed to call the API from a browser; none (CORS off) by default.
    cors_origins: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DaskConfig:
    """The Dask engine (``unspin scan --engine dask``)."""

    #: Loose files (text, HTML, JSON) indexed per task. A container (JSON Lines, CSV,
    #: Parquet, WARC) is one task whatever its size: split a crawl into files of some
    #: thousands of records, as crawls usually are.
    files_per_task: int = 256
    #: The embedding-neighbour search compares blocks of this many documents' mean
    #: vectors with blocks of as many (64 MB at 256 dimensions): no task holds them all.
    centroid_rows_per_task: int = 65536


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting of a run."""

    ingest: IngestConfig = field(default_factory=IngestConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    align: AlignConfig = field(default_factory=AlignConfig)
    classify: ClassifyConfig = field(default_factory=ClassifyConfig)
    provenance: ProvenanceConfig = field(default_factory=ProvenanceConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    dask: DaskConfig = field(default_factory=DaskConfig)

    def __post_init__(self) -> None:
        if not 0 < self.provenance.partially < self.provenance.wholly <= 1:
            raise ConfigError("provenance thresholds must satisfy 0 < partially < wholly <= 1")
        if not 0 < self.classify.near_verbatim < self.classify.verbatim <= 1:
            raise ConfigError("classify thresholds must satisfy 0 < near_verbatim < verbatim <= 1")
        if self.align.min_run_tokens < 2:
            raise ConfigError("align.min_run_tokens must be at least 2")
