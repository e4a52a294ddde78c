"""A run's template check, skipped when nothing it depends on changed since it passed.

Every run renders every template in use, in every language and sample context, before
its first email (``checks.check_templates``): a bad template must stop a run before it
sends anything, never half way. The answer depends only on the template files, the
settings and the code that renders them, so once a check passes its fingerprint is kept
in the user's cache folder, and a run whose fingerprint is on record skips the render.
A change to any template file (its bytes), to the settings, or to Tahseel's or Jinja2's
or Babel's code makes a new fingerprint and a full check. Only passing checks are kept:
a failing one is always checked again and reported. ``tahseel check`` always checks.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import babel
import jinja2

import mailer
import sync
from mailer.compiled import default_cache_dir
from mailer.render import Renderer
from sync.config.settings import Settings
from sync.run.checks import check_templates

log = logging.getLogger(__name__)

CODE = (Path(sync.__file__).parent, Path(mailer.__file__).parent)
"""The packages whose code decides what a check finds."""
LIBRARIES = (jinja2.__file__, babel.__file__)


def templates_checked(
    settings: Settings, renderer: Renderer, cache: Path | None = None
) -> list[str]:
    """``check_templates``' problems, or none at once if this very check passed before.

    Args:
        settings: The organisation's settings.
        renderer: Its renderer (the templates' search path).
        cache: The folder passed checks are kept in; the user's cache folder by default.
    """
    folder = (cache or default_cache_dir().parent) / "checks"
    mark = folder / fingerprint(settings, renderer)
    if mark.exists():
        return []
    problems = check_templates(settings, renderer)
    if not problems:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            mark.touch()
        except OSError as exc:
            log.debug("passed template check not kept in %s: %s", folder, exc)
    return problems


def fingerprint(settings: Settings, renderer: Renderer) -> str:
    """A digest of the settings, every template file's bytes, and the code's files."""
    digest = hashlib.sha256(settings.model_dump_json().encode())
    for folder in renderer.search_path:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file():
                digest.update(f"\0{path}\0".encode())
                digest.update(path.read_bytes())
    for package in CODE:
        for path in sorted(package.rglob("*.py")):
            info = path.stat()
            digest.update(f"\0{path}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    for library in LIBRARIES:
        info = os.stat(library)
        digest.update(f"\0{library}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()
