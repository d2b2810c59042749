"""Where the sample web's hosts with broken certificates answer https.

Port convention: this listener is always on the sample web's HTTP port + 1 (`TLS_PORT_OFFSET`).
`SampleWebResolver` sends https for tls-expired and tls-invalid hosts there; every other name,
https included, is served in plain HTTP by the app, as before.

The listener picks a certificate by the name the client asks for (SNI):
- a tls-expired host gets a certificate for exactly that name, signed by the sample web's CA
  (`CA_PEM`), that expired in 2001: OpenSSL checks the name before the dates, so only a
  certificate for the right name fails as "expired" and as nothing else;
- any other name gets a self-signed certificate for another name: untrusted and a mismatch.

A client that verifies hangs up during the handshake. One that does not gets a minimal page.
"""
from __future__ import annotations

import functools
import logging
import socket
import socketserver
import ssl
import tempfile
import threading
from pathlib import Path

from crawler.sampleweb.behaviour import Behaviour, host_behaviour

log = logging.getLogger(__name__)

TLS_PORT_OFFSET = 1
CERTS = Path(__file__).parent / "certs"
CA_PEM: str = (CERTS / "ca.pem").read_text()
HANDSHAKE_TIMEOUT_S = 5
_MAX_HEAD = 16_384
_PAGE = b"<!doctype html><title>TLS test host</title><p>This host's certificate is not to be trusted.</p>"
_ANSWER = (b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n"
           b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_PAGE), _PAGE))


def _server_context(certfile: Path | str, keyfile: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    return context


@functools.lru_cache(maxsize=4096)
def _expired_context(name: str) -> ssl.SSLContext:
    """A server context with a CA-signed certificate for name that expired on 1 January 2001."""
    from cryptography import x509  # only the TLS listener needs it; the resolver imports this module
    from cryptography.hazmat.primitives import serialization

    from crawler.sampleweb.certs.make_certs import leaf_certificate

    ca = x509.load_pem_x509_certificate(CA_PEM.encode())
    ca_key = serialization.load_pem_private_key((CERTS / "ca-key.pem").read_bytes(), password=None)
    leaf_key = serialization.load_pem_private_key((CERTS / "leaf-key.pem").read_bytes(), password=None)
    pem = leaf_certificate(name, ca, ca_key, leaf_key.public_key())
    with tempfile.TemporaryDirectory() as folder:  # ssl loads certificates from files only
        certfile = Path(folder) / "leaf.pem"
        certfile.write_bytes(pem)
        return _server_context(certfile, CERTS / "leaf-key.pem")


def _choose_certificate(connection: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: ssl.SSLContext) -> None:
    """SNI callback: an expired certificate for tls-expired hosts; the self-signed one stays otherwise."""
    if name and host_behaviour(name) is Behaviour.TLS_EXPIRED:
        connection.context = _expired_context(name)


def _base_context() -> ssl.SSLContext:
    context = _server_context(CERTS / "self-signed.pem", CERTS / "self-signed-key.pem")
    context.sni_callback = _choose_certificate
    return context


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(HANDSHAKE_TIMEOUT_S)
        try:
            with self.server.context.wrap_socket(self.request, server_side=True) as tls:
                head = b""
                while b"\r\n\r\n" not in head and len(head) < _MAX_HEAD:
                    if not (data := tls.recv(4096)):
                        return
                    head += data
                tls.sendall(_ANSWER)
        except OSError as exc:  # ssl.SSLError is one: a client that verifies hangs up mid-handshake
            log.debug("TLS test host: %s", exc)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False  # a stalled client must not hold up stop()

    def __init__(self, address: tuple[str, int]):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)
        self.context = _base_context()


class TlsListener:
    """The TLS listener on (host, port), serving in a thread between start() and stop().

    The constructor binds the port, so an OSError there means the port is taken.
    """

    def __init__(self, host: str, port: int):
        self._server = _Server((host, port))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sample-web-tls-{port}", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> TlsListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

