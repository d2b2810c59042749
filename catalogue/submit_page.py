"""The submission form at /submit (issue 7): a community owner or member proposes a listing.

A POST passes, in order: the size limit (Content-Length, then counted while reading), Datasette's CSRF
token, the sender's rate limit, the honeypot, validation, and — unless the sender has confirmed it is new —
the possible duplicates already in the catalogue. Only then is it stored, as pending, in the private store
(catalogue/submissions.py), which this module opens itself: it is never one of Datasette's databases.

asgi-csrf reads a form's whole body before any route sees it, so FORM_LIMITS has catalogue/form_guard.py refuse
an oversized POST before that; the handler checks again.
"""
from __future__ import annotations

import logging
import secrets
import sqlite3
from datetime import datetime, timezone
from typing import Any

from datasette.utils import sqlite_timelimit, tilde_encode
from datasette.utils.asgi import Response

from catalogue import submissions, validation
from catalogue.form_guard import FormLimit, declared_length, read_body
from catalogue.submissions import RateLimit, in_store
from catalogue.validation import MAX_BODY_BYTES

log = logging.getLogger(__name__)

SUBMIT_PATH = "/submit"
CATALOGUE = "catalogue"
DUPLICATES_TIME_LIMIT_MS = 1_000  # past this the form goes on without duplicates rather than keep the sender waiting
FIELDS = ("url", "name", "description", "topics", "platform", "language", "contact")

TOO_LARGE = (f"This submission is too large: copdir takes up to {MAX_BODY_BYTES // 1024} KB. "
             f"Keep the description under {validation.MAX_DESCRIPTION:,} characters and try again.")
FORM_EXPIRED = ("This form has expired or did not come from copdir's submission page. "
                "Check what you entered below and submit it again.")



async def _too_large_page(datasette) -> str:
    return await datasette.render_template("submit.html", _view(refusal=("error-size", TOO_LARGE)))


FORM_LIMITS = {SUBMIT_PATH: FormLimit(MAX_BODY_BYTES, _too_large_page)}


def reference(number: int) -> str:
    """What the sender is told to quote: the submission's id, padded alike for every sender."""
    return f"S-{number:06d}"


def _sender(conn: sqlite3.Connection, address: str, now: datetime) -> tuple[str, RateLimit | None]:
    """The sender's key in the store, and the rate limit they have used up, if any."""
    key = submissions.client_key(conn, address)
    return key, submissions.limit_reached(conn, key, now)


def _view(**parts: Any) -> dict:
    view = {"form": {}, "errors": {}, "duplicates": [], "received": None, "refusal": None,
            "platforms": validation.PLATFORMS, "languages": validation.LANGUAGES}
    view.update(parts)
    return {"submission": view}


async def _page(datasette, request, status: int = 200, **parts: Any) -> Response:
    html = await datasette.render_template("submit.html", _view(**parts), request=request, view_name="submit")
    return Response.html(html, status=status)


async def _duplicates(datasette, submission: validation.Submission) -> list[dict]:
    if CATALOGUE not in datasette.databases:
        return []

    def find(conn: sqlite3.Connection) -> list[submissions.Duplicate]:
        with sqlite_timelimit(conn, DUPLICATES_TIME_LIMIT_MS):
            return submissions.possible_duplicates(conn, submission.canonical_url, submission.name)

    try:
        found = await datasette.get_database(CATALOGUE).execute_fn(find)
    except sqlite3.OperationalError as error:  # interrupted by the time limit
        log.warning("looking for duplicates of %r stopped: %s", submission.canonical_url, error)
        return []
    return [{"name": item.name, "url": item.url, "reason": item.reason,
             "page": datasette.urls.row(CATALOGUE, "communities", tilde_encode(item.id))} for item in found]


async def submit(datasette, request) -> Response:
    if request.method == "GET":
        return await _page(datasette, request, form={"platform": "website", "language": "en"})
    if request.method != "POST":
        return Response.text("Use GET to see the form and POST to submit it.", status=405)
    return await _post(datasette, request)


async def _post(datasette, request) -> Response:
    length = declared_length(request.scope.get("headers") or [])
    body = await read_body(request.receive, MAX_BODY_BYTES) if length is None or length <= MAX_BODY_BYTES else None
    if body is None:
        return await _page(datasette, request, 413, refusal=("error-size", TOO_LARGE))
    try:
        form = validation.form_fields(body)
    except ValueError:  # more fields than any form of ours has
        return await _page(datasette, request, 400, refusal=("error-form", FORM_EXPIRED))
    typed = {field: form.get(field, "") for field in FIELDS}
    # asgi-csrf checks the token only when the request carries its cookie: a POST without one must fail here.
    if not secrets.compare_digest(form.get("csrftoken", ""), request.scope["csrftoken"]()):
        return await _page(datasette, request, 403, form=typed, refusal=("error-csrf", FORM_EXPIRED))

    now = datetime.now(timezone.utc)
    address = (request.scope.get("client") or ("unknown",))[0]
    key, limit = await in_store(_sender, address, now)
    if limit:
        return await _page(datasette, request, 429, refusal=("error-rate", limit.message()))
    if form.get("website", "").strip():  # the honeypot: only a bot fills what people cannot see
        log.info("honeypot filled; nothing stored")
        return await _page(datasette, request, received=reference(secrets.randbelow(10_000) + 1), name=typed["name"])

    submission, errors = validation.validate(form)
    if submission is None:
        return await _page(datasette, request, 400, form=typed, errors=errors)
    if not form.get("confirm_new"):
        if duplicates := await _duplicates(datasette, submission):
            return await _page(datasette, request, form=typed, duplicates=duplicates)

    stored = await in_store(submissions.store, submission, key, now)
    if isinstance(stored, RateLimit):
        return await _page(datasette, request, 429, refusal=("error-rate", stored.message()))
    log.info("submission %s stored as pending: %s", stored, submission.canonical_url)
    return await _page(datasette, request, received=reference(stored), name=submission.name)


ROUTES: list[tuple[str, object]] = [(r"^/submit$", submit)]
