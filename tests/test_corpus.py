"""The corpus library API: scan, provenance over a corpus, learned boilerplate, filters.

Small corpora are written into ``tmp_path`` from the seed pair and the hand-written texts
below (no Reuters needed), indexed and scanned without a model unless a test says so.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.config import CandidateConfig, Config, EmbedConfig
from unspin.corpus import corpus_provenance, index_paths, rare_limit, scan, subtract
from unspin.ingest import document_from_text, load_document
from unspin.pipeline import compare
from unspin.provenance import families, ledger
from unspin.records import Derivation, Direction, Document, Kind, PairReport, Passage

from .conftest import SEED_DERIVED, SEED_SOURCE

LEXICAL = Config(embed=EmbedConfig(enabled=False))

# -- hand-written texts shared with the other corpus tests --------------------------------

#: An original story, eight paragraphs.
A_PARAS = [
    "The old lighthouse on Brell Point will be restored over the next two summers, the "
    "Halden harbour board announced on Tuesday after a vote that ended months of argument "
    "about its future.",
    "Engineers found that the tower's iron lantern room had rusted through in three places "
    "and that water was seeping into the stone stairwell during every winter storm.",
    "The board approved a budget of four million crowns for the work, most of it drawn from "
    "a fund that the fishing cooperative set up after the great flood of 1953.",
    "Harbour master Ingrid Solberg said the lamp itself would be replaced by a modern lens "
    "that needs far less maintenance but throws the same beam across the strait.",
    "Local historians had campaigned for the original clockwork mechanism to stay in place, "
    "and the board agreed to keep it on display in the keeper's cottage below the tower.",
    "Work will start in May, when the weather calms, and the access road to the point will "
    "be closed to cars on weekdays until the scaffolding comes down in late autumn.",
    "Fishermen welcomed the decision, saying that the light remained the most reliable mark "
    "for boats returning through the reefs when fog rolls in from the open sea.",
    "The cottage museum will reopen to visitors next spring with a new exhibition about the "
    "families who kept the light burning for more than a century.",
]
B_OWN = [
    "Coastal towns across the western province are spending more on their maritime heritage "
    "this year, as tourism returns and old harbour buildings draw visitors again.",
    "Council leaders in the neighbouring villages said they were watching the project closely "
    "and hoped to apply for similar grants for their own piers and boathouses.",
]
C_OWN = [
    "Weekend sailors planning a trip to the northern strait should check the closures before "
    "setting out, the regional yacht club warned its members in a newsletter.",
    "The club also reminded skippers that the new mooring fees at Halden marina take effect "
    "next month and that winter storage must be booked before October ends.",
]
#: Unrelated stories, two paragraphs each.
UNRELATED = [
    "The city orchestra opened its season with a programme of Czech symphonies, and the "
    "conductor thanked the audience for filling the hall despite the heavy rain outside.\n\n"
    "Tickets for the spring concerts go on sale next week, with reduced prices for students "
    "and pensioners who register online.",
    "A new bakery on Market Street sold out of cardamom buns within two hours of opening on "
    "Saturday, its owner said, promising to bake twice as many next weekend.\n\n"
    "The owner trained in Copenhagen and plans to add sourdough rye bread and seasonal fruit "
    "tarts to the menu in the summer.",
    "Researchers at the agricultural college reported that winter wheat sown in late "
    "September yielded nearly a fifth more grain than fields planted in October.\n\n"
    "They advised farmers to watch soil temperatures closely, as an early frost can still "
    "damage young plants before they are established.",
    "The regional football final was postponed after floodlights failed at the stadium, "
    "leaving thousands of fans waiting in the stands for over an hour before the "
    "announcement.\n\nThe league said the match would be replayed on Wednesday evening and "
    "that all tickets would remain valid.",
    "Volunteers planted four hundred oak saplings along the river bank on Sunday as part of a "
    "project to slow erosion and give shade to the salmon spawning grounds.\n\n"
    "The river trust hopes to double the number next year if it can find enough volunteers "
    "and funding for the young trees.",
]
#: A one-sentence house line the per-document rules keep (it reads like prose), which
#: only the corpus shows to be boilerplate.
HOUSE_LINE = (
    "The Northgate Tribune is an independent newsroom serving the harbour towns of the "
    "western coast since 1921."
)


def join(paras: list[str]) -> str:
    return "\n\n".join(paras) + "\n"


TEXT_A = join(A_PARAS)
#: B copies paragraphs 1-4 of A, C paragraphs 3-6: B and C share paragraphs 3-4.
TEXT_B = join([B_OWN[0], *A_PARAS[0:4], B_OWN[1]])
TEXT_C = join([C_OWN[0], *A_PARAS[2:6], C_OWN[1]])


def dated(day: str, text: str) -> str:
    return f"date {day}\n{text}"


def write_unrelated(folder: Path, *, suffix: str = "") -> None:
    for i, text in enumerate(UNRELATED):
        (folder / f"u{i}.txt").write_text(dated(f"2024-02-1{i}", text + suffix), encoding="utf-8")


def seed_folder(folder: Path) -> Path:
    """The seed pair and the unrelated stories in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_SOURCE, folder / SEED_SOURCE.name)
    shutil.copy(SEED_DERIVED, folder / SEED_DERIVED.name)
    write_unrelated(folder)
    return folder


