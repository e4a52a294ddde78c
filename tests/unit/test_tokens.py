"""TokenStore: atomic 0600 writes, environment tokens, single-flight refresh."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from connectors.errors import LedgerAuthError, LedgerDataError
from connectors.tokens import TokenStore


def test_save_is_atomic_and_private(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "dir" / "token.json", provider="xero")
    store.save({"access_token": "a1", "expires_at": 100})
    store.save({"access_token": "a2", "expires_at": 200})
    path = tmp_path / "dir" / "token.json"
    assert json.loads(path.read_text())["access_token"] == "a2"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["token.json"]


def test_environment_token_and_the_later_expiry_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XERO_TOKEN", json.dumps({"access_token": "from-env", "expires_at": 500}))
    store = TokenStore(tmp_path / "token.json", env="XERO_TOKEN")
    assert store.load()["access_token"] == "from-env"
    store.save({"access_token": "refreshed", "expires_at": 900})
    assert (
        TokenStore(tmp_path / "token.json", env="XERO_TOKEN").load()["access_token"] == "refreshed"
    )


def test_missing_or_bad_token_says_what_to_do_without_quoting_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(LedgerAuthError, match="tahseel auth xero"):
        TokenStore(tmp_path / "none.json", provider="xero").load()
    monkeypatch.setenv("XERO_TOKEN", "secret-not-json")
    with pytest.raises(LedgerDataError) as caught:
        TokenStore(tmp_path / "none.json", env="XERO_TOKEN").load()
    assert "secret-not-json" not in str(caught.value)


def test_refresh_uses_a_token_another_process_already_refreshed(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    mine = TokenStore(path, clock=lambda: 1000)
    mine.save({"access_token": "old", "expires_at": 1010})
    other = TokenStore(path, clock=lambda: 1000)
    other.save({"access_token": "theirs", "expires_at": 3000})
    exchanged = []

    def exchange(token: dict) -> dict:  # type: ignore[type-arg]
        exchanged.append(token)
        return {"access_token": "new", "expires_at": 4000}

    got = mine.refresh(exchange, still_good=lambda t: mine.expires_in(t) > 120)
    assert got["access_token"] == "theirs" and exchanged == []
    got = mine.refresh(exchange, still_good=lambda t: True, used={"access_token": "theirs"})
    assert got["access_token"] == "new" and json.loads(path.read_text())["access_token"] == "new"
