"""Asking copdir about a listed community (issue 7): /recheck?community=ID and /report?community=ID.

Each POST passes what the submission form's does, in order: the size limit (FORM_LIMITS, before anything reads
the body), Datasette's CSRF token, the honeypot, validation, and the sender's rate limit; a recheck also the
per-community throttle. Both are stored in the private store (catalogue/community_requests.py), never public: a
recheck happens at the next check run, a report waits for a moderator.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timezone
from typing import Any

from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from catalogue import community_requests, submissions
from catalogue.form_guard import FormLimit, posted_form
from catalogue.submissions import in_store
from catalogue.submit_page import FORM_EXPIRED

log = logging.getLogger(__name__)

CATALOGUE = "catalogue"
MAX_RECHECK_BYTES = 4 * 1024  # a token and an id
MAX_REPORT_BYTES = 16 * 1024  # a description of MAX_REPORT characters, percent-encoded
NOT_LISTED = "There is no such community in the catalogue: open its page and follow the link from there."


async def _community(datasette, community_id: str) -> dict | None:
    if CATALOGUE not in datasette.databases or not community_id:
        return None
    rows = await datasette.get_database(CATALOGUE).execute(
        "select id, name, url from communities where id = ?", [community_id])
    if not rows.first():
        return None
    return {**dict(rows.first()), "page": datasette.urls.row(CATALOGUE, "communities", tilde_encode(community_id))}


async def _render(datasette, request, template: str, status: int = 200, **view: Any) -> Response:
    html = await datasette.render_template(template, {"ask": view}, request=request, view_name=template)
    return Response.html(html, status=status)


def _address(request) -> str:
    return (request.scope.get("client") or ("unknown",))[0]


async def _opened(datasette, request, template: str, limit: int) -> tuple[dict | None, dict, Response | None]:
    """The community and the posted form, or the page that refuses them."""
    form: dict[str, str] = {}
    community_id = request.args.get("community", "")
    if request.method == "POST":
        posted = await posted_form(request, limit)
        if posted is None:
            return None, {}, await _render(datasette, request, template, 403, error=FORM_EXPIRED)
        form, community_id = posted, posted.get("community", "")
    elif request.method != "GET":
        return None, {}, Response.text("Use GET to see the form and POST to send it.", status=405)
    community = await _community(datasette, community_id)
    if community is None:
        return None, form, await _render(datasette, request, template, 404, error=NOT_LISTED)
    return community, form, None


async def recheck(datasette, request) -> Response:
    community, form, refused = await _opened(datasette, request, "recheck.html", MAX_RECHECK_BYTES)
    if refused:
        return refused
    if form.get("website", "").strip():  # the honeypot: only a bot fills what people cannot see
        log.info("honeypot filled on a recheck; nothing stored")
        return await _render(datasette, request, "recheck.html", community=community, received=True)
    now = datetime.now(timezone.utc)
    if request.method == "GET":
        latest = await in_store(community_requests.latest_recheck, community["id"], opener=community_requests.open_store)
        # Within the cooldown the page says when to ask again instead of offering a form that would be refused.
        waiting = await in_store(community_requests.recheck_refusal, community["id"], now,
                                 opener=community_requests.open_store)
        return await _render(datasette, request, "recheck.html", community=community, latest=latest,
                             wait=waiting.message if waiting and latest.status != "pending" else None)

    def ask(conn):
        key = submissions.client_key(conn, _address(request))
        return community_requests.request_recheck(conn, community["id"], "public", key, now)

    made = await in_store(ask, opener=community_requests.open_store)
    if isinstance(made, community_requests.Refused):  # a resent form, too: say why and when, offer no form
        latest = await in_store(community_requests.latest_recheck, community["id"], opener=community_requests.open_store)
        return await _render(datasette, request, "recheck.html", made.status, community=community, error=made.message,
                             latest=latest, refused=True)
    log.info("recheck %s requested for community %s", made.id, community["id"])
    return await _render(datasette, request, "recheck.html", community=community, latest=made, received=True)


async def report(datasette, request) -> Response:
    view: dict[str, Any] = {"categories": community_requests.REPORT_CATEGORIES, "form": {}, "errors": {}}
    community, form, refused = await _opened(datasette, request, "report.html", MAX_REPORT_BYTES)
    if refused:
        return refused
    view.update(community=community, form={"category": form.get("category", ""),
                                           "description": form.get("description", "")})
    if request.method == "GET":
        return await _render(datasette, request, "report.html", **view)
    if form.get("website", "").strip():  # the honeypot
        log.info("honeypot filled on a report; nothing stored")
        return await _render(datasette, request, "report.html", **view, received=community_requests.report_reference(secrets.randbelow(10_000) + 1))
    parsed, errors = community_requests.parse_report(form)
    if parsed is None:
        return await _render(datasette, request, "report.html", 400, **{**view, "errors": errors})
    now = datetime.now(timezone.utc)

    def store(conn):
        key = submissions.client_key(conn, _address(request))
        return community_requests.report_problem(conn, community["id"], *parsed, key, now)

    made = await in_store(store, opener=community_requests.open_store)
    if isinstance(made, submissions.RateLimit):
        return await _render(datasette, request, "report.html", 429, **view,
                             error=community_requests.rate_message(made))
    log.info("problem report %s for community %s", made, community["id"])
    return await _render(datasette, request, "report.html", **{**view, "form": {}},
                         received=community_requests.report_reference(made))


ROUTES: list[tuple[str, object]] = [(r"^/recheck$", recheck), (r"^/report$", report)]
FORM_LIMITS = {"/recheck": FormLimit(MAX_RECHECK_BYTES), "/report": FormLimit(MAX_REPORT_BYTES)}
