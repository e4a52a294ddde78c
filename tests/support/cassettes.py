"""One way to record and replay cassettes, for Xero, QuickBooks and Gmail alike.

Every cassette module opens its cassettes through :func:`cassette`, so what is kept out
of a recording is decided once, here:

- request headers that authorise or name the organisation (``Authorization``,
  ``Xero-tenant-id``, cookies) are dropped;
- form fields of the OAuth token endpoints (client id and secret, codes, tokens) are
  dropped;
- a QuickBooks company id (realm) in a path becomes :data:`REPLAY_REALM`;
- token answers keep their shape with every token replaced by ``"scrubbed"``;
  ``Set-Cookie`` and a Xero ``tenantId`` in an answer are removed.

``tests/live/scan.py`` checks the written files afterwards, so a secret that slips
past these filters fails the recording instead of being committed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import vcr

REPLAY_REALM = "9130350000000000"
"""The QuickBooks company id every recording is written with."""

SECRET_HEADERS = (
    "authorization",
    "proxy-authorization",
    "xero-tenant-id",
    "cookie",
    "set-cookie",
)
SECRET_FORM_FIELDS = (
    "access_token",
    "refresh_token",
    "id_token",
    "client_id",
    "client_secret",
    "code",
    "code_verifier",
    "assertion",
)
TOKEN_KEYS = ("access_token", "refresh_token", "id_token")
TENANT_KEYS = ("tenantId", "TenantId", "realmId")
SCRUBBED = "scrubbed"

_REALM_IN_PATH = re.compile(r"/company/\d+(?=/|$|\?)")


def scrub_request(request: Any) -> Any:
    """Write the QuickBooks company id in the path as :data:`REPLAY_REALM`."""
    request.uri = _REALM_IN_PATH.sub(f"/company/{REPLAY_REALM}", request.uri)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Replace tokens and organisation ids in an answer; drop cookies it sets."""
    headers = response.get("headers") or {}
    for name in [name for name in headers if name.lower() in SECRET_HEADERS]:
        del headers[name]
    body = response.get("body") or {}
    raw = body.get("string", b"")
    try:
        data = json.loads(raw)
    except (ValueError, TypeError):
        return response
    if _scrub_json(data):
        text = json.dumps(data, ensure_ascii=False)
        body["string"] = text.encode() if isinstance(raw, bytes) else text
    return response


def _scrub_json(data: Any) -> bool:
    """Scrub tokens and tenant ids anywhere in ``data``, in place; True if any was."""
    changed = False
    if isinstance(data, dict):
        for key, value in data.items():
            if key in TOKEN_KEYS or key in TENANT_KEYS:
                if value != SCRUBBED:
                    data[key] = SCRUBBED
                    changed = True
            else:
                changed = _scrub_json(value) or changed
    elif isinstance(data, list):
        for value in data:
            changed = _scrub_json(value) or changed
    return changed


def recorder(library: Path, *, recording: bool, match_on: Sequence[str]) -> vcr.VCR:
    """A VCR over ``library`` that records (all) or replays only (none), scrubbing."""
    return vcr.VCR(
        cassette_library_dir=str(library),
        record_mode="all" if recording else "none",
        match_on=tuple(match_on),
        filter_headers=list(SECRET_HEADERS),
        filter_post_data_parameters=list(SECRET_FORM_FIELDS),
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        decode_compressed_response=True,
    )


def cassette(
    library: Path, name: str, *, recording: bool, match_on: Sequence[str]
) -> AbstractContextManager[Any]:
    """The cassette ``<library>/<name>.yaml``, recorded afresh when ``recording``.

    A recording replaces the file: interactions left from an earlier recording would
    otherwise stay in it and answer requests the code no longer makes.
    """
    if recording:
        (library / f"{name}.yaml").unlink(missing_ok=True)
    return recorder(library, recording=recording, match_on=match_on).use_cassette(f"{name}.yaml")
