"""What a check found, as a value: one table for httpx's exceptions, one for its answers.

Everything here is pure: an exception or a fetched response in, an outcome and one line
saying why out. The checker (`crawler.check`) decides what to fetch; this decides what it means.
"""
from __future__ import annotations

import ssl
from collections.abc import Iterable

import httpx

from crawler import parking, platforms
from crawler.models import CheckOutcome
from crawler.net import Fetched, NameNotResolved, UnsafeURL

CERT_HAS_EXPIRED = 10  # OpenSSL's X509_V_ERR_CERT_HAS_EXPIRED

# Exceptions to outcomes, most specific first: the first isinstance match wins.
EXCEPTION_OUTCOMES: tuple[tuple[type[BaseException], CheckOutcome], ...] = (
    (UnsafeURL, CheckOutcome.EXCLUDED),
    (NameNotResolved, CheckOutcome.DNS_FAILURE),
    (TimeoutError, CheckOutcome.TIMEOUT),
    (httpx.TimeoutException, CheckOutcome.TIMEOUT),
    (httpx.TooManyRedirects, CheckOutcome.REDIRECT_LOOP),
    (httpx.ConnectError, CheckOutcome.CONNECTION_REFUSED),
    (httpx.HTTPError, CheckOutcome.ERROR),  # resets, protocol errors, bodies that do not decode
)
# Failures in passing, worth one more try: time-outs and connections dropped mid-answer.
RETRYABLE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    TimeoutError, httpx.TimeoutException, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError,
)
# Outcomes that say the network path failed, not the site's content: what an outage of ours looks like.
NETWORK_LEVEL = frozenset({CheckOutcome.DNS_FAILURE, CheckOutcome.CONNECTION_REFUSED, CheckOutcome.TIMEOUT,
                           CheckOutcome.ERROR})

# Status codes whose meaning the body does not change.
STATUS_OUTCOMES = {401: CheckOutcome.BLOCKED, 403: CheckOutcome.BLOCKED, 404: CheckOutcome.NOT_FOUND,
                   410: CheckOutcome.GONE}


def _causes(exc: BaseException | None) -> Iterable[BaseException]:
    seen = 0
    while exc is not None and seen < 20:
        yield exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1


def outcome_for_exception(exc: BaseException) -> tuple[CheckOutcome, str]:
    """The outcome of a request that got no answer, and why; a bug (not a network outcome) is re-raised."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            message = getattr(cause, "verify_message", None) or str(cause)
            if getattr(cause, "verify_code", None) == CERT_HAS_EXPIRED:
                return CheckOutcome.TLS_EXPIRED, f"the TLS certificate has expired ({message})"
            return CheckOutcome.TLS_FAILURE, f"the TLS certificate is not valid: {message}"
        if isinstance(cause, ssl.SSLError):
            return CheckOutcome.TLS_FAILURE, f"the TLS handshake failed: {cause.reason or cause}"
    for kind, outcome in EXCEPTION_OUTCOMES:
        if isinstance(exc, kind):
            return outcome, _exception_detail(outcome, exc)
    raise exc


def _exception_detail(outcome: CheckOutcome, exc: BaseException) -> str:
    if outcome is CheckOutcome.TIMEOUT:
        return "no complete answer within the deadline"
    # httpx's own exceptions often carry no message; the cause underneath says "Connection reset by peer"
    said = next((str(cause) for cause in _causes(exc) if str(cause) and str(cause) != type(cause).__name__), "")
    text = said or type(exc).__name__
    if outcome is CheckOutcome.ERROR:
        text = f"{type(exc).__name__}: {text}"
    return text[:300]


def is_retryable_exception(exc: BaseException) -> bool:
    return isinstance(exc, RETRYABLE_EXCEPTIONS) and not isinstance(exc, httpx.ConnectError)


def _retry_after_text(fetched: Fetched) -> str:
    value = fetched.headers.get("retry-after")
    return f" (Retry-After: {value[:40]})" if value else ""


def classify(url: str, fetched: Fetched) -> tuple[CheckOutcome, str]:
    """The outcome of an answer to url (the URL asked, maybe a platform API), and one line saying why."""
    status = fetched.status
    text = fetched.text()
    if status == 404 and platforms.is_discord_api(url) and platforms.is_discord_unknown_invite(fetched.body):
        return CheckOutcome.INVITE_EXPIRED, "Discord says Unknown Invite (10006)"
    if status in (401, 403) and platforms.is_challenge(fetched.headers, text):
        return CheckOutcome.BLOCKED, f"HTTP {status}: a bot challenge page"
    if status == 429:
        return CheckOutcome.BLOCKED, f"HTTP 429: rate limited{_retry_after_text(fetched)}"
    if status in STATUS_OUTCOMES:
        return STATUS_OUTCOMES[status], f"HTTP {status}"
    if status >= 500:
        return CheckOutcome.SERVER_ERROR, f"HTTP {status}{_retry_after_text(fetched)}"
    if status >= 400:
        return CheckOutcome.ERROR, f"HTTP {status}"
    if 300 <= status < 400:
        return CheckOutcome.ERROR, f"HTTP {status} without a usable Location"
    if reason := parking.parked_reason(text, fetched.address):
        return CheckOutcome.PARKED, f"a parked or for-sale domain: {reason}"
    if platforms.is_slack_invite_error(fetched.url, text):
        return CheckOutcome.INVITE_EXPIRED, "Slack says the shared invite is no longer valid"
    if platforms.is_telegram_nobody(fetched.url, text):
        if platforms.is_telegram_invite(url):
            return CheckOutcome.INVITE_EXPIRED, "Telegram shows no group for this invite link"
        return CheckOutcome.NOT_FOUND, "Telegram shows no channel or group by this name"
    if fetched.redirects:
        first_status = fetched.redirects[0][1]
        if first_status in (301, 308) and not platforms.same_site(url, fetched.url):
            return CheckOutcome.MOVED, f"HTTP {first_status} to {fetched.url}"
        return CheckOutcome.REDIRECTED, f"HTTP {status} after {len(fetched.redirects)} redirect(s) to {fetched.url}"
    return CheckOutcome.OK, f"HTTP {status}"
