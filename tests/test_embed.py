"""The sentence models: loading, vector contract, spun-copy recognition and load failures."""

from __future__ import annotations

import logging
import shutil
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from unspin import embed
from unspin.config import EmbedConfig
from unspin.embed import MODEL_NAMES, Embedder, load_embedder
from unspin.errors import ConfigError

from .conftest import SEED_DERIVED, SEED_SOURCE

#: (sentence of the source article, its spun copy in the derived article, an unrelated
#: sentence of the same source article). All are checked to occur in the seed files.
SPUN_TRIPLES = [
    (
        "As facts have proven time and again, it is the US that has been forcing companies to "
        "install backdoors and obtaining user data in violation of relevant rules.",
        "As information has been confirmed repeatedly, it’s the U.S. that has been forcing "
        "corporations to put in backdoors and acquire consumer information in violation of "
        "related guidelines.",
        "Earlier, Ireland asked Facebook to suspend the transmission of EU user data to the US.",
    ),
    (
        "The Patriot Act adopted after 9/11 requires cyber companies to offer regular updates on "
        "user information.",
        "The Patriot Act adopted after 9/11 requires cyber corporations to supply common updates "
        "on consumer data.",
        "He also blamed the US for stealing several types of data and for the violation of all "
        "kinds of privacy.",
    ),
    (
        "This move has drawn much attention from around the world.",
        "This transfer has drawn much consideration worldwide.",
        "The US itself is the top threat to global cybersecurity",
    ),
    (
        "France's CNIL decided in December last year that the French websites of Google and "
        "Amazon breached relevant French law by placing cookies on the computers of users "
        "without obtaining prior consent and without providing adequate information.",
        "France’s CNIL determined in December last year that the French websites of Google and "
        "Amazon breached related French legislation by putting cookies on the computer systems "
        "of customers without acquiring prior consent and without offering satisfactory data.",
        "According to the disclosure, Time magazine received $700,000, Financial Times $371,577, "
        "Foreign Policy magazine $291,000, the Los Angeles Times $272,000, and others received "
        "over $1 million.",
    ),
    (
        "Earlier, Ireland asked Facebook to suspend the transmission of EU user data to the US.",
        "Earlier, Eire requested Facebook to drop the transmission of E.U. consumer information "
        "to the U.S.",
        "The Patriot Act adopted after 9/11 requires cyber companies to offer regular updates on "
        "user information.",
    ),
]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test loads (or fails to load) from scratch and leaves no patched model behind."""
    embed.clear_cache()
    yield
    embed.clear_cache()


@pytest.fixture(params=MODEL_NAMES)
def embedder(request: pytest.FixtureRequest) -> Embedder:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the shipped models must load without a warning
        loaded = load_embedder(EmbedConfig(model=request.param))
    assert loaded is not None, f"{request.param} did not load"
    return loaded


def test_seed_sentences_are_real() -> None:
    source = SEED_SOURCE.read_text(encoding="utf-8")
    derived = SEED_DERIVED.read_text(encoding="utf-8")
    for original, spun, other in SPUN_TRIPLES:
        assert original in source
        assert spun in derived
        assert other in source


def test_vectors_are_unit_float32_rows(embedder: Embedder) -> None:
    sentences = [t[0] for t in SPUN_TRIPLES] + ["Short.", "x " * 400]  # one over 128 tokens
    vectors = embedder.encode(sentences)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(sentences), embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_dims_and_names(embedder: Embedder) -> None:
    assert embedder.name in MODEL_NAMES
    assert embedder.dim == {"static": 256, "minilm-l3": 384}[embedder.name]


def test_empty_input(embedder: Embedder) -> None:
    vectors = embedder.encode([])
    assert vectors.shape == (0, embedder.dim)
    assert vectors.dtype == np.float32


def test_batching_keeps_input_order(embedder: Embedder) -> None:
    sentences = [s for triple in SPUN_TRIPLES for s in triple]
    together = embedder.encode(sentences)
    one_by_one = np.vstack([embedder.encode([s]) for s in sentences])
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)


@pytest.mark.parametrize("triple", SPUN_TRIPLES, ids=lambda t: t[0][:30])
def test_spun_copy_is_closer_than_unrelated_sentence(
    embedder: Embedder, triple: tuple[str, str, str]
) -> None:
    original, spun, other = embedder.encode(list(triple))
    assert float(original @ spun) > float(original @ other) + 0.1


def test_models_are_cached_per_name() -> None:
    first = load_embedder(EmbedConfig(model="static", batch_size=64))
    second = load_embedder(EmbedConfig(model="static", batch_size=8))
    assert isinstance(first, embed.StaticEmbedder)
    assert isinstance(second, embed.StaticEmbedder)
    assert first._model is second._model  # loaded once, shared
    assert (first.batch_size, second.batch_size) == (64, 8)


def test_disabled_returns_none() -> None:
    assert load_embedder(EmbedConfig(enabled=False)) is None


def test_unknown_model_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"static.*minilm-l3"):
        load_embedder(EmbedConfig(model="mpnet"))


def _load_twice_expecting_one_warning(
    config: EmbedConfig, caplog: pytest.LogCaptureFixture
) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")  # count every warning actually issued
        assert load_embedder(config) is None
        assert load_embedder(config) is None
    logged = [r for r in caplog.records if r.name == "unspin.embed"]
    assert len(caught) == 1, [str(w.message) for w in caught]
    assert len(logged) == 1
    message = str(caught[0].message)
    assert message.startswith("sentence model unavailable (")
    assert message.endswith("); aligning lexically")
    assert logged[0].getMessage() == message
    return list(caught)


@pytest.fixture
def damaged_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the package data with the static weights truncated and no tokenizer."""
    data = tmp_path / "data"
    shutil.copytree(embed.DATA_DIR / "static-minilm", data / "static-minilm")
    weights = data / "static-minilm" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    monkeypatch.setattr(embed, "DATA_DIR", data)
    return data


def test_truncated_static_model_warns_once(
    damaged_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (warning,) = _load_twice_expecting_one_warning(EmbedConfig(model="static"), caplog)
    assert "model.safetensors" in str(warning.message)
    assert "sha256 mismatch" in str(warning.message)


def test_missing_tokenizer_warns_once(damaged_data: Path, caplog: pytest.LogCaptureFixture) -> None:
    (warning,) = _load_twice_expecting_one_warning(EmbedConfig(model="minilm-l3"), caplog)
    assert "bert-uncased-tokenizer.json" in str(warning.message)


def test_truncated_onnx_file_warns_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    truncated = tmp_path / embed.ONNX_FILE
    truncated.write_bytes(embed._onnx_model_path().read_bytes()[:4096])
    monkeypatch.setattr(embed, "_onnx_model_path", lambda: truncated)
    (warning,) = _load_twice_expecting_one_warning(EmbedConfig(model="minilm-l3"), caplog)
    assert "sha256 mismatch" in str(warning.message)


def test_missing_runtime_package_warns_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "model2vec", None)  # makes `import model2vec` fail
    (warning,) = _load_twice_expecting_one_warning(EmbedConfig(model="static"), caplog)
    assert "model2vec" in str(warning.message)