def name(doc_id: str) -> str:
    return Path(doc_id).name


# -- scan ---------------------------------------------------------------------------------


def test_scan_of_the_seed_pair_finds_one_dated_pair_and_its_ledger(tmp_path: Path) -> None:
    folder = seed_folder(tmp_path / "docs")
    db = tmp_path / "i.db"
    summary = index_paths([folder], db, config=LEXICAL)
    assert summary.added == 2 + len(UNRELATED)
    result = scan(db, config=LEXICAL)
    assert result.documents == 2 + len(UNRELATED)
    (pair,) = result.pairs
    assert name(pair.source.id) == SEED_SOURCE.name
    assert name(pair.derived.id) == SEED_DERIVED.name
    assert pair.direction.method == "date"
    assert pair.source.date == dt.date(2021, 7, 6)
    assert pair.derived_coverage > 0.2
    # The ledger of the derived document holds its one source, for its whole coverage.
    assert set(result.ledgers) == {pair.derived.id}
    led = result.ledgers[pair.derived.id]
    assert [e.source for e in led.entries] == [pair.source.id]
    assert led.borrowed_share == pytest.approx(pair.derived_coverage, abs=1e-3)
    assert led.original_share == pytest.approx(1 - pair.derived_coverage, abs=1e-3)
    assert result.families == {pair.source.id: 1, pair.derived.id: 1}
    assert result.siblings == {}


def _siblings_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(dated("2024-03-01", TEXT_A), encoding="utf-8")
    (folder / "b.txt").write_text(dated("2024-03-03", TEXT_B), encoding="utf-8")
    (folder / "c.txt").write_text(dated("2024-03-05", TEXT_C), encoding="utf-8")
    write_unrelated(folder)
    return folder


