"""webhooks.transport over TLS: the connection goes to a checked address, the certificate is
checked against the URL's host name (SNI), and a bad certificate fails the attempt."""

import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks import transport

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server on 127.0.0.1 with a self-signed certificate for "localhost"."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(
                (self.headers["Host"], self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server.server_address[1], cert, received
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def trusting(cert, monkeypatch):
    real = ssl.create_default_context
    monkeypatch.setattr(transport.ssl, "create_default_context", lambda: real(cafile=str(cert)))


def test_https_post_with_a_trusted_certificate(tls_server, monkeypatch):
    port, cert, received = tls_server
    trusting(cert, monkeypatch)
    response = transport.post(f"https://localhost:{port}/hook", body=b"{}", headers={}, timeout=5)
    assert response.status == 204
    assert received == [(f"localhost:{port}", b"{}")]


def test_an_untrusted_certificate_fails(tls_server):
    port, _cert, received = tls_server
    with pytest.raises(ssl.SSLError):
        transport.post(f"https://localhost:{port}/hook", body=b"{}", headers={}, timeout=5)
    assert received == []


def test_the_certificate_must_name_the_host(tls_server, monkeypatch):
    """127.0.0.1 reaches the same server, but the certificate is for "localhost" only."""
    port, cert, received = tls_server
    trusting(cert, monkeypatch)
    with pytest.raises(ssl.SSLCertVerificationError):
        transport.post(f"https://127.0.0.1:{port}/hook", body=b"{}", headers={}, timeout=5)
    assert received == []
