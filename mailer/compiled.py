"""The compiled code of template files, kept for one renderer and, if asked, on disk.

Compiling Jinja2 templates costs more than rendering them: a daily run checks every
template in two languages at start, and would compile each file anew in every process.
With a cache folder the code is written once per template source and Python version
and read back by later runs. A stale or damaged file is never used: Jinja2's bucket
checks its magic header (which carries the Python version) and the checksum of the
template's source, and anything that does not fit is compiled again.

Compiled code also depends on how the environment compiles (its options and the
``finalize`` that isolates inserted values), which a new version of Tahseel may change
with the templates untouched: each version of the modules that set it up
(``COMPILERS``) and of Jinja2 gets a subfolder of its own (``code_version``).

The folder is private to the user (mode 0700, owned by them); one that is not, or
that cannot be written, is not used and nothing else changes.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket

log = logging.getLogger(__name__)

COMPILERS = ("render.py", "bidi.py", "sandbox.py", "compiled.py")
"""The modules of this package that decide how a template compiles."""


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/tahseel/templates``, else ``~/.cache/tahseel/templates``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tahseel" / "templates"


@functools.cache
def code_version() -> str:
    """A short digest of Jinja2's version and the source of ``COMPILERS``."""
    digest = hashlib.sha256(jinja2.__version__.encode())
    for name in COMPILERS:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


class Compiled(jinja2.BytecodeCache):
    """The compiled code of each template file, shared by one renderer's environments.

    They differ only in what is looked up as a template runs (the undefined type, the
    language's filters), not in how a file compiles; the bucket's checksum of the
    source still decides whether the code fits.

    Args:
        folder: Where compiled code is also kept between processes (in a subfolder per
            ``code_version``); None keeps it in memory only.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self._code: dict[tuple[str, str], Any] = {}
        self.folder: Path | None = None
        if folder is not None and _private(folder) and _private(folder / code_version()):
            self.folder = folder / code_version()

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill ``bucket`` from memory, else from the folder if its file fits."""
        bucket.code = self._code.get((bucket.key, bucket.checksum))
        if bucket.code is not None or self.folder is None:
            return
        try:
            with open(self.folder / f"{bucket.key}.cache", "rb") as file:
                bucket.load_bytecode(file)  # resets the bucket unless it fits
        except Exception:  # noqa: BLE001 - a damaged file (pickle, marshal) of any kind
            bucket.reset()
        if bucket.code is not None:
            self._code[(bucket.key, bucket.checksum)] = bucket.code

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep ``bucket``'s code in memory and, written whole or not at all, on disk."""
        if bucket.code is None:
            return
        self._code[(bucket.key, bucket.checksum)] = bucket.code
        if self.folder is None:
            return
        try:
            fd, name = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as file:
                    bucket.write_bytecode(file)
                os.replace(name, self.folder / f"{bucket.key}.cache")
            except BaseException:
                Path(name).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.debug("compiled template not kept in %s: %s", self.folder, exc)


def _private(folder: Path) -> bool:
    """Make ``folder`` (mode 0700) if missing; True if it is ours and no one else's."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError as exc:
        log.debug("no template cache in %s: %s", folder, exc)
        return False
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    shared = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH | stat.S_IRGRP | stat.S_IROTH)
    if not mine or shared or not stat.S_ISDIR(info.st_mode):
        log.debug("template cache %s is not private to this user; not used", folder)
        return False
    return True
