"""The PAN measures on hand-computed cases, PAN XML files, and ``unspin pan`` end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin.cli import app
from unspin.errors import InputError
from unspin.pan import (
    DETECTION_FEATURE,
    Annotation,
    Case,
    evaluate,
    granularity,
    macro_precision,
    macro_recall,
    measure,
    pair_xml_name,
    plagdet,
    read_pairs,
    read_pan_xml,
    write_detections,
    write_pan_xml,
)
from unspin.pan_cli import plan_chunks
from unspin.records import Kind, Passage

from .conftest import corpus

runner = CliRunner()


def ann(
    t_off: int, t_len: int, s_off: int, s_len: int, *, susp: str = "s", src: str = "r"
) -> Annotation:
    return Annotation(susp, t_off, t_len, src, s_off, s_len)


# --- the measures, by hand ------------------------------------------------------------


def test_perfect_detection() -> None:
    case = ann(100, 50, 200, 50)
    m = measure([case], [case])
    # Every char of the case is detected and every detected char is the case's:
    # R = P = (50 + 50) / (50 + 50) = 1; one detection per detected case: G = 1;
    # plagdet = F1 / log2(1 + 1) = 1 / 1 = 1.
    assert (m.cases, m.detections) == (1, 1)
    assert (m.precision, m.recall, m.granularity, m.plagdet) == (1.0, 1.0, 1.0, 1.0)


def test_detection_split_in_two_has_granularity_two() -> None:
    case = ann(0, 100, 0, 100)
    halves = [ann(0, 50, 0, 50), ann(50, 50, 50, 50)]
    m = measure([case], halves)
    # R: the halves cover this 0–100 and source 0–100: (100 + 100) / 200 = 1.
    # P: each half lies inside the case: (1 + 1) / 2 = 1.
    # G: 2 detections overlap the one detected case: 2 / 1 = 2.
    # plagdet = 1 / log2(3) = 0.6309…
    assert (m.precision, m.recall, m.granularity) == (1.0, 1.0, 2.0)
    assert m.plagdet == pytest.approx(1 / math.log2(3))
    assert m.plagdet == pytest.approx(0.63092975)  # the official script's own unit test value


def test_detection_of_the_wrong_source_document_detects_nothing() -> None:
    case = ann(0, 100, 0, 100, src="r1")
    wrong = ann(0, 100, 0, 100, src="r2")
    m = measure([case], [wrong])
    # Same chars, but a case and a detection overlap only when they name the same
    # documents: R = 0 / 1, P = 0 / 1; no case is detected, so G = 1; plagdet = 0.
    assert (m.precision, m.recall, m.granularity, m.plagdet) == (0.0, 0.0, 1.0, 0.0)


def test_overlap_in_the_suspicious_document_only_is_no_detection() -> None:
    case = ann(0, 100, 0, 100)
    elsewhere_in_source = ann(0, 100, 500, 100)
    m = measure([case], [elsewhere_in_source])
    # The detection covers the case's suspicious chars 0–100 but source chars 500–600,
    # which miss the case's 0–100: not overlapping, so R = P = 0, G = 1, plagdet = 0.
    assert (m.precision, m.recall, m.granularity, m.plagdet) == (0.0, 0.0, 1.0, 0.0)


def test_empty_truth_with_detections() -> None:
    m = measure([], [ann(0, 100, 0, 100)])
    # No cases but detections: recall and precision are 0 by convention; G = 1.
    assert (m.cases, m.detections) == (0, 1)
    assert (m.precision, m.recall, m.granularity, m.plagdet) == (0.0, 0.0, 1.0, 0.0)


def test_empty_detections_with_truth() -> None:
    m = measure([ann(0, 100, 0, 100)], [])
    # Cases but no detections: R = P = 0; G = 1 (no detections); plagdet = 0.
    assert (m.precision, m.recall, m.granularity, m.plagdet) == (0.0, 0.0, 1.0, 0.0)


def test_both_empty_is_perfect() -> None:
    m = measure([], [])
    # Nothing to find and nothing found: R = P = 1 by convention, G = 1, plagdet = 1.
    assert (m.precision, m.recall, m.granularity, m.plagdet) == (1.0, 1.0, 1.0, 1.0)


def test_partial_overlap_exact_precision_and_recall() -> None:
    case = ann(0, 100, 0, 100)  # suspicious 0–100, source 0–100: 200 chars
    det = ann(50, 100, 0, 50)  # suspicious 50–150, source 0–50: 150 chars
    m = measure([case], [det])
    # Shared chars: suspicious 50–100 = 50, source 0–50 = 50, so 100 in all.
    # R = 100 / 200 = 0.5; P = 100 / 150 = 2/3; G = 1.
    # F1 = 2 · 0.5 · 2/3 / (0.5 + 2/3) = (2/3) / (7/6) = 4/7; plagdet = 4/7 / log2(2) = 4/7.
    assert m.recall == 0.5
    assert m.precision == pytest.approx(2 / 3)
    assert m.granularity == 1.0
    assert m.plagdet == pytest.approx(4 / 7)


def test_macro_average_over_cases_and_overlapping_detections_counted_once() -> None:
    found, missed = ann(0, 100, 0, 100), ann(1000, 100, 1000, 100)
    overlapping = [ann(0, 60, 0, 60), ann(40, 60, 40, 60)]
    m = measure([found, missed], overlapping)
    # The two detections overlap each other on 40–60; their union covers ``found``
    # exactly once: its recall (100 + 100) / 200 = 1; ``missed`` has 0; R = (1 + 0) / 2.
    # P = (120/120 + 120/120) / 2 = 1. G = 2 detections / 1 detected case = 2.
    # plagdet = F1(0.5, 1) / log2(3) = (2/3) / 1.58496… = 0.42062…
    assert (m.recall, m.precision, m.granularity) == (0.5, 1.0, 2.0)
    assert m.plagdet == pytest.approx((2 / 3) / math.log2(3))


def test_identical_detections_count_once() -> None:
    case = ann(0, 100, 0, 100)
    m = measure([case], [case, ann(0, 100, 0, 100)])
    # The official script reads annotations into a set: one detection, G = 1.
    assert (m.detections, m.granularity, m.plagdet) == (1, 1.0, 1.0)


def test_official_script_unit_cases() -> None:
    # ann1, ann3, ann4, ann7, ann9, ann10 of pan13-text-alignment-perfmeasures.py.
    a1 = ann(0, 100, 0, 100, susp="t1", src="s1")
    a3 = ann(100, 100, 100, 100, susp="t1", src="s1")
    a4 = ann(0, 200, 0, 200, susp="t1", src="s1")
    a7 = ann(0, 100, 0, 100, susp="t2", src="s2")
    a9 = ann(50, 100, 50, 100, susp="t2", src="s2")
    a10 = ann(25, 75, 25, 75, susp="t2", src="s2")
    assert macro_recall([a1, a7], [a1]) == 0.5
    assert macro_recall([a1], [a7]) == 0
    # a3 starts where a1 ends (half-open): no overlap; a4 covers a1: precision 0 and
    # (100 + 100) / 400 = 0.5, mean 0.25.
    assert macro_precision([a1], [a3, a4]) == 0.25
    # a9 covers 50 + 50 of a9's 200 chars; a10 lies inside a7: (0.5 + 1) / 2 = 0.75.
    assert macro_precision([a7], [a9, a10]) == 0.75
    assert granularity([a1, a3], [a4, ann(0, 100, 0, 100, susp="t1", src="s1")]) == 1.5
    assert plagdet(0.25, 0.75, 2) == pytest.approx(0.23659865)
    assert plagdet(0.5, 1, 1) == 2 / 3


# --- XML ------------------------------------------------------------------------------


def test_xml_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    cases = [
        Case(10, 20, 30, 40, "source & <sons>.txt", "random"),
        Case(0, 5, 7, 9, 'q"uote.txt', None),
    ]
    write_pan_xml(path, "susp 'a'.txt", cases, feature="plagiarism")
    back = read_pan_xml(path)
    assert back.reference == "susp 'a'.txt"
    assert list(back.cases) == cases
    # Features of another name are not read as cases.
    assert read_pan_xml(path, feature=DETECTION_FEATURE).cases == ()


def test_translation_case_takes_its_type_as_obfuscation(tmp_path: Path) -> None:
    path = tmp_path / "t.xml"
    path.write_text(
        '<document reference="suspicious-document00004.txt">\n'
        '<feature name="about" authors="DUC2006" />\n'
        '<feature language_0="en" name="plagiarism" source_length="686" source_offset="3322" '
        'source_reference="source-document00420.txt" this_length="668" this_offset="1667" '
        'type="translation-chain" />\n</document>\n',
        encoding="utf-8",
    )
    (case,) = read_pan_xml(path).cases
    assert case == Case(1667, 668, 3322, 686, "source-document00420.txt", "translation-chain")


def test_write_detections_maps_derived_to_this_and_source_to_source(tmp_path: Path) -> None:
    path = tmp_path / pair_xml_name("suspicious-document00001.txt", "source-document00002.txt")
    assert path.name == "suspicious-document00001-source-document00002.xml"
    passages = [
        Passage(source_span=(500, 560), derived_span=(90, 150), kind=Kind.VERBATIM, similarity=1),
        Passage(source_span=(10, 70), derived_span=(0, 60), kind=Kind.PARAPHRASE, similarity=0.5),
    ]
    write_detections(path, "suspicious-document00001.txt", "source-document00002.txt", passages)
    back = read_pan_xml(path, feature=DETECTION_FEATURE)
    assert back.reference == "suspicious-document00001.txt"
    assert list(back.cases) == [
        Case(0, 60, 10, 60, "source-document00002.txt"),
        Case(90, 60, 500, 60, "source-document00002.txt"),
    ]


def test_malformed_xml_is_a_one_line_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text('<document reference="s.txt">\n<feature name="plagiarism"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_pan_xml(path)
    message = str(info.value)
    assert message.startswith(f"{path}: malformed XML: ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("feature", "problem"),
    [
        ('name="plagiarism" this_offset="1" this_length="2" source_offset="3"', "source_length"),
        (
            'name="plagiarism" this_offset="x" this_length="2" source_offset="3" '
            'source_length="4" source_reference="r.txt"',
            "this_offset is not an integer",
        ),
        (
            'name="plagiarism" this_offset="1" this_length="2" source_offset="3" source_length="4"',
            "no source_reference",
        ),
    ],
)
def test_bad_feature_is_an_input_error(tmp_path: Path, feature: str, problem: str) -> None:
    path = tmp_path / "f.xml"
    path.write_text(f'<document reference="s.txt"><feature {feature}/></document>', "utf-8")
    with pytest.raises(InputError, match=problem):
        read_pan_xml(path)


def test_missing_xml_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_pan_xml(tmp_path / "nope.xml")


def test_read_pairs_rejects_a_line_without_two_names(tmp_path: Path) -> None:
    path = tmp_path / "pairs"
    path.write_text("a.txt b.txt\n\nc.txt\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"pairs:3: expected two file names, found 1"):
        read_pairs(path)


def test_plan_chunks_keeps_each_document_in_one_chunk() -> None:
    pairs = [("s1", "r1"), ("s1", "r2"), ("s2", "r2"), ("s3", "r3"), ("s4", "r4"), ("s4", "r1")]
    chunks = plan_chunks(pairs, workers=2)
    assert sorted(p for c in chunks for p in c) == sorted(pairs)
    owner: dict[str, int] = {}
    for i, chunk in enumerate(chunks):
        for susp, src in chunk:
            for doc in ("susp:" + susp, "src:" + src):
                assert owner.setdefault(doc, i) == i, f"{doc} is in two chunks"


# --- the commands on a tiny corpus -------------------------------------------------------

_TOPICS = {
    "source-document00001.txt": (
        "Glaciers in the northern valley retreated by forty metres last summer.",
        "Hydrologists measured meltwater flowing through granite channels each morning.",
        "A research hut near the moraine stores ice cores in freezers powered by solar panels.",
        "Local guides now route hikers around crevasses that opened during August.",
    ),
    "source-document00002.txt": (
        "The bakery on Elm Street sells rye loaves shaped like braided crowns.",
        "Its owner proofs dough overnight in wicker baskets lined with linen.",
        "Customers queue before dawn for cardamom buns sprinkled with pearl sugar.",
        "On Sundays the ovens cool while apprentices scrub copper trays.",
    ),
    "source-document00003.txt": (
        "Volunteers repainted the lighthouse stairs in bright crimson enamel.",
        "The keeper logs passing freighters in a leather ledger by lamplight.",
        "Storm shutters rattle when westerly gales sweep across the headland.",
        "Seabirds nest under the gallery railing every spring.",
    ),
}
_SUSP_FILLER = {
    "suspicious-document00001.txt": (
        "Chess clubs across the province reported record tournament entries.",
        "Young players favour sharp openings with early queen sorties.",
        "Organisers rented a gymnasium to seat two hundred boards.",
    ),
    "suspicious-document00002.txt": (
        "The orchestra rehearsed a forgotten symphony discovered in an attic.",
        "Violinists marked bowings in pencil on yellowed manuscript paper.",
        "Tickets for the premiere sold out within a single afternoon.",
    ),
}


def _build_corpus(root: Path) -> Path:
    """Two folders: one verbatim case per planted pair; a negative pair with no case."""
    (root / "src").mkdir(parents=True)
    (root / "susp").mkdir()
    for name, sentences in _TOPICS.items():
        (root / "src" / name).write_text("\n".join(sentences) + "\n", encoding="utf-8")
    truth: dict[tuple[str, str], list[Case]] = {}
    plants = {
        "suspicious-document00001.txt": "source-document00001.txt",
        "suspicious-document00002.txt": "source-document00002.txt",
    }
    for susp, src in plants.items():
        source_text = (root / "src" / src).read_text(encoding="utf-8")
        copied = "\n".join(_TOPICS[src][1:3])  # two whole lines, copied verbatim
        filler = _SUSP_FILLER[susp]
        text = f"{filler[0]}\n{copied}\n{filler[1]}\n{filler[2]}\n"
        (root / "susp" / susp).write_text(text, encoding="utf-8")
        truth[(susp, src)] = [
            Case(text.index(copied), len(copied), source_text.index(copied), len(copied), src)
        ]
    truth[("suspicious-document00001.txt", "source-document00003.txt")] = []
    folders = {
        "01-no-plagiarism": [("suspicious-document00001.txt", "source-document00003.txt")],
        "02-no-obfuscation": list(plants.items()),
    }
    for folder, pairs in folders.items():
        (root / folder).mkdir()
        (root / folder / "pairs").write_text(
            "".join(f"{s} {r}\n" for s, r in pairs), encoding="utf-8"
        )
        for s, r in pairs:
            write_pan_xml(
                root / folder / pair_xml_name(s, r), s, truth[(s, r)], feature="plagiarism"
            )
    (root / "pairs").write_text(
        "".join(f"{s} {r}\n" for pairs in folders.values() for s, r in pairs), encoding="utf-8"
    )
    return root


@pytest.mark.parametrize("workers", ["1", "2"])
def test_pan_align_then_eval_scores_planted_copies_perfectly(tmp_path: Path, workers: str) -> None:
    root = _build_corpus(tmp_path / "corpus")
    out = tmp_path / "det"
    result = runner.invoke(
        app,
        [
            "pan", "align", str(root / "pairs"), "--src", str(root / "src"),
            "--susp", str(root / "susp"), "--out", str(out), "--workers", workers,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert len(list(out.glob("*.xml"))) == 3
    scores_json = tmp_path / "scores.json"
    result = runner.invoke(
        app,
        ["pan", "eval", "--truth", str(root), "--detections", str(out), "--json", str(scores_json)],
    )
    assert result.exit_code == 0, result.stderr
    assert "02-no-obfuscation" in result.stdout and "overall" in result.stdout
    scores = json.loads(scores_json.read_text(encoding="utf-8"))
    assert scores["overall"]["cases"] == 2
    assert scores["overall"]["plagdet"] == 1.0
    assert scores["by_folder"]["02-no-obfuscation"]["plagdet"] == 1.0
    assert scores["by_folder"]["01-no-plagiarism"]["detections"] == 0
    assert evaluate(root, out).overall.plagdet == 1.0


def test_pan_align_reports_a_bad_pair_and_goes_on(tmp_path: Path) -> None:
    root = _build_corpus(tmp_path / "corpus")
    pairs = tmp_path / "pairs"
    pairs.write_text(
        "suspicious-document00001.txt source-document00001.txt\n"
        "suspicious-document00001.txt source-document09999.txt\n",
        encoding="utf-8",
    )
    out = tmp_path / "det"
    result = runner.invoke(
        app,
        [
            "pan", "align", str(pairs), "--src", str(root / "src"), "--susp",
            str(root / "susp"), "--out", str(out), "--workers", "1", "--no-model",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("unspin: error:")]
    assert len(errors) == 1
    assert "source-document09999.txt: no such file" in errors[0]
    assert [p.name for p in out.glob("*.xml")] == [
        "suspicious-document00001-source-document00001.xml"
    ]


def test_pan_align_missing_pairs_file_is_one_line_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "pan", "align", str(tmp_path / "nope"), "--src", str(tmp_path), "--susp",
            str(tmp_path), "--out", str(tmp_path / "o"),
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.strip() == f"unspin: error: {tmp_path / 'nope'}: no such file"


def test_pan_eval_missing_truth_dir_is_one_line_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["pan", "eval", "--truth", str(tmp_path / "nope"), "--detections", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == f"unspin: error: {tmp_path / 'nope'}: no such directory"


# --- the real corpus ------------------------------------------------------------------


@pytest.mark.corpus
def test_truth_scored_as_detections_is_perfect_on_pan13() -> None:
    root = corpus("pan13-text-alignment-training")
    scores = evaluate(root, root, detection_feature="plagiarism")
    assert scores.overall.cases == 4007
    assert scores.overall.plagdet == 1.0
    assert len(scores.by_folder) == 5
    for name, m in scores.by_folder.items():
        if m.cases:
            assert (m.precision, m.recall, m.granularity, m.plagdet) == (1, 1, 1, 1), name
    assert scores.by_folder["01-no-plagiarism"].cases == 0
