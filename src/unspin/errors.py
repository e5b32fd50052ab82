"""One exception tree; the CLI turns any ``UnspinError`` into a one-line message and exit 2.

::

    UnspinError
    ├── InputError        a document or list that cannot be read (names the input and the problem)
    │   └── OutputError   a result that cannot be written (names the path and the problem)
    └── ConfigError       an impossible setting
"""

from __future__ import annotations


class UnspinError(Exception):
    """Base class of every error unspin raises on purpose."""


class InputError(UnspinError):
    """An input cannot be used; ``str(err)`` is ``"<input>: <what is wrong>"``."""

    def __init__(self, source: object, problem: str) -> None:
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class OutputError(InputError):
    """A report or detection file cannot be written; ``str(err)`` is ``"<path>: <problem>"``."""


class ConfigError(UnspinError):
    """A setting is out of range or contradicts another."""
