"""Writing results so that a failure never leaves half a file behind."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import OutputError


def write_text_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` beside ``path`` and rename it into place.

    An earlier file at ``path`` stays whole until the new one is complete.

    Raises:
        OutputError: The file cannot be written (one line: the path and the reason).
    """
    target = Path(path)
    tmp = target.with_name(target.name + ".partial")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        reason = " ".join((err.strerror or str(err)).split())
        raise OutputError(target, f"cannot write ({reason})") from None
