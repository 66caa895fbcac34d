"""A stand-in Mastodon instance for the browser tests: an HTTPS server on 127.0.0.1 that
answers `/share` (the page a Mastodon instance opens a new post with) and records what it was
asked. Its certificate is made here for `HOST`, which no DNS knows: Chromium is told to send
that name to this server (`resolver_rule`) and to accept the certificate (the test's browser
context has `ignore_https_errors`). Korpo only ever builds `https://{instance}/share?text=…`,
so nothing in the app changes for the test."""
from __future__ import annotations

import datetime
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HOST = "mastodon.test"  # a name reserved for tests (RFC 2606): never a real instance


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for HOST, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class MastodonServer:
    """`with MastodonServer() as instance:` then `instance.shared` lists the texts of the
    `/share` pages opened, oldest first."""

    def __init__(self) -> None:
        self.shared: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                if parts.path != "/share":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                owner.shared.append(parse_qs(parts.query).get("text", [""])[0])
                body = b"<!doctype html><title>Compose</title><h1>New post</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._directory = tempfile.TemporaryDirectory()
        cert_file, key_file = _certificate(Path(self._directory.name))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def resolver_rule(self) -> str:
        """Chromium's `--host-resolver-rules` entry sending HOST's https to this server."""
        return f"MAP {HOST}:443 127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> MastodonServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._directory.cleanup()
