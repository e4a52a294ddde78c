"""Look through written cassettes for anything that would let someone in.

``tests.support.cassettes`` filters a recording as it is written; this scan reads the
files afterwards and names every line that still holds an ``Authorization`` header or
a bearer token, an OAuth token, client id or secret, an authorisation code, a cookie,
a Xero tenant id or a QuickBooks company id other than the replay one, or any of the
literal values the recording was made with (the caller passes them). A finding names
the file, the line and the kind, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.cassettes import REPLAY_REALM, SCRUBBED

# A key and its value, as JSON, YAML or a form writes it; the value is not a scrubbed or
# empty one. The group is atomic so that a quote is never given back to the value.
_VALUE = rf"""(?>["']?\s*[:=]\s*["']?)(?!{SCRUBBED}\b|null\b|None\b|["'\s,}}&]|$)"""
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "authorization header",
        re.compile(r"^\s*-?\s*['\"]?(proxy-)?authorization['\"]?:", re.I | re.M),
    ),
    ("bearer token", re.compile(r"\bbearer[ \t]+[A-Za-z0-9._~+/=-]{8,}", re.I)),
    ("basic credentials", re.compile(r"\bbasic[ \t]+[A-Za-z0-9+/=]{12,}", re.I)),
    ("access token", re.compile(r"access_token" + _VALUE, re.I)),
    ("refresh token", re.compile(r"refresh_token" + _VALUE, re.I)),
    ("id token", re.compile(r"id_token" + _VALUE, re.I)),
    ("client id", re.compile(r"client_id" + _VALUE, re.I)),
    ("client secret", re.compile(r"client_secret" + _VALUE, re.I)),
    ("authorisation code", re.compile(r"(?:^|[?&\s'\"])code=(?!&|$|['\"\s])", re.M)),
    ("cookie", re.compile(r"^\s*-?\s*['\"]?(set-)?cookie['\"]?:", re.I | re.M)),
    ("xero tenant id", re.compile(r"xero-tenant-id['\"]?:", re.I)),
    ("xero tenant id", re.compile(r"tenantid['\"]?\s*:\s*['\"]?" + _GUID, re.I)),
    ("quickbooks realm id", re.compile(rf"/company/(?!{REPLAY_REALM}\b)\d+")),
    ("quickbooks realm id", re.compile(r"realmid['\"]?\s*[:=]\s*['\"]?\d{6,}", re.I)),
    ("json web token", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
    ("google token", re.compile(r"\bya29\.[A-Za-z0-9_-]{10,}|\b1//[A-Za-z0-9_-]{20,}")),
)
"""What a secret looks like, by kind: a YAML header key, a JSON key or a form field."""


@dataclass(frozen=True)
class Finding:
    """A secret left in a cassette: where, and what kind (the value is never kept)."""

    path: Path
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}"


def scan_text(path: Path, text: str, known: Sequence[tuple[str, str]] = ()) -> list[Finding]:
    """Every secret in ``text``; ``known`` pairs a kind with a literal value to find."""
    found: list[Finding] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            found.append(Finding(path, text.count("\n", 0, match.start()) + 1, kind))
    for kind, value in known:
        if len(value) < 4:
            continue  # too short to look for without finding it everywhere
        start = text.find(value)
        while start >= 0:
            found.append(Finding(path, text.count("\n", 0, start) + 1, kind))
            start = text.find(value, start + 1)
    return sorted(set(found), key=lambda f: (str(f.path), f.line, f.kind))


def scan(paths: Iterable[Path], known: Sequence[tuple[str, str]] = ()) -> list[Finding]:
    """Every secret in the cassette files ``paths`` (directories are searched for YAML)."""
    found: list[Finding] = []
    for path in paths:
        files = sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
        for file in files:
            found.extend(scan_text(file, file.read_text(encoding="utf-8"), known))
    return found
