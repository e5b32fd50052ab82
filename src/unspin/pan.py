"""The PAN text-alignment task: its XML files, its corpora and its measures.

PAN (2012–2015) evaluated text alignment on pairs of a *suspicious* document and a
*source* document. Truth and detections are XML files, one per pair::

    <document reference="suspicious-document00005.txt">
    <feature name="plagiarism" obfuscation="none" this_offset="3593" this_length="698"
             source_reference="source-document01090.txt" source_offset="1300"
             source_length="698"/>
    </document>

Offsets are characters of the UTF-8-decoded files, exactly as ``load_document`` keeps
them. The suspicious document is the *derived* one: ``this_*`` is a passage's
``derived_span`` and ``source_*`` its ``source_span``.

The measures are those of Potthast, Stein, Barrón-Cedeño & Rosso, "An Evaluation
Framework for Plagiarism Detection" (COLING 2010), with the conventions of the official
script ``pan13-text-alignment-perfmeasures.py`` (macro-averaged, external cases):

* a case and a detection are char sets in *both* documents; they overlap only when they
  name the same suspicious and source documents and intersect in both;
* recall is the mean over cases of the share of the case's chars (suspicious plus
  source) covered by the overlapping detections; precision is the same with the roles
  swapped; both are 1 when there are neither cases nor detections and 0 when exactly
  one of the two is empty;
* granularity is the mean number of overlapping detections per *detected* case (1 when
  nothing is detected);
* ``plagdet = F1 / log2(1 + granularity)``, and 0 when recall and precision are both 0.

Like the script, identical annotations are counted once (it collects them in a set).

>>> case = Annotation("s.txt", 0, 100, "r.txt", 0, 100)
>>> m = measure([case], [case])
>>> (m.precision, m.recall, m.granularity, m.plagdet)
(1.0, 1.0, 1.0, 1.0)
"""

from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .records import Passage, Span
from .report.files import write_text_atomically

__all__ = [
    "DETECTION_FEATURE",
    "TRUTH_FEATURE",
    "Annotation",
    "Case",
    "Measures",
    "PanFile",
    "Scores",
    "evaluate",
    "granularity",
    "macro_precision",
    "macro_recall",
    "measure",
    "pair_xml_name",
    "plagdet",
    "read_pairs",
    "read_pan_xml",
    "scores_to_dict",
    "to_annotations",
    "truth_folders",
    "write_detections",
    "write_pan_xml",
]

#: The feature name of a truth case and of a detection, as the official script expects.
TRUTH_FEATURE = "plagiarism"
DETECTION_FEATURE = "detected-plagiarism"

_INT_ATTRIBUTES = ("this_offset", "this_length", "source_offset", "source_length")


# --- records --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Case:
    """One ``<feature>`` of a PAN file: a passage of the suspicious document and its source.

    ``obfuscation`` is the ``obfuscation`` attribute ("none", "random", "summary"), else
    the ``type`` attribute (translation cases say ``type="translation-chain"`` instead),
    else None (detections carry neither).
    """

    this_offset: int
    this_length: int
    source_offset: int
    source_length: int
    source_reference: str
    obfuscation: str | None = None


@dataclass(frozen=True, slots=True)
class PanFile:
    """A PAN XML file: the suspicious document it is about and its features."""

    reference: str
    cases: tuple[Case, ...]


@dataclass(frozen=True, slots=True)
class Annotation:
    """A case or a detection as the measures see it (the official script's ``Annotation``).

    Only external annotations exist in text alignment, so both documents are always named.
    """

    this_reference: str
    this_offset: int
    this_length: int
    source_reference: str
    source_offset: int
    source_length: int


@dataclass(frozen=True, slots=True)
class Measures:
    """The PAN measures of a set of detections against a set of cases."""

    cases: int
    detections: int
    precision: float
    recall: float
    granularity: float
    plagdet: float


@dataclass(frozen=True, slots=True)
class Scores:
    """The measures over a whole corpus and per truth folder (the obfuscation type)."""

    overall: Measures
    #: Folder name (e.g. ``"03-random-obfuscation"``) to its measures, in folder order.
    by_folder: dict[str, Measures]


# --- XML ------------------------------------------------------------------------------


