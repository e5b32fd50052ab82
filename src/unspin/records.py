"""The nouns passed between pipeline stages.

Every span is a half-open ``(start, end)`` pair of character offsets into
``Document.text``, the text unspin shows the user (decoded, BOM removed, nothing
else changed), so ``doc.text[start:end]`` is always the passage meant.

>>> d = Document(id="a.txt", text="Hello world")
>>> d.text[slice(*d.body[0])]
'Hello world'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Span = tuple[int, int]


class Kind(StrEnum):
    """What kind of reuse a passage is (stable JSON values)."""

    VERBATIM = "verbatim"
    NEAR_VERBATIM = "near-verbatim"
    PARAPHRASE = "paraphrase"
    SHARED_QUOTE = "shared-quote"
    ALTERED_QUOTE = "altered-quote"


class Derivation(StrEnum):
    """How much of the derived text comes from the source (METER corpus levels)."""

    WHOLLY = "wholly"
    PARTIALLY = "partially"
    NONE = "none"


class Op(StrEnum):
    """One token-level edit inside an aligned passage."""

    EQUAL = "equal"
    REPLACE = "replace"
    INSERT = "insert"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Document:
    """A text with its metadata; ``body`` lists the spans that are the article proper.

    Spans outside ``body`` (a metadata line, an author bio, a link list, an image
    credit) are never reported as reuse and never count in coverage.
    """

    id: str
    text: str
    path: str | None = None
    date: dt.date | None = None
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    body: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        if not self.body and self.text:
            object.__setattr__(self, "body", ((0, len(self.text)),))

    @property
    def body_chars(self) -> int:
        """Number of characters inside the body spans."""
        return sum(e - s for s, e in self.body)


@dataclass(frozen=True, slots=True)
class TokenEdit:
    """A token-level edit: ``source`` and ``derived`` are spans (empty for insert/delete)."""

    op: Op
    source: Span
    derived: Span


@dataclass(frozen=True, slots=True)
class Passage:
    """One reused passage: a span of the source and the span of the derived text it became.

    ``similarity`` is in [0, 1]; ``edits`` is the token-level diff the HTML report marks.
    """

    source_span: Span
    derived_span: Span
    kind: Kind
    similarity: float
    edits: tuple[TokenEdit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_span": list(self.source_span),
            "derived_span": list(self.derived_span),
            "kind": self.kind.value,
            "similarity": round(self.similarity, 4),
        }


@dataclass(frozen=True, slots=True)
class Direction:
    """Who copied whom, how unspin decided, and how sure it is."""

    method: str  # "date" | "content" | "unknown"
    confidence: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class PairReport:
    """Everything unspin says about one (source, derived) pair."""

    source: Document
    derived: Document
    direction: Direction
    derivation: Derivation
    source_coverage: float
    derived_coverage: float
    passages: tuple[Passage, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.id,
            "derived": self.derived.id,
            "direction": self.direction.to_dict(),
            "derivation": self.derivation.value,
            "source_coverage": round(self.source_coverage, 4),
            "derived_coverage": round(self.derived_coverage, 4),
            "passages": [p.to_dict() for p in self.passages],
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """The result of comparing documents: the documents and zero or more pair reports."""

    documents: tuple[Document, ...]
    pairs: tuple[PairReport, ...]
    version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "unspin_version": self.version,
            "documents": [document_to_dict(d) for d in self.documents],
            "pairs": [p.to_dict() for p in self.pairs],
        }


def document_to_dict(doc: Document) -> dict[str, Any]:
    """The stable JSON form of a document."""
    return {
        "id": doc.id,
        "path": doc.path,
        "date": doc.date.isoformat() if doc.date else None,
        "chars": len(doc.text),
        "body": [list(s) for s in doc.body],
    }
