"""Probe a submitted URL through the guarded network layer, and profile the page it reaches.

A submission's URL comes from a stranger, so every hop goes through `crawler.net` (public addresses only,
checked again at each redirect) and the result is one sentence a moderator can read:

    refused: metadata.example resolves to 169.254.169.254, a link-local address (cloud metadata lives there)
    refused at redirect 1 (http://10.0.0.5/admin): 10.0.0.5 is not a public address
    answered 200 at https://forum.example.org/
    no answer: time-out

Nothing here touches a database: the CLI stores the result (catalogue/submission_results.py).
robots.txt is not asked: this is one visit to the one page a person asked copdir to look at, as their
own browser would make, not crawling.
"""
from __future__ import annotations

import asyncio
import enum
import ipaddress
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from crawler.extract.page import profile_page
from crawler.models import CheckOutcome, Profile
from crawler.net import Fetched, NetPolicy, UnsafeURL, fetch_once, follow_redirects
from crawler.outcomes import outcome_for_exception
from crawler.urls import platform_of

# How a failure to get an answer reads; the rest read as their outcome's name.
NO_ANSWER_LABELS = {
    CheckOutcome.TIMEOUT: "time-out",
    CheckOutcome.DNS_FAILURE: "the name does not resolve",
    CheckOutcome.CONNECTION_REFUSED: "the connection was refused",
    CheckOutcome.REDIRECT_LOOP: "too many redirects",
    CheckOutcome.TLS_FAILURE: "the TLS connection failed",
    CheckOutcome.TLS_EXPIRED: "the TLS certificate has expired",
}


class ProbeOutcome(str, enum.Enum):
    """What probing a submission found. The value is what the store keeps."""

    ANSWERED = "answered"  # some HTTP answer, whatever its status
    REFUSED = "refused"  # our own rules forbade a hop: a private address, a scheme we do not fetch
    NO_ANSWER = "no_answer"  # time-out, no such name, connection refused, TLS failure …


@dataclass(frozen=True)
class SubmissionProbe:
    outcome: ProbeOutcome
    detail: str  # one sentence for the moderator
    final_url: str  # where it answered, or the hop that was refused or went unanswered
    status: int | None = None
    profile: Profile | None = None  # only for a successful HTML answer


def profile_fields(profile: Profile | None) -> dict:
    """What a moderator compares with the submission: name, description, language, platform, topics."""
    if profile is None:
        return {}
    return {"name": profile.name, "description": profile.description, "language": profile.language,
            "platform": profile.platform.value if profile.platform else "", "topics": list(profile.topics),
            "join_url": profile.join_url}


def _refusal_sentence(exc: UnsafeURL, hop_url: str, hop: int) -> str:
    """The guard says "refused: HOST — ADDRESS is a loopback address; …"; for a name, say what it resolves to."""
    said = str(exc).removeprefix("refused: ")
    host = (urlsplit(hop_url).hostname or "").lower()
    named, separator, why = said.partition(" — ")
    if not separator:  # a scheme we do not fetch
        why = said
    elif named.lower() == host and not _is_literal(host):
        why = f"{host} resolves to " + "; ".join(reason.replace(" is ", ", ", 1) for reason in why.split("; "))
    where = f" at redirect {hop} ({hop_url})" if hop else ""
    return f"refused{where}: {why}"


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _no_answer_sentence(exc: BaseException) -> str:
    """Raises what is not a network outcome (a bug), so the command fails loudly on it."""
    outcome, why = outcome_for_exception(exc)
    label = NO_ANSWER_LABELS.get(outcome, outcome.value.replace("_", " "))
    return f"no answer: {label}" + (f" ({why})" if why and outcome is not CheckOutcome.TIMEOUT else "")


async def probe_submission(client: httpx.AsyncClient, policy: NetPolicy, url: str,
                           now: datetime) -> SubmissionProbe:
    """Fetch url through the guarded client (from `crawler.net.make_client`), following redirects ourselves so
    the hop that was refused is known; profile the page if it answered with HTML."""
    asked: list[str] = []

    async def hop(hop_url: str) -> Fetched:
        asked.append(hop_url)
        return await fetch_once(client, policy, hop_url)

    try:
        async with asyncio.timeout(policy.deadline_s):  # the whole chain, as crawler.net.fetch does
            fetched = await follow_redirects(hop, url, policy.max_redirects)
    except UnsafeURL as exc:
        return SubmissionProbe(ProbeOutcome.REFUSED, _refusal_sentence(exc, asked[-1], len(asked) - 1), asked[-1])
    except (httpx.HTTPError, TimeoutError) as exc:
        return SubmissionProbe(ProbeOutcome.NO_ANSWER, _no_answer_sentence(exc), asked[-1] if asked else url)
    detail = f"answered {fetched.status} at {fetched.url}"
    if fetched.redirects:
        detail += f" after {len(fetched.redirects)} redirect{'s' if len(fetched.redirects) > 1 else ''}"
    profile = None
    content_type = fetched.headers.get("content-type", "text/html").lower()
    if 200 <= fetched.status < 300 and "html" in content_type:
        profile = profile_page(fetched.text(), fetched.url, now, dict(fetched.headers))
        if profile.platform is None:
            profile = _with_platform_of_url(profile, fetched.url)
    return SubmissionProbe(ProbeOutcome.ANSWERED, detail, fetched.url, fetched.status, profile)


def _with_platform_of_url(profile: Profile, url: str) -> Profile:
    try:
        return replace(profile, platform=platform_of(url))
    except ValueError:
        return profile
