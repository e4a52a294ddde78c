"""Text as a browser lays it out: an HTML file to lines of visually ordered text.

Pixels say little about bidirectional text; the order of the glyphs on the line says it
all. ``visual_lines`` prints the page to PDF with headless Chromium, reads every
glyph's position with pdfminer.six, groups the glyphs into lines by their baseline and
orders each line from left to right, as the eye meets them on the paper. An Arabic
heading therefore comes out reversed, and a Latin name that Chromium misplaced comes
out as ".Nakheel Trading Co" instead of "Nakheel Trading Co.".

``rtl`` turns logical Arabic text into the form a correct right-to-left rendering of it
gives, for comparing. The text is NFKC-normalised (Arabic presentation forms become
letters; a lam-alef ligature, one glyph, becomes lam then alef in logical order) and
combining marks (harakat, tanween) are dropped: they sit over their letters and have
no place of their own on the line.

Usage::

    lines = visual_lines(Path("report-ar.html"), chromium="chromium", profile=tmp)
    assert rtl("تقرير الذمم المدينة") in lines[0]
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTComponent

_LIGATURE = re.compile("ل[اأإآ]|.", re.S)
"""A lam-alef pair (one glyph) or any other character."""


def visual_lines(html: Path, *, chromium: str, profile: Path) -> list[str]:
    """The page's text, line by line from the top, each line ordered left to right.

    Args:
        html: The page to render.
        chromium: The Chromium (or Chrome) binary.
        profile: An empty folder for Chromium's profile; the PDF is written beside it.
    """
    pdf = profile.with_name(profile.name + ".pdf")
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return pdf_lines(pdf)


def pdf_lines(pdf: Path) -> list[str]:
    """The lines of a PDF's glyphs, page by page, top to bottom, each left to right."""
    lines: list[str] = []
    for page in extract_pages(pdf):
        lines.extend(_lines(list(_glyphs(page))))
    return lines


def rtl(text: str) -> str:
    """How right-to-left ``text`` (no digits or Latin in it) reads left to right on paper."""
    return "".join(reversed(_LIGATURE.findall(_plain(text))))


def _glyphs(item: LTComponent) -> Iterator[LTChar]:
    if isinstance(item, LTChar):
        yield item
    elif isinstance(item, Iterable):
        for child in item:
            yield from _glyphs(child)


def _lines(glyphs: list[LTChar]) -> list[str]:
    rows: list[list[LTChar]] = []
    # Glyphs of one line share a baseline; a tolerance of a third of the glyph's height
    # keeps sub- and superscripts and mixed sizes on their line.
    for glyph in sorted(glyphs, key=lambda g: -g.y0):
        row = rows[-1] if rows else None
        if row and abs(row[0].y0 - glyph.y0) <= max(row[0].height, glyph.height) / 3:
            row.append(glyph)
        else:
            rows.append([glyph])
    return [text for row in rows if (text := _read(sorted(row, key=lambda g: g.x0)))]


def _read(row: list[LTChar]) -> str:
    out: list[str] = []
    last: LTChar | None = None
    for glyph in row:
        text = _plain(glyph.get_text())
        if not text:
            continue
        # Cells and chart labels have no space glyph between them: a gap wider than
        # a third of the glyph's height is written as one space.
        if last is not None and glyph.x0 - last.x1 > glyph.height / 3:
            if out and not out[-1].endswith(" ") and not text.startswith(" "):
                out.append(" ")
        out.append(text)
        last = glyph
    return " ".join("".join(out).split())


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not unicodedata.category(c).startswith("M"))
