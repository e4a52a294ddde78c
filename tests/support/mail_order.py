"""The order in which a browser lays out a rendered mail's text, read back from a PDF.

Headless Chromium prints the mail's HTML to PDF; pdfminer.six gives every glyph with
its position. Glyphs grouped by line and sorted left to right are the text as a reader
sees it, whatever the logical order in the HTML: ".Nakheel Trading Co" (a period the
Arabic paragraph moved) and "Nakheel Trading Co." read differently there.

Screenshots (PNG) go to ``$TAHSEEL_ARTIFACTS`` when it is set (CI keeps that folder),
else beside the test's own files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Glyph:
    """One glyph as laid out: its text and where it is (points from the bottom left)."""

    text: str
    x: float
    y: float


def find_chromium() -> str:
    """Debian's chromium; outside CI a missing one skips, in CI it fails."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        raise RuntimeError("CI must lay out the mails, but chromium is not installed")
    pytest.skip("chromium is not installed here (CI installs it)")


def artifacts(fallback: Path) -> Path:
    """Where screenshots go: ``$TAHSEEL_ARTIFACTS``, else ``fallback``."""
    folder = Path(os.environ.get("TAHSEEL_ARTIFACTS") or fallback)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium(binary: str, profile: Path, *args: str) -> None:
    """Run headless Chromium once with its own profile folder."""
    subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--hide-scrollbars",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )


def lay_out(binary: str, page: Path, work: Path) -> list[Glyph]:
    """Print ``page`` to PDF in Chromium and return its glyphs."""
    pdf = work / f"{page.stem}.pdf"
    chromium(binary, work / "profile-pdf", f"--print-to-pdf={pdf}", page.as_uri())
    return glyphs(pdf)


def screenshot(binary: str, page: Path, png: Path, work: Path) -> Path:
    """A PNG of ``page`` as Chromium draws it."""
    chromium(
        binary, work / "profile-png", f"--screenshot={png}", "--window-size=800,1400", page.as_uri()
    )
    return png


def glyphs(pdf: Path) -> list[Glyph]:
    """Every glyph of ``pdf``'s pages with its position (later pages lower)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTComponent

    found: list[Glyph] = []

    def walk(item: LTComponent, offset: float) -> None:
        if isinstance(item, LTChar):
            found.append(Glyph(item.get_text(), item.x0, item.y0 - offset))
            return
        for child in getattr(item, "_objs", ()):
            walk(child, offset)

    for number, page in enumerate(extract_pages(str(pdf))):
        walk(page, number * 10_000)
    return found


def visual_lines(found: list[Glyph], tolerance: float = 3.0) -> list[str]:
    """The text of each line as it reads left to right, top line first, without spaces."""
    rows: list[list[Glyph]] = []
    for glyph in sorted(found, key=lambda g: -g.y):
        if rows and abs(rows[-1][0].y - glyph.y) <= tolerance:
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
    return [
        "".join(g.text for g in sorted(row, key=lambda g: g.x)).replace(" ", "") for row in rows
    ]
