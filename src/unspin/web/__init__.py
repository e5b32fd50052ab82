"""``unspin serve``: a web app and HTTP API over one index (a thin layer on the library)."""

from .app import create_app

__all__ = ["create_app"]
