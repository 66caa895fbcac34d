"""A feed server on 127.0.0.1 for tests: routes of fixed answers, redirects, conditional GET,
extra headers (Retry-After, Content-Encoding), and a record of every request."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds"


@dataclass
class Route:
    body: bytes
    status: int = 200
    etag: str | None = None
    content_type: str = "application/xml"
    send_length: bool = True
    redirect_to: str | None = None
    redirect_status: int = 301
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the body: a slow site
    # A hostile site: one byte every drip_s seconds, of the body (or, with drip_headers, of
    # the status line and headers too), each byte well within any read timeout.
    drip_s: float = 0.0
    drip_headers: bool = False


class FeedServer:
    """`with FeedServer() as srv:` serves until the block ends."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()  # ends drips when the server stops
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as feed hosts do

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.drip_s:
                    self._drip(route)
                    return
                if route.redirect_to:
                    self.send_response(route.redirect_status)
                    self.send_header("Location", route.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.send_length:
                    self.send_header("Content-Length", str(len(route.body)))
                else:
                    self.close_connection = True
                self.end_headers()
                if route.delay_s:
                    self.wfile.flush()
                    server.stopping.wait(route.delay_s)
                try:
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (a size cap): that is the point

            def _drip(self, route: Route) -> None:
                head = (f"HTTP/1.1 {route.status} OK\r\nContent-Type: {route.content_type}\r\n"
                        f"Content-Length: {len(route.body)}\r\nConnection: close\r\n\r\n").encode()
                if not route.drip_headers:
                    self.wfile.write(head)
                    head = b""
                try:
                    for i in range(len(head + route.body)):
                        self.wfile.write((head + route.body)[i:i + 1])
                        self.wfile.flush()
                        if server.stopping.wait(route.drip_s):
                            return
                except OSError:
                    pass  # the client gave up: that is the point
                self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, fixture: str | None = None, **kwargs) -> str:
        body = kwargs.pop("body", None)
        self.routes[path] = Route(body if body is not None else (FIXTURES / fixture).read_bytes(),
                                  **kwargs)
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]
