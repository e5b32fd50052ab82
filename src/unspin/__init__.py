"""unspin: find where a text came from."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("unspin")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
