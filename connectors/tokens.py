"""OAuth token sets kept on disk safely, for any connector with rotating refresh tokens.

Ledgers such as Xero rotate the refresh token on every refresh: lose the new one and
the connection is gone once the old one's grace period ends. So ``TokenStore``:

- writes atomically: a temporary file in the same directory, fsync, rename over the
  old file, fsync the directory; the file is created with mode 0600;
- refreshes single-flight: under an exclusive ``fcntl`` lock on ``<file>.lock`` it
  reloads the file, and when another process has refreshed meanwhile it uses that
  token instead of spending the refresh token again;
- persists a refreshed token before it is used for anything.

For CI (GitHub Actions) the token set may come from an environment variable holding
its JSON. When both the variable and the file exist, the one that expires later wins,
so a token refreshed during a run (and written to the file) beats the stale secret.
The workflow saves the file back into its secret at the end.

Tests arm crash points with ``TAHSEEL_FAILPOINTS=token_before_rename=1`` (the same
convention as the run's fail points); unset, a checkpoint costs one lookup.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from connectors.errors import LedgerAuthError, LedgerDataError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock
    fcntl = None  # type: ignore[assignment]

TokenSet = dict[str, Any]

FAILPOINTS = (
    "token_before_refresh",
    "token_after_refresh",
    "token_mid_write",
    "token_before_rename",
    "token_before_dir_fsync",
)
"""Where a test may kill the process during a refresh, in the order they are reached."""


def checkpoint(name: str) -> None:
    """Die here with SIGKILL if ``TAHSEEL_FAILPOINTS`` names this point."""
    spec = os.environ.get("TAHSEEL_FAILPOINTS", "")
    if spec and name in {part.partition("=")[0].strip() for part in spec.split(",")}:
        os.kill(os.getpid(), signal.SIGKILL)


class TokenStore:
    """One token set in a file (or an environment variable), refreshed single-flight.

    Args:
        path: The token file; its directory is created when missing.
        env: Name of an environment variable that may hold the token set as JSON.
        provider: Name used in messages, e.g. ``xero``.
        clock: Wall-clock seconds since the epoch, for expiry checks.
    """

    def __init__(
        self,
        path: Path,
        *,
        env: str | None = None,
        provider: str = "ledger",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.env = env
        self.provider = provider
        self.clock = clock
        self._cached: TokenSet | None = None

    def load(self) -> TokenSet:
        """Return the current token set, reading it on first use.

        Raises:
            LedgerAuthError: There is no token set at all.
            LedgerDataError: The file or variable does not hold a JSON object.
        """
        if self._cached is None:
            self._cached = self._read()
        return dict(self._cached)

    def save(self, token: TokenSet) -> None:
        """Write ``token`` atomically with mode 0600 and make it the current one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(token, indent=2, sort_keys=True).encode()
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            half = len(data) // 2
            os.write(fd, data[:half])
            checkpoint("token_mid_write")
            os.write(fd, data[half:])
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            checkpoint("token_before_rename")
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        checkpoint("token_before_dir_fsync")
        _fsync_directory(self.path.parent)
        self._cached = dict(token)

    def expires_in(self, token: TokenSet | None = None) -> float:
        """Seconds until the access token expires; infinite when it does not say."""
        token = self.load() if token is None else token
        expires_at = token.get("expires_at")
        return float("inf") if expires_at is None else float(expires_at) - self.clock()

    def refresh(
        self,
        exchange: Callable[[TokenSet], TokenSet],
        *,
        still_good: Callable[[TokenSet], bool],
        used: TokenSet | None = None,
    ) -> TokenSet:
        """Refresh the token set once across processes, and persist the result first.

        Args:
            exchange: Spends the refresh token of the set it is given and returns the
                new set; raises ``LedgerAuthError`` when the grant is dead.
            still_good: Whether a token set needs no refresh.
            used: The set the caller found wanting (e.g. it got a 401 with it); when
                the stored set differs, another process refreshed and it is used as is.

        Returns:
            The token set to use now.
        """
        with self._locked():
            self._cached = None
            current = self.load()
            replaced = used is not None and current.get("access_token") != used.get("access_token")
            if replaced or (used is None and still_good(current)):
                return current
            checkpoint("token_before_refresh")
            fresh = exchange(current)
            checkpoint("token_after_refresh")
            self.save(fresh)
            return dict(fresh)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _read(self) -> TokenSet:
        candidates = [self._from_file(), self._from_env()]
        found = [token for token in candidates if token is not None]
        if not found:
            where = f"{self.path}" + (f" or ${self.env}" if self.env else "")
            raise LedgerAuthError(
                f"{self.provider}: no token in {where}; run `tahseel auth {self.provider}`"
            )
        return max(found, key=lambda token: float(token.get("expires_at") or 0))

    def _from_file(self) -> TokenSet | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise LedgerDataError(
                f"{self.provider}: cannot read token file {self.path}: {exc.strerror}"
            ) from exc
        return _parse(text, f"token file {self.path}", self.provider)

    def _from_env(self) -> TokenSet | None:
        text = os.environ.get(self.env) if self.env else None
        if not text:
            return None
        return _parse(text, f"${self.env}", self.provider)


def _parse(text: str, where: str, provider: str) -> TokenSet:
    try:
        token = json.loads(text)
    except ValueError:
        # Never quote the text: it is a secret.
        raise LedgerDataError(f"{provider}: {where} is not JSON") from None
    if not isinstance(token, dict):
        raise LedgerDataError(f"{provider}: {where} is not a JSON object")
    return token


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
