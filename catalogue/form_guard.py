"""What every form POST of the site passes first: a size limit before anything reads the whole body, then CSRF.

asgi-csrf (Datasette's CSRF check) reads a form's whole body before any route sees it, so `limit_form_sizes`
wraps the whole app (the plugin's `asgi_wrapper` hook) and refuses a POST to a form's path past that form's limit
— by its Content-Length, or while reading — with 413 and a page that says so; the rest is never read. Each page
module declares its limits in FORM_LIMITS. `posted_form` reads a small form's fields in a handler, capped again,
and checks the CSRF token (asgi-csrf checks it only when the request carries its cookie).
"""
from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from datasette.utils.asgi import Response

from catalogue import validation

Receive = Callable[[], Awaitable[dict]]


@dataclass(frozen=True)
class FormLimit:
    max_bytes: int
    page: Callable[[Any], Awaitable[str]] | None = None  # the refusal's HTML from datasette; None: the shared page


def too_large_message(max_bytes: int) -> str:
    return (f"This form is too large: copdir takes up to {max_bytes // 1024} KB here. "
            "Go back, shorten what you entered and send it again.")


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The request's body, or None as soon as it passes `limit` bytes (the rest is never read)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None  # the sender went away
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def posted_form(request, limit: int) -> dict[str, str] | None:
    """A small form's fields, or None when the body passes `limit` bytes (the rest is never read), is malformed,
    or lacks this site's CSRF token."""
    body = await read_body(request.receive, limit)
    if body is None:
        return None
    try:
        form = validation.form_fields(body)
    except ValueError:
        return None
    return form if secrets.compare_digest(form.get("csrftoken", ""), request.scope["csrftoken"]()) else None


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    value = dict(headers).get(b"content-length")
    return int(value) if value is not None and value.strip().isdigit() else None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body already read, then whatever comes after (a disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> dict:
        return pending.pop() if pending else await receive()

    return replay


async def _refusal_page(datasette, limit: FormLimit) -> str:
    if limit.page is not None:
        return await limit.page(datasette)
    return await datasette.render_template("refused.html", {"refused": {
        "title": "Too large", "message": too_large_message(limit.max_bytes)}})


def limit_form_sizes(datasette, limits: Mapping[str, FormLimit]) -> Callable:
    """An ASGI wrapper that refuses a POST to one of the paths past its limit before anything reads all of it."""
    by_path = {**{str(datasette.urls.path(path)): limit for path, limit in limits.items()}, **limits}

    def wrap(app: Callable) -> Callable:
        async def guarded(scope: dict, receive: Receive, send: Callable) -> None:
            limit = by_path.get(scope.get("path")) if scope["type"] == "http" and scope.get("method") == "POST" \
                else None
            if limit is None:
                await app(scope, receive, send)
                return
            length = declared_length(scope.get("headers") or [])
            body = await read_body(receive, limit.max_bytes) if length is None or length <= limit.max_bytes else None
            if body is None:
                await datasette.invoke_startup()  # this wrapper runs before Datasette's own first-request startup
                await Response.html(await _refusal_page(datasette, limit), status=413).asgi_send(send)
                return
            await app(scope, _replay(body, receive), send)

        return guarded

    return wrap
