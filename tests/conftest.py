"""Shared fixtures: state store URLs for SQLite and a real PostgreSQL server."""

from __future__ import annotations

import os
import re
import socket
import tempfile
from collections.abc import Iterator

import pytest

from tests.emulators.validate import TALLY
from tests.support import postgres


def pytest_configure(config: pytest.Config) -> None:
    """Keep what runs cache (compiled templates) in a folder of this test session only."""
    if not os.environ.get("TAHSEEL_TEST_CACHE"):
        folder = tempfile.mkdtemp(prefix="tahseel-test-cache-")
        os.environ["TAHSEEL_TEST_CACHE"] = os.environ["XDG_CACHE_HOME"] = folder


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach beyond this machine."""
    if os.environ.get("TAHSEEL_LIVE") == "1" and not os.environ.get("CI"):
        return  # python -m tests.live.record: recording from the real services
    real = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else ""
        if isinstance(host, str) and host and not re.match(r"^(127\.|::1$|localhost$)", host):
            raise OSError(f"tests may not reach {host}")
        return real(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _emulators_follow_the_specs() -> Iterator[None]:
    """Fail a test whose emulator exchanges broke a vendor's spec (tests/emulators/validate)."""
    mark = len(TALLY.violations)
    yield
    found = TALLY.since(mark)
    if found:
        pytest.fail("\n".join(map(str, found)), pytrace=False)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str | None]:
    """A PostgreSQL server for the session; None when it is not installed outside CI."""
    if postgres.find_bindir() is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI must test PostgreSQL, but it is not installed")
        yield None
        return
    with postgres.server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A fresh, empty state store URL of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state.db"
    server = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    name = "t_" + re.sub(r"[^a-z0-9]", "_", request.node.name.lower())[:50]
    return postgres.fresh_database(server, name)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Print what the reliability suites tried and found (tests/support/tally.py)."""
    from tests.support import tally

    if TALLY.total:
        counts = {s: len(TALLY.operations(s)) for s in sorted({s for s, _ in TALLY.validated})}
        shown = ", ".join(f"{s} {n} operations" for s, n in counts.items())
        terminalreporter.write_line(
            f"spec checks: {TALLY.total} exchanges validated ({shown}) in {TALLY.seconds:.1f} s"
        )
    lines = tally.table()
    if lines:
        terminalreporter.section("reliability: what was tried and what was found")
        for line in lines:
            terminalreporter.write_line(line)
