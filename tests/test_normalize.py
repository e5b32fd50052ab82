"""Normalisation folds what spinners and copy-pasters change, and maps back exactly."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.normalize import normalize

# Text full of what breaks naive offset handling: control characters (the PAN corpora
# carry U+0019 for apostrophes), combining marks, zero-width characters, ligatures.
nasty_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("\x00\x13\x19\x1c\x1d\r\n\t\u0301\u0308\u200b\u200d\ufeff\u2800ﬁ“”’")),
        st.sampled_from(list("US.E. ab")),
    ),
    max_size=200,
)


def test_folds_case_quotes_and_initialisms() -> None:
    n = normalize("The U.S. said “Regular” — US and E.U. rules")
    assert n.text == 'the us said "regular" - us and eu rules'


def test_homoglyphs_and_invisible_characters() -> None:
    # "Ireland" with a Cyrillic I-lookalike, a zero-width space and a soft hyphen.
    n = normalize("Іre\u200bla\u00adnd")
    assert n.text == "ireland"
    assert n.to_original((0, 7)) == (0, 9)


def test_combining_marks_stay_with_their_base() -> None:
    text = "cafe\u0301 nai\u0308ve"
    n = normalize(text)
    assert n.text == "cafe naive"
    s, e = n.to_original((0, 4))
    assert text[s:e] == "cafe\u0301"


def test_mangled_windows_punctuation_from_pan() -> None:
    n = normalize("student\x19s work \x13 done")
    assert n.text == "student's work - done"


@given(nasty_text)
@settings(max_examples=300)
def test_every_span_maps_inside_the_original(text: str) -> None:
    n = normalize(text)
    assert len(n.starts) == len(n.ends) == len(n.text)
    for i in range(len(n.text)):
        s, e = n.to_original((i, i + 1))
        assert 0 <= s < e <= len(text)
    # Folded characters come from their original characters in order.
    assert all(n.starts[k] <= n.starts[k + 1] for k in range(len(n.text) - 1))
    assert all(n.ends[k] <= n.ends[k + 1] for k in range(len(n.text) - 1))


@given(nasty_text)
@settings(max_examples=200)
def test_word_spans_slice_text_that_folds_back_to_the_word(text: str) -> None:
    n = normalize(text)
    for m in re.finditer(r"\w+", n.text):
        s, e = n.to_original(m.span())
        original = text[s:e]
        # Folding the original slice gives back the word (possibly with dropped marks).
        assert m.group() in normalize(original).text
        assert not unicodedata.combining(text[s]) or s == 0
