"""Moderation pages (issue 7): log in at /-/copdir-login, work the queue at /moderate, read /moderate/log.

Logging in sets Datasette's own signed actor cookie (`ds_actor`, the 0.65 format: {"a": actor, "e": expiry})
for the actor {"id": "moderator"}; only that actor may see or change the queue, and only while a password is
configured (catalogue/moderation.py). Every POST carries Datasette's CSRF token, checked here as the form
does (asgi-csrf checks only requests that carry its cookie). The private store is opened here, never served.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from datasette.utils import baseconv, sqlite_timelimit, tilde_encode
from datasette.utils.asgi import Response

from catalogue import community_requests, moderation, submissions
from catalogue.community_page import json_list, safe_href
from catalogue.form_guard import FormLimit, posted_form
from catalogue.submissions import in_store
from catalogue.submit_page import reference

log = logging.getLogger(__name__)

CATALOGUE = "catalogue"
SESSION_S = 12 * 3600  # a moderator logs in again after half a day
MAX_FORM_BYTES = 16 * 1024
DUPLICATES_TIME_LIMIT_MS = 1_000
HOW_TO_TURN_ON = ("Moderation is off: no moderator password is configured. To turn it on, run "
                  "`python -m catalogue.moderation`, put the hash it prints in the server's environment as "
                  f"{moderation.PASSWORD_HASH_ENV}, and restart the site.")
FORM_EXPIRED = "This form has expired or did not come from copdir. Open the page again and retry."
TOO_MANY = (f"Too many wrong passwords from this address: try again in "
            f"{int(moderation.FAILED_LOGIN_WINDOW.total_seconds() // 60)} minutes.")


async def _in_store(work: Callable[..., Any], *args: Any) -> Any:
    return await in_store(work, *args, opener=moderation.open_store)


def is_moderator(request) -> bool:
    actor = request.actor
    return moderation.moderation_enabled() and isinstance(actor, dict) and actor.get("id") == moderation.MODERATOR


async def _form(request) -> dict[str, str] | None:
    return await posted_form(request, MAX_FORM_BYTES)


def _address(request) -> str:
    return (request.scope.get("client") or ("unknown",))[0]


async def _render(datasette, request, template: str, view: dict, status: int = 200) -> Response:
    html = await datasette.render_template(template, {"moderation": view}, request=request, view_name="moderate")
    return Response.html(html, status=status)


# --- login and logout ---------------------------------------------------------------------------------------


async def login(datasette, request) -> Response:
    if not moderation.moderation_enabled():
        return await _render(datasette, request, "login.html", {"off": HOW_TO_TURN_ON}, 503)
    if request.method == "GET":
        return await _render(datasette, request, "login.html", {"logged_in": is_moderator(request)})
    if request.method != "POST":
        return Response.text("Use GET to see the form and POST to log in.", status=405)
    form = await _form(request)
    if form is None:
        return await _render(datasette, request, "login.html", {"error": FORM_EXPIRED}, 403)
    now = datetime.now(timezone.utc)

    def attempt(conn: sqlite3.Connection) -> str:
        key = submissions.client_key(conn, _address(request))
        if moderation.logins_blocked(conn, key, now):
            return "blocked"
        if moderation.password_matches(form.get("password", "")):
            moderation.log(conn, moderation.MODERATOR, "login", now)
            return "ok"
        moderation.record_failed_login(conn, key, now)
        return "wrong"

    outcome = await _in_store(attempt)
    if outcome == "blocked":
        log.warning("moderator login refused: too many failures from one sender")
        return await _render(datasette, request, "login.html", {"error": TOO_MANY}, 429)
    if outcome == "wrong":
        log.warning("moderator login refused: wrong password")
        return await _render(datasette, request, "login.html", {"error": "That password is not right."}, 403)
    response = Response.redirect(datasette.urls.path("/moderate"))
    expires = baseconv.base62.encode(int(time.time()) + SESSION_S)
    response.set_cookie("ds_actor", datasette.sign({"a": {"id": moderation.MODERATOR}, "e": expires}, "actor"),
                        max_age=SESSION_S, httponly=True, secure=request.scheme == "https")
    log.info("moderator logged in")
    return response


async def logout(datasette, request) -> Response:
    if request.method == "GET":
        return await _render(datasette, request, "login.html", {"logout": True, "logged_in": is_moderator(request)})
    if request.method != "POST":
        return Response.text("Use POST to log out.", status=405)
    if await _form(request) is None:
        return await _render(datasette, request, "login.html", {"logout": True, "error": FORM_EXPIRED}, 403)
    if is_moderator(request):
        await _in_store(moderation.log, moderation.MODERATOR, "logout", datetime.now(timezone.utc))
    response = Response.redirect(datasette.urls.path("/-/copdir-login"))
    response.set_cookie("ds_actor", "", expires=0, max_age=0)
    return response


# --- the queue ----------------------------------------------------------------------------------------------


async def _refused(datasette, request) -> Response | None:
    """The page a visitor who is not the moderator gets, or None for the moderator."""
    if not moderation.moderation_enabled():
        return await _render(datasette, request, "moderate.html", {"off": HOW_TO_TURN_ON}, 503)
    if not is_moderator(request):
        return await _render(datasette, request, "moderate.html", {"forbidden": True}, 403)
    return None


async def _duplicates(datasette, row: dict) -> list[dict]:
    if CATALOGUE not in datasette.databases:
        return []

    def find(conn: sqlite3.Connection) -> list[submissions.Duplicate]:
        with sqlite_timelimit(conn, DUPLICATES_TIME_LIMIT_MS):
            return submissions.possible_duplicates(conn, row["canonical_url"], row["name"])

    try:
        found = await datasette.get_database(CATALOGUE).execute_fn(find)
    except sqlite3.OperationalError as error:  # interrupted by the time limit
        log.warning("looking for duplicates of submission %s stopped: %s", row["id"], error)
        return []
    return [{"id": item.id, "name": item.name, "url": item.url, "reason": item.reason,
             "page": datasette.urls.row(CATALOGUE, "communities", tilde_encode(item.id))} for item in found]


def _pretty(text: object) -> str:
    """A JSON column laid out for reading ("" when empty); anything else as it is."""
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return str(text)
    return json.dumps(value, indent=2, ensure_ascii=False) if value else ""


def _check_view(check: dict | None) -> dict | None:
    if check is None:
        return None
    return {"checked_at": check.get("checked_at") or "", "outcome": check.get("outcome") or "",
            "detail": check.get("detail") or "", "final_url": check.get("final_url") or "",
            "profile": _pretty(check.get("profile")), "matches": _pretty(check.get("matches"))}


async def _queue_view(datasette) -> dict:
    def read(conn: sqlite3.Connection) -> tuple[list[dict], list[dict], dict[int, dict]]:
        rows = moderation.pending(conn)
        return rows, moderation.recently_decided(conn), moderation.latest_checks(conn, [row["id"] for row in rows])

    rows, decided, checks = await _in_store(read)
    reports = await in_store(community_requests.open_reports, opener=community_requests.open_store)
    for report in reports:
        report["page"] = datasette.urls.row(CATALOGUE, "communities", tilde_encode(report["community_id"]))
    queue = [{**row, "reference": reference(row["id"]), "href": safe_href(row["url"]),
              "topics": json_list(row["topics"]), "duplicates": await _duplicates(datasette, row),
              "check": _check_view(checks.get(row["id"]))} for row in rows]
    return {"queue": queue, "decided": [{**row, "reference": reference(row["id"])} for row in decided],
            "reports": reports}


async def _community_exists(datasette, community_id: str) -> bool:
    if CATALOGUE not in datasette.databases:
        return False
    found = await datasette.get_database(CATALOGUE).execute(
        "select 1 from communities where id = :id", {"id": community_id})
    return bool(found.rows)


async def moderate(datasette, request) -> Response:
    if refused := await _refused(datasette, request):
        return refused
    if request.method == "GET":
        return await _render(datasette, request, "moderate.html", await _queue_view(datasette))
    if request.method != "POST":
        return Response.text("Use GET to see the queue and POST to decide.", status=405)
    form = await _form(request)
    if form is None:
        return await _render(datasette, request, "moderate.html",
                             {**await _queue_view(datasette), "error": FORM_EXPIRED}, 403)
    if "report" in form:
        return await _decide_report(datasette, request, form)
    submission = form.get("submission", "")
    submission_id = int(submission) if submission.isdigit() else 0  # no submission has id 0
    chosen = moderation.decision(form.get("action", ""), form.get("reason", ""), form.get("community", ""))
    problem = chosen if isinstance(chosen, str) else ""
    if not problem and chosen.action == "merge" and not await _community_exists(datasette, form["community"].strip()):
        problem = f"There is no community {form['community'].strip()!r} in the catalogue."
    if not problem:
        problem = await _in_store(moderation.decide, submission_id, chosen, moderation.MODERATOR,
                                  datetime.now(timezone.utc))
    if problem:
        return await _render(datasette, request, "moderate.html", {**await _queue_view(datasette), "error": problem}, 400)
    log.info("submission %s: %s", submission_id, chosen.action)
    done = {"approve": "approved", "reject": "rejected", "merge": "merged"}[chosen.action]
    datasette.add_message(request, f"{reference(submission_id)} {done}.", datasette.INFO)
    return Response.redirect(datasette.urls.path("/moderate"))


async def _decide_report(datasette, request, form: dict[str, str]) -> Response:
    report_id = int(form["report"]) if form["report"].isdigit() else 0  # no report has id 0
    action = form.get("action", "")
    problem = await in_store(community_requests.decide_report, report_id, action, form.get("note", "").strip(),
                             moderation.MODERATOR, datetime.now(timezone.utc), opener=community_requests.open_store)
    if problem:
        return await _render(datasette, request, "moderate.html", {**await _queue_view(datasette), "error": problem}, 400)
    log.info("report %s: %s", report_id, action)
    done = community_requests.REPORT_ACTIONS[action]
    datasette.add_message(request, f"{community_requests.report_reference(report_id)} {done}.", datasette.INFO)
    return Response.redirect(datasette.urls.path("/moderate"))


async def moderation_log(datasette, request) -> Response:
    if refused := await _refused(datasette, request):
        return refused
    rows = await _in_store(moderation.log_rows)
    entries = [{**row, "reference": reference(row["submission_id"]) if row["submission_id"] else ""} for row in rows]
    return await _render(datasette, request, "moderate_log.html", {"log": entries})


ROUTES: list[tuple[str, object]] = [
    (r"^/-/copdir-login$", login), (r"^/-/copdir-logout$", logout),
    (r"^/moderate$", moderate), (r"^/moderate/log$", moderation_log),
]
FORM_LIMITS = {path: FormLimit(MAX_FORM_BYTES) for path in ("/-/copdir-login", "/-/copdir-logout", "/moderate")}
