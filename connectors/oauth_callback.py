"""The loopback end of an OAuth authorisation-code flow, shared by the ledgers' ``auth``.

The person's browser is sent to the provider's consent page; the provider redirects it
to ``http://localhost:<port>/callback?code=...&state=...``, which this small server
takes once, answering with a page that says the connection is made.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class LoopbackCallback:
    """Wait for one redirect on a loopback port and keep its query parameters.

    Args:
        port: The port registered in the app's redirect URI (0: any free one).
        service: The provider's name, for the page the browser shows.
    """

    def __init__(self, port: int, service: str) -> None:
        self.server = HTTPServer(("127.0.0.1", port), _Handler)
        self.server.result = {}  # type: ignore[attr-defined]
        self.server.service = service  # type: ignore[attr-defined]
        self.redirect_uri = f"http://localhost:{self.server.server_address[1]}/callback"
        self._thread: threading.Thread | None = None

    def start(self, wait: float) -> None:
        """Listen for the redirect, for at most ``wait`` seconds, in the background."""
        self.server.timeout = wait
        self._thread = threading.Thread(target=self.server.handle_request, daemon=True)
        self._thread.start()

    def result(self, wait: float) -> dict[str, str]:
        """The redirect's query parameters (empty when none came in time)."""
        if self._thread is not None:
            self._thread.join(wait + 1)
        self.close()
        return dict(self.server.result)  # type: ignore[attr-defined]

    def close(self) -> None:
        """Stop listening."""
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        self.server.result.update(query)  # type: ignore[attr-defined]
        service = self.server.service  # type: ignore[attr-defined]
        body = f"Tahseel is connected to {service}. You can close this tab.".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Keep the code out of the terminal."""