def test_two_copies_of_one_story_are_siblings_not_copier_and_copied(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    index_paths([_siblings_folder(tmp_path / "docs")], db, config=LEXICAL)
    result = scan(db, config=LEXICAL)
    by_names = {(name(p.source.id), name(p.derived.id)): p for p in result.pairs}
    assert set(by_names) == {("a.txt", "b.txt"), ("a.txt", "c.txt"), ("b.txt", "c.txt")}
    assert by_names["a.txt", "b.txt"].direction.method == "date"
    assert by_names["a.txt", "c.txt"].direction.method == "date"
    sibling = by_names["b.txt", "c.txt"]
    assert sibling.direction.method == "common-source"
    assert "a.txt" in sibling.direction.reason
    assert {(name(b), name(c)): name(a) for (b, c), a in result.siblings.items()} == {
        ("b.txt", "c.txt"): "a.txt"
    }
    # C's borrowed text is A's, none of it B's; B's too.
    ledgers = {name(k): v for k, v in result.ledgers.items()}
    assert set(ledgers) == {"b.txt", "c.txt"}
    for doc in ("b.txt", "c.txt"):
        assert [name(e.source) for e in ledgers[doc].entries] == ["a.txt"]
        assert ledgers[doc].borrowed_share > 0.5
    # One family, numbered from 1; the unrelated stories have none.
    assert {name(k): v for k, v in result.families.items()} == {
        "a.txt": 1,
        "b.txt": 1,
        "c.txt": 1,
    }


def _report(
    source: Document, derived: Document, spans: list[tuple[int, int]], sim: float = 0.9
) -> PairReport:
    passages = tuple(Passage(s, s, Kind.VERBATIM, sim) for s in spans)
    return PairReport(
        source, derived, Direction("date", 0.95, "test"), Derivation.PARTIALLY, 0.5, 0.5, passages
    )


def test_corpus_provenance_does_not_depend_on_the_order_of_reports(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    index_paths([_siblings_folder(tmp_path / "docs")], db, config=LEXICAL)
    reports = scan(db, config=LEXICAL).pairs
    base = corpus_provenance(list(reports), config=LEXICAL)
    for seed in range(3):
        shuffled = list(reports)
        random.Random(seed).shuffle(shuffled)
        again = corpus_provenance(shuffled, config=LEXICAL)
        assert again.families == base.families
        assert again.siblings == base.siblings
        assert again.ledgers == base.ledgers
        assert [(p.source.id, p.derived.id) for p in again.pairs] == [
            (p.source.id, p.derived.id) for p in base.pairs
        ]


def test_families_are_numbered_by_first_member_whatever_the_edge_order() -> None:
    ids = ["a", "b", "c", "d", "e", "f"]
    edges = [("e", "d"), ("b", "a"), ("f", "e")]
    expected = {"a": 1, "b": 1, "d": 2, "e": 2, "f": 2}
    for seed in range(5):
        shuffled = list(edges)
        random.Random(seed).shuffle(shuffled)
        flipped = [(b, a) if seed % 2 else (a, b) for a, b in shuffled]
        assert families(ids, flipped) == expected
    # The numbering follows the order of ``ids``; "c", with no reuse, gets none.
    assert families(["f", "a", "b", "c", "d", "e"], edges) == {
        "f": 1,
        "a": 2,
        "b": 2,
        "d": 1,
        "e": 1,
    }
    assert families(ids, []) == {}


def test_ledger_gives_a_character_reused_twice_to_the_earlier_source() -> None:
    derived = Document("d", "x" * 100, date=dt.date(2024, 3, 1), body=((0, 100),))
    late = Document("late", "y" * 100, date=dt.date(2024, 1, 1))
    early = Document("early", "z" * 100, date=dt.date(2023, 12, 1))
    undated = Document("undated", "w" * 100)
    reports = [
        _report(late, derived, [(10, 60)]),
        _report(early, derived, [(40, 90)]),
        _report(undated, derived, [(0, 20), (85, 95)]),
    ]
    for order in (reports, reports[::-1]):
        led = ledger(derived, order)
        chars = {e.source: e.chars for e in led.entries}
        # early (dated first) takes 40-90, late what is left of 10-60, the undated the rest.
        assert chars == {"early": 50, "late": 30, "undated": 10 + 5}
        assert led.borrowed_chars == 95 and led.body_chars == 100
        assert sum(e.share for e in led.entries) == pytest.approx(led.borrowed_share)
        assert led.borrowed_share == pytest.approx(0.95)
        assert [e.source for e in led.entries] == ["early", "late", "undated"]


def test_ledger_counts_body_characters_only() -> None:
    derived = Document("d", "x" * 100, body=((0, 40), (60, 100)))
    src = Document("s", "y" * 100, date=dt.date(2024, 1, 1))
    led = ledger(derived, [_report(src, derived, [(30, 70)])])
    assert led.body_chars == 80
    assert led.borrowed_chars == 20  # 30-40 and 60-70
    assert led.to_dict()["borrowed_share"] == 0.25


# -- learned boilerplate ------------------------------------------------------------------


def _house_folder(folder: Path, with_line: int) -> Path:
    """A and B (B copying A) and the unrelated stories, ``with_line`` of them (and A and
    B) ending with the house line."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(dated("2024-03-01", f"{TEXT_A}\n{HOUSE_LINE}\n"), "utf-8")
    (folder / "b.txt").write_text(dated("2024-03-03", f"{TEXT_B}\n{HOUSE_LINE}\n"), "utf-8")
    for i, text in enumerate(UNRELATED):
        tail = f"\n\n{HOUSE_LINE}\n" if i < with_line else ""
        (folder / f"u{i}.txt").write_text(dated(f"2024-02-1{i}", text + tail), "utf-8")
    return folder


def test_a_line_in_five_documents_is_boilerplate_kept_out_of_reuse(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    index_paths([_house_folder(tmp_path / "docs", with_line=3)], db, config=LEXICAL)
    result = scan(db, config=LEXICAL)
    (pair,) = result.pairs  # the unrelated stories share only the line: no pair
    assert (name(pair.source.id), name(pair.derived.id)) == ("a.txt", "b.txt")
    for doc, side in ((pair.source, "source_span"), (pair.derived, "derived_span")):
        start = doc.text.index(HOUSE_LINE)
        end = start + len(HOUSE_LINE)
        for p in pair.passages:
            s, e = getattr(p, side)
            assert e <= start or s >= end, f"passage {s}-{e} takes in the house line"
        # ... and the line is not in the body the coverage is counted on.
        assert all(e <= start or s >= end for s, e in doc.body if e > s)
    # Coverage: the copied paragraphs over the body without the line.
    der = pair.derived
    copied = sum(len(p) for p in A_PARAS[0:4])
    assert pair.derived_coverage == pytest.approx(copied / der.body_chars, abs=0.05)
    led = result.ledgers[der.id]
    assert led.body_chars == der.body_chars
    assert led.borrowed_share == pytest.approx(pair.derived_coverage, abs=1e-3)


def test_a_line_in_three_documents_is_not_learned(tmp_path: Path) -> None:
    # The counterpart of the test above: below five documents the line is still text,
    # so the stories that share only it are reported (the filter above did the work).
    db = tmp_path / "i.db"
    index_paths([_house_folder(tmp_path / "docs", with_line=1)], db, config=LEXICAL)
    found = {(name(p.source.id), name(p.derived.id)) for p in scan(db, config=LEXICAL).pairs}
    assert ("a.txt", "b.txt") in found
    assert any("u0.txt" in pair for pair in found)


# -- subtract -----------------------------------------------------------------------------


@st.composite
def _body_and_cuts(draw: st.DrawFn) -> tuple[tuple[tuple[int, int], ...], list[tuple[int, int]]]:
    points = sorted(set(draw(st.lists(st.integers(0, 300), min_size=2, max_size=12))))
    if len(points) % 2:
        points = points[:-1]
    body = tuple((points[i], points[i + 1]) for i in range(0, len(points), 2))
    cuts = draw(
        st.lists(
            st.tuples(st.integers(0, 320), st.integers(0, 60)).map(lambda t: (t[0], t[0] + t[1])),
            max_size=8,
        )
    )
    return body, cuts


def _chars(spans: object) -> set[int]:
    return {i for s, e in spans for i in range(s, e)}  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(_body_and_cuts())
def test_subtract_leaves_the_body_outside_the_spans(
    case: tuple[tuple[tuple[int, int], ...], list[tuple[int, int]]],
) -> None:
    body, cuts = case
    out = subtract(body, cuts)
    assert list(out) == sorted(out)
    for (_, e1), (s2, _) in itertools.pairwise(out):
        assert e1 <= s2  # disjoint
    for s, e in out:
        assert s <= e
        assert any(bs <= s and e <= be for bs, be in body)  # inside the body
    kept = _chars(out)
    assert not kept & _chars(cuts)  # disjoint from the spans
    assert kept | (_chars(body) & _chars(cuts)) == _chars(body)  # with them, the whole body
    if not kept and body:
        # Nothing left: an empty span, which ``Document`` does not read as "all of it".
        assert out == ((body[0][0], body[0][0]),)


def test_subtract_examples() -> None:
    assert subtract(((0, 10), (20, 30)), [(5, 25)]) == ((0, 5), (25, 30))
    assert subtract(((0, 10),), [(8, 12), (2, 4)]) == ((0, 2), (4, 8))
    assert subtract(((3, 10),), [(0, 50)]) == ((3, 3),)
    assert subtract((), [(0, 5)]) == ()


def test_rare_limit_is_relative_between_floor_and_max_df() -> None:
    config = CandidateConfig()
    assert rare_limit(0, config) == config.rare_df_floor
    assert rare_limit(2_000, config) == 20
    assert rare_limit(10_000_000, config) == config.max_df


# -- the template filter ------------------------------------------------------------------

_TEMPLATE = (
    "{co} said first quarter net profit rose to {a} mln dlrs from {c} mln dlrs. "
    "Revenues were {e} mln dlrs against {f} mln dlrs. "
    "Operating profit was {g} mln dlrs versus {h} mln dlrs. "
    "Earnings per share rose to {b} dlrs from {d} cts.\n\n"
    "Shr {b} dlrs vs {d} cts\nNet {a} mln vs {c} mln\nRevs {e} mln vs {f} mln\n"
)
_HALDEN = dict(
    co="Halden Shipping Corp", a="12.5", b="1.23", c="10.1", d="98", e="250.3", f="231.7",
    g="20.4", h="18.2",
)  # fmt: skip
_BRELL = dict(
    co="Brell Mining Inc", a="44.7", b="2.61", c="39.8", d="87", e="812.9", f="760.4",
    g="61.3", h="55.0",
)  # fmt: skip


@pytest.mark.parametrize("use_model", [False, True], ids=["lexical", "static"])
def test_one_earnings_template_with_other_figures_is_not_reuse(use_model: bool) -> None:
    first = document_from_text(dated("1987-03-02", _TEMPLATE.format(**_HALDEN)), id="halden")
    other = document_from_text(dated("1987-03-04", _TEMPLATE.format(**_BRELL)), id="brell")
    assert compare(first, other, use_model=use_model).pairs == ()
    # The same wording with the same figures is a copy: the filter looks at the figures.
    same = document_from_text(
        dated("1987-03-04", _TEMPLATE.format(**{**_HALDEN, "co": _BRELL["co"]})), id="copy"
    )
    (pair,) = compare(first, same, use_model=use_model).pairs
    assert pair.source.id == "halden" and pair.derived_coverage > 0.8


def test_specifics_are_names_and_figures_not_calendar_or_company_words() -> None:
    from unspin.corpus import specifics, specifics_kept

    text = "Atcor Inc said on Monday it cut its dividend to 12 cts from 15 cts, the U.S. firm said."
    assert specifics(text) == {"Atcor", "12", "15", "U.S"}
    config = CandidateConfig()
    spun = "Atcor Inc stated on Monday it slashed its payout to 12 cts from 15, the U.S. firm said."
    other = "Alden Corp said on Monday it raised its payout to 20 cts from 18, the U.K. firm said."
    assert specifics_kept(text, spun, config)
    assert not specifics_kept(text, other, config)
    # Too few specifics to judge by: kept.
    assert specifics_kept(text, "It said so on Monday.", config)
    # Same names, new figures: the same formula reporting other facts (Reuters 1184 and
    # 14145 tell the Bureau's copper and aluminium stocks in one sentence shape).
    copper = (
        "Total copper stocks held by U.S. rod mills and refiners dropped to 155,467,000 lbs "
        "at the end of January from 203,513,000 lbs at the end of December, the American "
        "Bureau of Metal Statistics said."
    )
    aluminium = (
        "Total U.S. aluminum stocks held by producers and smelters rose to 2,470,000 short "
        "tons in December from 2,451,000 short tons in November, American Bureau Metal "
        "Statistics said."
    )
    assert not specifics_kept(copper, aluminium, config)
    respun = copper.replace("dropped", "fell").replace("refiners", "purifiers")
    assert specifics_kept(copper, respun, config)


def test_scan_aligns_dated_pairs_one_way_with_the_same_passages_as_compare(tmp_path: Path) -> None:
    from unspin.pipeline import compare, compare_prepared, prepare

    source = load_document(SEED_SOURCE)
    derived = replace(load_document(SEED_DERIVED), date=source.date + dt.timedelta(days=2))
    both = compare(derived, source, use_model=False)
    pa, pb = prepare(derived, None), prepare(source, None)
    one = compare_prepared(derived, source, pa, pb, config=LEXICAL, one_way_by_date=True)
    assert [p.source.id for p in one.pairs] == [source.id]
    assert [q.derived_span for q in one.pairs[0].passages] == [
        q.derived_span for q in both.pairs[0].passages
    ]
    assert one.pairs[0].direction.method == "date"


def test_a_corpus_template_is_boilerplate_but_a_word_for_word_filling_is_a_copy(
    tmp_path: Path,
) -> None:
    """Five companies' results in one house template: no pair between them; an exact
    republication of one of them is still reported, its template sentences included."""
    folder = tmp_path / "docs"
    folder.mkdir()
    fillings = [
        dict(co=f"{name} Corp", a=f"{10 + i}.5", b=f"1.{20 + i}", c=f"{9 + i}.1", d=f"{80 + i}",
             e=f"{200 + 7 * i}.3", f=f"{190 + 5 * i}.7", g=f"{20 + i}.4", h=f"{18 + i}.2")
        for i, name in enumerate(["Halden", "Brell", "Corvo", "Dunmore", "Eskel", "Farrow"])
    ]  # fmt: skip
    for i, filling in enumerate(fillings):
        text = dated(f"1987-03-0{i + 1}", _TEMPLATE.format(**filling))
        (folder / f"{i}.txt").write_text(text, encoding="utf-8")
    original = (folder / "0.txt").read_text(encoding="utf-8")
    (folder / "copy.txt").write_text(original.replace("1987-03-01", "1987-03-09"), "utf-8")
    db = tmp_path / "i.db"
    index_paths([folder], db, config=LEXICAL)
    result = scan(db, config=LEXICAL)
    pairs = {(name(p.source.id), name(p.derived.id)) for p in result.pairs}
    assert pairs == {("0.txt", "copy.txt")}
    (pair,) = result.pairs
    assert pair.derived_coverage > 0.9


# Two Reuters stories on one company's meeting, a day apart (the later one an update):
# each tells the news in its own sentence.
_BECOR_1 = (
    "Becor Western Inc said its reconvened shareholders meeting has been adjourned to "
    "1000 CDT June 30. The company had previously announced plans to adjourn the meeting "
    "again after an offer from Lynch Corp."
)
_BECOR_2 = (
    "Becor Western Inc said no business will be transacted at the shareholders meeting "
    "scheduled for 1000 CDT tomorrow and the meeting will be permanently adjourned. Lynch "
    "Corp made a renewed offer for the company yesterday."
)


@pytest.mark.parametrize(
    ("sentences", "similarity", "kept"),
    [
        (1, 0.70, False),  # one loosely reworded sentence: the same news told twice
        (1, 0.80, True),  # one sentence kept close: a rewrite of it
        (2, 0.70, True),  # consecutive sentences reworded: a rewritten passage
    ],
)
def test_a_loose_single_sentence_rewrite_needs_a_close_wording(
    sentences: int, similarity: float, kept: bool
) -> None:
    import numpy as np

    from unspin.corpus import PassageEvidence, with_corpus_evidence
    from unspin.pipeline import pair_report

    first = document_from_text(dated("1987-06-01", _BECOR_1), id="becor-1")
    later = document_from_text(dated("1987-06-02", _BECOR_2), id="becor-2")
    end_a, end_b = first.text.index("June 30.") + 8, later.text.index("adjourned.") + 10
    passage = Passage(
        (first.body[0][0], end_a), (later.body[0][0], end_b), Kind.PARAPHRASE, similarity
    )
    how = Direction("date", 0.9, "becor-1 predates becor-2")
    pair = pair_report(first, later, [passage], how, config=LEXICAL)
    # Plenty of rare shared phrases: only the rule under test can drop it.
    rare = PassageEvidence(np.arange(10, dtype=np.uint64), sentences)
    df = dict.fromkeys(range(10), 1)
    result = with_corpus_evidence(pair, [rare], df, 5, config=LEXICAL)
    assert (result is not None) is kept


def test_a_loosely_reworded_quotation_is_judged_as_a_rewrite_unless_text_is_copied() -> None:
    import numpy as np

    from unspin.corpus import PassageEvidence, with_corpus_evidence
    from unspin.pipeline import pair_report

    first = document_from_text(dated("1987-06-01", _BECOR_1), id="becor-1")
    later = document_from_text(dated("1987-06-02", _BECOR_2), id="becor-2")
    end_a, end_b = first.text.index("June 30.") + 8, later.text.index("adjourned.") + 10
    quote = Passage((first.body[0][0], end_a), (later.body[0][0], end_b), Kind.ALTERED_QUOTE, 0.6)
    how = Direction("date", 0.9, "becor-1 predates becor-2")
    rare = PassageEvidence(np.arange(10, dtype=np.uint64), 1)
    df = dict.fromkeys(range(10), 1)
    alone = pair_report(first, later, [quote], how, config=LEXICAL)
    assert with_corpus_evidence(alone, [rare], df, 5, config=LEXICAL) is None
    # Beside a quotation shared word for word it is part of the same borrowing.
    shared = Passage(
        (end_a + 1, len(first.text)), (end_b + 1, len(later.text)), Kind.SHARED_QUOTE, 1.0
    )
    both = pair_report(first, later, [quote, shared], how, config=LEXICAL)
    kept = with_corpus_evidence(both, [rare, rare], df, 5, config=LEXICAL)
    assert kept is not None and len(kept.passages) == 2