def read_pan_xml(path: str | os.PathLike[str], *, feature: str = TRUTH_FEATURE) -> PanFile:
    """Read the features named ``feature`` from a PAN XML file.

    Other features (``about``, ``md5`` in the summary folder) are ignored.

    Args:
        path: The XML file.
        feature: The ``name`` of the features to read: ``"plagiarism"`` in truth files,
            ``"detected-plagiarism"`` in detection files.

    Returns:
        The document reference and the cases, in file order.

    Raises:
        InputError: The file is missing or unreadable, is not well-formed XML, is not a
            ``<document reference=…>``, or a feature lacks or garbles an offset, a length
            or the source reference.
    """
    source = str(path)
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise InputError(source, "no such file") from None
    except ET.ParseError as err:
        raise InputError(source, f"malformed XML: {_one_line(str(err))}") from None
    except OSError as err:
        raise InputError(source, f"cannot read: {_one_line(err.strerror or str(err))}") from None
    if root.tag != "document":
        raise InputError(source, f"root element is <{root.tag}>, expected <document>")
    reference = root.get("reference")
    if not reference:
        raise InputError(source, "<document> has no reference attribute")
    cases = []
    for n, node in enumerate(root.iter("feature"), start=1):
        if node.get("name") == feature:
            cases.append(_case(node, source=f"{source}: feature {n}"))
    return PanFile(reference=reference, cases=tuple(cases))


def _case(node: ET.Element, *, source: str) -> Case:
    values: dict[str, int] = {}
    for key in _INT_ATTRIBUTES:
        raw = node.get(key)
        if raw is None:
            raise InputError(source, f"no {key} attribute")
        try:
            value = int(raw)
        except ValueError:
            raise InputError(source, f"{key} is not an integer: {raw[:40]!r}") from None
        if value < 0:
            raise InputError(source, f"{key} is negative: {value}")
        values[key] = value
    source_reference = node.get("source_reference")
    if not source_reference:
        # Intrinsic annotations (no source) do not exist in text alignment; a detector
        # that forgets the source must not be scored as if it had named one.
        raise InputError(source, "no source_reference attribute")
    return Case(
        this_offset=values["this_offset"],
        this_length=values["this_length"],
        source_offset=values["source_offset"],
        source_length=values["source_length"],
        source_reference=source_reference,
        obfuscation=node.get("obfuscation") or node.get("type"),
    )


def write_pan_xml(
    path: str | os.PathLike[str],
    reference: str,
    cases: Iterable[Case],
    *,
    feature: str = DETECTION_FEATURE,
) -> None:
    """Write a PAN XML file: ``<document reference>`` with one ``<feature>`` per case.

    The file is written beside its target and renamed, so a reader never sees half of it.

    Raises:
        InputError: The file cannot be written.
    """
    root = ET.Element("document", reference=reference)
    for case in cases:
        attributes = {
            "name": feature,
            "this_offset": str(case.this_offset),
            "this_length": str(case.this_length),
            "source_reference": case.source_reference,
            "source_offset": str(case.source_offset),
            "source_length": str(case.source_length),
        }
        if case.obfuscation is not None:
            attributes["obfuscation"] = case.obfuscation
        ET.SubElement(root, "feature", attributes)
    ET.indent(root, space="")
    write_text_atomically(path, ET.tostring(root, encoding="unicode") + "\n")


def write_detections(
    path: str | os.PathLike[str], susp_id: str, src_id: str, passages: Iterable[Passage]
) -> None:
    """Write an aligner's passages as a PAN detection file.

    The suspicious document is the derived one: ``this_*`` is ``derived_span`` and
    ``source_*`` is ``source_span``.

    Args:
        path: The XML file to write.
        susp_id: The suspicious (derived) document's file name, e.g.
            ``"suspicious-document00005.txt"``.
        src_id: The source document's file name.
        passages: Passages as ``align_prepared(source, derived, …)`` returns them.

    Raises:
        InputError: The file cannot be written.
    """
    cases = sorted(
        (
            Case(
                this_offset=p.derived_span[0],
                this_length=_length(p.derived_span),
                source_offset=p.source_span[0],
                source_length=_length(p.source_span),
                source_reference=src_id,
            )
            for p in passages
        ),
        key=lambda c: (c.this_offset, c.source_offset),
    )
    write_pan_xml(path, susp_id, cases, feature=DETECTION_FEATURE)


def _length(span: Span) -> int:
    return span[1] - span[0]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- corpus layout --------------------------------------------------------------------


def pair_xml_name(susp: str, src: str) -> str:
    """The PAN file name of a pair: ``suspicious-document00005-source-document01090.xml``."""
    return f"{Path(susp).stem}-{Path(src).stem}.xml"


