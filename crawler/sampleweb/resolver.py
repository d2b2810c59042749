"""The resolver seam for the sample web: every name answers with the sample web's address.

Hosts the sample web simulates as NXDOMAIN raise NameNotResolved; hosts simulated as refusing
connections get a loopback port that is bound but never listens, so the kernel refuses for real.
No name is ever sent to the machine's resolver.

Port convention: the app speaks plain HTTP on `port` for every scheme, and the TLS listener
(`crawler.sampleweb.tls`) is always on `port + 1`. Only https to a host with a broken certificate
(tls-expired, tls-invalid) goes there; plain http to such a host reaches the app like any other.
"""
from __future__ import annotations

import socket

from crawler.net import ConnectTarget, NameNotResolved
from crawler.sampleweb.behaviour import TLS_FAILURES, Behaviour, host_behaviour
from crawler.sampleweb.tls import TLS_PORT_OFFSET


class SampleWebResolver:
    def __init__(self, address: str, port: int):
        self.address = address
        self.port = port
        self._refusing: socket.socket | None = None

    def _refusing_port(self) -> int:
        if self._refusing is None:
            self._refusing = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._refusing.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        return self._refusing.getsockname()[1]

    def close(self) -> None:
        if self._refusing is not None:
            self._refusing.close()
            self._refusing = None

    async def resolve(self, host: str, port: int, tls: bool) -> list[ConnectTarget]:
        behaviour = host_behaviour(host)
        if behaviour is Behaviour.NXDOMAIN:
            raise NameNotResolved(f"{host}: Name or service not known")
        if behaviour is Behaviour.REFUSED:
            return [ConnectTarget("127.0.0.1", self._refusing_port(), False)]
        if tls and behaviour in TLS_FAILURES:
            return [ConnectTarget(self.address, self.port + TLS_PORT_OFFSET, True)]
        # Every other https is plain HTTP behind the seam: the sample web simulates TLS only where it fails.
        return [ConnectTarget(self.address, self.port, False)]
