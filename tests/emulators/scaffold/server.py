"""The loopback HTTP server an emulator runs: stdlib ``http.server`` on 127.0.0.1, port 0.

``LoopbackEmulator`` starts a ``ThreadingHTTPServer`` in a daemon thread and stops it;
``ApiEmulator`` adds the rate windows, fault rules and request log, and their counters.
``Handler`` reads each request (method, path, query, body) and hands it to the vendor's
``dispatch``; it writes answers with the vendor's own request-id header, and carries the
two ways a fault leaves a request unanswered: hold the connection, then drop it.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, Self
from urllib.parse import parse_qs, urlsplit

from tests.emulators.scaffold.faults import FaultScript, R
from tests.emulators.scaffold.log import Exchange, RequestLog
from tests.emulators.scaffold.rate import Limit, RateWindows
from tests.emulators.validate import screen


class Handler(BaseHTTPRequestHandler):
    """One request to an emulator; subclasses name their ``methods`` and ``dispatch``."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle's algorithm and the
    # client's delayed ACK hold every answer back about 40 ms on loopback.
    disable_nagle_algorithm = True
    #: The HTTP methods the vendor answers; any other gets the stdlib's 501.
    methods: ClassVar[tuple[str, ...]] = ("GET", "POST")
    #: Fault kinds that hold the connection before dropping it (the vendor's name for it).
    held: ClassVar[tuple[str, ...]] = ("timeout",)
    #: The vendor's spec check (``tests.emulators.validate``), run on every answer.
    spec: ClassVar[Callable[..., Any] | None] = None
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Stay quiet: tests read counters, not logs."""

    @property
    def emulator(self) -> Any:
        """The emulator this server belongs to."""
        return self.server.emulator  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._serve()

    def do_PUT(self) -> None:  # noqa: N802 - stdlib name
        self._serve()

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._serve()

    def do_DELETE(self) -> None:  # noqa: N802 - stdlib name
        self._serve()

    def _serve(self) -> None:
        if self.command not in self.methods:
            # What the stdlib answers when a handler has no do_<METHOD>.
            self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({self.command!r})")
            return
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.request_seen = (self.command, url.path, url.query, body)
        self.dispatch(self.command, url.path, url.query, body)

    def dispatch(self, method: str, path: str, query: str, body: bytes) -> None:
        """Answer one request (the query is still the raw query string)."""
        raise NotImplementedError

    def stamp(self) -> dict[str, str]:
        """Headers every answer carries, such as the vendor's request id."""
        return {}

    def send(
        self,
        status: int,
        body: bytes,
        ctype: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Write one answer; no ``Content-Type`` when ``ctype`` is None."""
        headers = {**self.stamp(), **(headers or {})}
        if self.spec is not None:
            status, body, ctype = screen(type(self).spec, self, status, body, ctype, headers)
        self.send_response(status)
        if ctype is not None:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def drop(self) -> None:
        """Close the connection without an answer."""
        self.close_connection = True

    def lose(self, kind: str, seconds: float) -> bool:
        """Leave the request unanswered if ``kind`` says so; True when it did.

        A ``held`` kind holds the connection ``seconds`` (or until the emulator stops)
        before dropping it; ``drop`` drops it at once.
        """
        if kind in self.held:
            self.emulator.released.wait(seconds)
        elif kind != "drop":
            return False
        self.drop()
        return True


class LoopbackEmulator:
    """Runs ``handler`` on 127.0.0.1, port 0, in a thread; use as a context manager.

    Args:
        handler: The vendor's ``Handler`` subclass.
    """

    def __init__(self, handler: type[Handler]) -> None:
        self.handler = handler
        self._server: ThreadingHTTPServer | None = None
        # Set on stop: requests held by a fault give up at once.
        self.released = threading.Event()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Self:
        """Listen on a free loopback port."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        server.daemon_threads = True
        server.emulator = self  # type: ignore[attr-defined]
        self._server = server
        # A short poll: ``stop`` waits for the loop to notice, and tests start many.
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Release held requests and stop listening."""
        self.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None, "start the emulator with `with`"
        return f"http://127.0.0.1:{self._server.server_address[1]}"


def first_values(query: str) -> dict[str, str]:
    """A query string as one value a name (the first), blank values kept."""
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}


class ApiEmulator(LoopbackEmulator, Generic[R]):
    """A loopback API with rate limits, standing fault rules and a request log.

    Holds the machinery and reads out the counters a test asserts on; the vendor's
    handler decides which requests count, what a refusal or a fault answers, and how.

    Args:
        handler: The vendor's ``Handler`` subclass.
        limits: The vendor's limits, in the order they are checked.
        clock: Monotonic seconds for the limit windows (share a ``ScaledClock``).
        seed: Seed of the generator behind probabilistic faults.
        record: Keep every API exchange in ``exchanges``.
        timeout_delay: Real seconds a ``timeout`` fault holds the connection.
    """

    def __init__(
        self,
        handler: type[Handler],
        limits: Iterable[Limit],
        *,
        clock: Callable[[], float],
        seed: int,
        record: bool,
        timeout_delay: float,
    ) -> None:
        super().__init__(handler)
        self.clock = clock
        self.rate = RateWindows(limits, clock)
        self.script: FaultScript[R] = FaultScript(seed)
        self.log = RequestLog(record=record)
        self.timeout_delay = timeout_delay

    @property
    def faults(self) -> list[R]:
        """The fault rules in force (clear it to stop them)."""
        return self.script.rules

    @property
    def random(self) -> random.Random:
        """The seeded generator behind probabilistic faults."""
        return self.script.random

    @property
    def injected(self) -> Counter[str]:
        """Faults injected, by kind."""
        return self.script.injected

    @property
    def calls(self) -> Counter[str]:
        """Requests by route name."""
        return self.log.calls

    @property
    def requests(self) -> int:
        """API requests so far."""
        return self.log.requests

    @property
    def record(self) -> bool:
        """Whether API exchanges are kept."""
        return self.log.record

    @property
    def exchanges(self) -> list[Exchange]:
        """The API exchanges kept when ``record`` is on."""
        return self.log.exchanges

    @property
    def limit_429s(self) -> Counter[str]:
        """429s the limits answered (not injected ones), by limit name."""
        return self.rate.refusals

    @property
    def max_in_flight(self) -> int:
        """The most calls one key (organisation, realm) had in flight."""
        return self.rate.peak_in_flight

    @property
    def max_per_minute(self) -> int:
        """The most calls (weight) one key made in a minute."""
        return self.rate.peaks["minute"]
