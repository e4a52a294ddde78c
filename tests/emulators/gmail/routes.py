"""Gmail's API methods as the emulator routes them, and the per-user quota they draw on."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

from tests.emulators.gmail.mailbox import ApiError
from tests.emulators.scaffold import Limit

#: Quota units per method, from Gmail's published table
#: (https://developers.google.com/gmail/api/reference/quota).
UNITS = {
    "messages.send": 100,
    "drafts.send": 100,
    "messages.get": 5,
    "messages.list": 5,
    "messages.modify": 5,
    "messages.batchModify": 50,
    "messages.attachments.get": 5,
    "drafts.create": 10,
    "drafts.delete": 10,
    "drafts.get": 5,
    "threads.get": 10,
    "history.list": 2,
    "getProfile": 1,
    "labels.list": 1,
    "labels.create": 5,
    "settings.sendAs.list": 1,
}
_USER = r"/gmail/v1/users/(?P<user>[^/]+)"
ROUTES = [
    ("POST", r"/token", "token"),
    ("GET", _USER + r"/profile", "getProfile"),
    ("POST", _USER + r"/messages/send", "messages.send"),
    ("GET", _USER + r"/messages", "messages.list"),
    (
        "GET",
        _USER + r"/messages/(?P<mid>[^/]+)/attachments/(?P<id>[^/]+)",
        "messages.attachments.get",
    ),
    ("POST", _USER + r"/messages/batchModify", "messages.batchModify"),
    ("POST", _USER + r"/messages/(?P<id>[^/]+)/modify", "messages.modify"),
    ("GET", _USER + r"/messages/(?P<id>[^/]+)", "messages.get"),
    ("POST", _USER + r"/drafts/send", "drafts.send"),
    ("POST", _USER + r"/drafts", "drafts.create"),
    ("GET", _USER + r"/drafts/(?P<id>[^/]+)", "drafts.get"),
    ("DELETE", _USER + r"/drafts/(?P<id>[^/]+)", "drafts.delete"),
    ("GET", _USER + r"/threads/(?P<id>[^/]+)", "threads.get"),
    ("GET", _USER + r"/history", "history.list"),
    ("GET", _USER + r"/labels", "labels.list"),
    ("POST", _USER + r"/labels", "labels.create"),
    ("GET", _USER + r"/settings/sendAs", "settings.sendAs.list"),
]
SEND_METHODS = ("messages.send", "drafts.send")


def gmail_limits(units_per_second: int | None, quota_window: float) -> list[Limit]:
    """Gmail's per-user quota: ``units_per_second`` units (``UNITS``) a second, enforced
    over a sliding window of ``quota_window`` seconds; none when ``units_per_second`` is
    None. A call past it gets 429 ``rateLimitExceeded`` (``GmailEmulator._charge``).
    """
    if units_per_second is None:
        return []
    return [Limit("quota", units_per_second * quota_window, quota_window)]


def units_spent(calls: Counter[str]) -> int:
    """The quota units ``calls`` (requests by method, as the emulator counts them) cost."""
    return sum(UNITS.get(method, 1) * n for method, n in calls.items() if method != "token")


@cache
def method_scopes() -> dict[str, frozenset[str]]:
    """The scopes each Gmail method accepts, read from the discovery document the client
    ships (googleapiclient/discovery_cache/documents/gmail.v1.json), keyed as ``UNITS``:
    ``gmail.users.settings.sendAs.list`` is ``settings.sendAs.list``.
    """
    import googleapiclient

    path = Path(googleapiclient.__file__).parent / "discovery_cache/documents/gmail.v1.json"
    found: dict[str, frozenset[str]] = {}

    def walk(resource: dict[str, object]) -> None:
        for method in dict(resource.get("methods", {})).values():  # type: ignore[call-overload]
            name = str(method["id"]).removeprefix("gmail.users.")
            found[name] = frozenset(method.get("scopes", []))
        for child in dict(resource.get("resources", {})).values():  # type: ignore[call-overload]
            walk(child)

    walk(json.loads(path.read_text(encoding="utf-8"))["resources"]["users"])
    return found


def check_scope(method: str, granted: tuple[str, ...] | None) -> None:
    """Refuse a method the grant's scopes do not allow, as Gmail does: 403
    ``insufficientPermissions``, "Request had insufficient authentication scopes."
    (the body Google answers, e.g. kwent/react-google-contacts#6 and
    GAM-team/got-your-back#275). ``granted`` None: every scope (the tests' default).
    """
    if granted is None or method not in method_scopes():
        return
    if not method_scopes()[method] & set(granted):
        raise ApiError(
            403,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
            "PERMISSION_DENIED",
        )
