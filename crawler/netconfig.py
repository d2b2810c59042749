"""Which resolver and policy a process uses, from its environment.

Production: the system resolver, public addresses only. With COPDIR_SAMPLE_WEB=HOST:PORT every
name is answered by the sample web's resolver, loopback is allowed and the sample web's test CA is
trusted (its TLS listener is on PORT + 1): the demo and the tests.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from crawler.net import NetPolicy, Resolver, SystemResolver, USER_AGENT

SAMPLE_WEB_ENV = "COPDIR_SAMPLE_WEB"
DEADLINE_ENV = "COPDIR_DEADLINE_S"
CONTACT_ENV = "COPDIR_CONTACT_URL"


def network_from_env(environ: Mapping[str, str] = os.environ) -> tuple[Resolver, NetPolicy]:
    deadline = float(environ.get(DEADLINE_ENV, "20"))
    user_agent = USER_AGENT
    if contact := environ.get(CONTACT_ENV):
        user_agent = f"copdir/0.1 (+{contact})"
    sample_web = environ.get(SAMPLE_WEB_ENV)
    if not sample_web:
        return SystemResolver(), NetPolicy(deadline_s=deadline, user_agent=user_agent)
    from crawler.sampleweb.resolver import SampleWebResolver  # only the demo and tests need it
    from crawler.sampleweb.tls import CA_PEM  # its TLS hosts' certificates come from its own test CA

    host, _, port = sample_web.rpartition(":")
    return (SampleWebResolver(host or "127.0.0.1", int(port)),
            NetPolicy(allow_loopback=True, deadline_s=deadline, user_agent=user_agent, extra_ca_pem=CA_PEM))
