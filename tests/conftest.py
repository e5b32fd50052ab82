"""Shared paths and fixtures: the bundled seed pair and the public corpora beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEED_SOURCE = EXAMPLES / "000_404ac855c4996d3e.txt"
SEED_DERIVED = EXAMPLES / "002_030f45c5db0ae00d.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"


def corpus(name: str) -> Path:
    """A public corpus under ../shared/data, or a skip that says where it was looked for."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"corpus {name!r} not found at {path} (see ../shared/data/README.md)")
    return path
