"""The resolver seam for the sample web: every name answers with the sample web's address.

Hosts the sample web simulates as NXDOMAIN raise NameNotResolved; hosts simulated as refusing
connections get a loopback port that is bound but never listens, so the kernel refuses for real.
No name is ever sent to the machine's resolver.
"""
from __future__ import annotations

import socket

from crawler.net import ConnectTarget, NameNotResolved
from crawler.sampleweb.behaviour import Behaviour, host_behaviour


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
        # The sample web speaks plain HTTP for every scheme: TLS is not what it simulates.
        return [ConnectTarget(self.address, self.port, False)]