def read_pairs(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """Read a PAN ``pairs`` file: lines ``suspicious-documentX.txt source-documentY.txt``.

    Blank lines are skipped.

    Raises:
        InputError: The file is missing or unreadable, a line does not have two names,
            or no pair is listed.
    """
    source = str(path)
    p = Path(path)
    if not p.is_file():
        raise InputError(source, "no such file" if not p.exists() else "not a regular file")
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise InputError(source, f"not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise InputError(source, f"cannot read: {_one_line(err.strerror or str(err))}") from None
    pairs = []
    for n, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise InputError(f"{source}:{n}", f"expected two file names, found {len(parts)}")
        pairs.append((parts[0], parts[1]))
    if not pairs:
        raise InputError(source, "no pairs listed")
    return pairs


def truth_folders(truth_dir: str | os.PathLike[str]) -> list[Path]:
    """The truth folders of a PAN corpus: its sub-folders with a ``pairs`` file, sorted.

    A folder that is itself one truth folder (``pairs`` and XML files, no sub-folders
    with ``pairs``) is returned alone.

    Raises:
        InputError: ``truth_dir`` is not a directory or holds no ``pairs`` file.
    """
    root = Path(truth_dir)
    if not root.is_dir():
        raise InputError(root, "no such directory" if not root.exists() else "not a directory")
    folders = sorted(d for d in root.iterdir() if d.is_dir() and (d / "pairs").is_file())
    if folders:
        return folders
    if (root / "pairs").is_file():
        return [root]
    raise InputError(root, "no truth folders (sub-folders with a pairs file)")


# --- the measures ---------------------------------------------------------------------


def to_annotations(pan_file: PanFile) -> list[Annotation]:
    """The file's cases as annotations of its suspicious document."""
    return [
        Annotation(
            pan_file.reference,
            c.this_offset,
            c.this_length,
            c.source_reference,
            c.source_offset,
            c.source_length,
        )
        for c in pan_file.cases
    ]


def _overlaps(a: Annotation, b: Annotation) -> bool:
    """Do two annotations share chars in the suspicious AND in the source document?"""
    return (
        a.this_reference == b.this_reference
        and a.source_reference == b.source_reference
        and b.this_offset + b.this_length > a.this_offset
        and b.this_offset < a.this_offset + a.this_length
        and b.source_offset + b.source_length > a.source_offset
        and b.source_offset < a.source_offset + a.source_length
    )


def _covered(start: int, length: int, others: Iterable[tuple[int, int]]) -> int:
    """How many chars of ``[start, start + length)`` lie in the union of ``others``."""
    end = start + length
    clipped = sorted((max(s, start), min(s + n, end)) for s, n in others)
    total = 0
    reach = start
    for s, e in clipped:
        s = max(s, reach)
        if e > s:
            total += e - s
            reach = e
    return total


def _unit_recall(unit: Annotation, others: Sequence[Annotation]) -> float:
    """Share of ``unit``'s chars (both documents) covered by the ``others`` overlapping it."""
    hits = [o for o in others if _overlaps(unit, o)]
    size = unit.this_length + unit.source_length
    if not hits or size == 0:
        # The official script divides by zero on an empty annotation that is overlapped;
        # an annotation of no chars detects (or is) nothing, so it scores 0.
        return 0.0
    this = _covered(
        unit.this_offset, unit.this_length, ((h.this_offset, h.this_length) for h in hits)
    )
    src = _covered(
        unit.source_offset, unit.source_length, ((h.source_offset, h.source_length) for h in hits)
    )
    return (this + src) / size


def _by_document(items: Iterable[Annotation]) -> dict[str, list[Annotation]]:
    index: dict[str, list[Annotation]] = defaultdict(list)
    for a in items:
        index[a.this_reference].append(a)
    return index


def macro_recall(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> float:
    """Macro-averaged recall: the mean over cases of the share of each case detected.

    1 when there are neither cases nor detections, 0 when exactly one side is empty.
    """
    case_set, det_set = set(cases), set(detections)
    if not case_set and not det_set:
        return 1.0
    if not case_set or not det_set:
        return 0.0
    det_index = _by_document(det_set)
    per_case = (_unit_recall(c, det_index.get(c.this_reference, ())) for c in case_set)
    return math.fsum(per_case) / len(case_set)


def macro_precision(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> float:
    """Macro-averaged precision: recall with the roles of cases and detections swapped."""
    return macro_recall(detections, cases)


def granularity(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> float:
    """Mean number of detections overlapping each detected case (1 when none is detected)."""
    case_set, det_set = set(cases), set(detections)
    if not det_set:
        return 1.0
    det_index = _by_document(det_set)
    counts = [
        n
        for c in case_set
        if (n := sum(_overlaps(c, d) for d in det_index.get(c.this_reference, ()))) > 0
    ]
    if not counts:
        return 1.0
    return sum(counts) / len(counts)


def plagdet(recall: float, precision: float, granularity: float) -> float:
    """``F1 / log2(1 + granularity)``; 0 when recall and precision are both 0."""
    if (recall == 0 and precision == 0) or recall < 0 or precision < 0 or granularity < 1:
        return 0.0
    f1 = 2 * recall * precision / (recall + precision)
    return f1 / math.log2(1 + granularity)


def measure(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> Measures:
    """All PAN measures of ``detections`` against ``cases`` (duplicates counted once)."""
    case_set, det_set = set(cases), set(detections)
    rec = macro_recall(case_set, det_set)
    prec = macro_precision(case_set, det_set)
    gran = granularity(case_set, det_set)
    return Measures(
        cases=len(case_set),
        detections=len(det_set),
        precision=prec,
        recall=rec,
        granularity=gran,
        plagdet=plagdet(rec, prec, gran),
    )


# --- a corpus -------------------------------------------------------------------------


def evaluate(
    truth_dir: str | os.PathLike[str],
    detections_dir: str | os.PathLike[str],
    *,
    detection_feature: str = DETECTION_FEATURE,
    limit: int | None = None,
    select: Callable[[str, str], bool] | None = None,
) -> Scores:
    """Score a folder of detection files against a PAN corpus, overall and per folder.

    Each truth folder's ``pairs`` file lists its pairs; a pair's truth is
    ``<folder>/<pair_xml_name>`` and its detections ``<detections_dir>/<pair_xml_name>``
    (or ``<detections_dir>/<folder name>/<pair_xml_name>``). A missing detection file
    means the detector found nothing in that pair. The overall measures pool the cases
    and detections of every folder, as running the official script on the whole corpus.

    Args:
        truth_dir: The corpus: folders such as ``02-no-obfuscation`` with ``pairs`` and
            one truth XML per pair (or one such folder).
        detections_dir: Where the detection files are.
        detection_feature: The feature name of detections; ``"plagiarism"`` lets the
            truth itself be scored as detections.
        limit: Score only the first ``limit`` pairs of each folder (for quick runs).
        select: Score only the pairs ``(susp, src)`` for which this is true (for
            cross-validation over halves of a corpus).

    Returns:
        The overall measures and the measures per truth folder.

    Raises:
        InputError: The corpus layout is wrong, a truth file is missing, or a truth or
            detection file is malformed.
    """
    det_root = Path(detections_dir)
    if not det_root.is_dir():
        raise InputError(
            det_root, "no such directory" if not det_root.exists() else "not a directory"
        )
    all_cases: set[Annotation] = set()
    all_detections: set[Annotation] = set()
    by_folder: dict[str, Measures] = {}
    for folder in truth_folders(truth_dir):
        cases: set[Annotation] = set()
        detections: set[Annotation] = set()
        for susp, src in read_pairs(folder / "pairs")[:limit]:
            if select is not None and not select(susp, src):
                continue
            name = pair_xml_name(susp, src)
            truth_file = folder / name
            if not truth_file.is_file():
                raise InputError(truth_file, "no such file (listed in pairs)")
            cases.update(to_annotations(read_pan_xml(truth_file, feature=TRUTH_FEATURE)))
            det_file = _detection_file(det_root, folder.name, name)
            if det_file is not None:
                detections.update(to_annotations(read_pan_xml(det_file, feature=detection_feature)))
        by_folder[folder.name] = measure(cases, detections)
        all_cases |= cases
        all_detections |= detections
    return Scores(overall=measure(all_cases, all_detections), by_folder=by_folder)


def _detection_file(root: Path, folder: str, name: str) -> Path | None:
    for candidate in (root / name, root / folder / name):
        if candidate.is_file():
            return candidate
    return None


def scores_to_dict(scores: Scores) -> dict[str, Any]:
    """The stable JSON form of ``Scores``: ``overall`` and ``by_folder`` measures."""
    return {
        "overall": asdict(scores.overall),
        "by_folder": {name: asdict(m) for name, m in scores.by_folder.items()},
    }
