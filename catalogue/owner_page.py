"""Ownership: claiming a listing (/claim) and, once verified, managing it (/owner) (issue 7).

/claim?community=ID shows the community and asks for a contact; the POST (CSRF, per-address rate limit) stores
a claim in the private store (catalogue/claims.py) and shows, once, the token to place on the community's site
and the owner's private link. `copdir claims verify` looks for the token. /owner?claim=ID&key=KEY then lets a
verified owner ask for a hiatus, a move, a closure or a clear (`copdir claims apply` writes those requests), or a
recheck, throttled as anyone's (catalogue/community_requests.py).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response

from catalogue import claims, community_requests, submissions, validation
from catalogue.form_guard import FormLimit, posted_form
from catalogue.submissions import in_store
from catalogue.submit_page import FORM_EXPIRED

log = logging.getLogger(__name__)

CATALOGUE = "catalogue"
MAX_FORM_BYTES = 8 * 1024  # a contact, a date or a URL: anything larger is not this form


async def _community(datasette, community_id: str) -> dict | None:
    if CATALOGUE not in datasette.databases or not community_id:
        return None
    rows = await datasette.get_database(CATALOGUE).execute(
        "select id, name, url from communities where id = ?", [community_id])
    return dict(rows.first()) if rows.first() else None


async def _form(request) -> dict[str, str] | None:
    return await posted_form(request, MAX_FORM_BYTES)


async def _render(datasette, request, template: str, status: int = 200, **view: Any) -> Response:
    html = await datasette.render_template(template, {"claim_page": view}, request=request, view_name=template)
    return Response.html(html, status=status)


def _owner_link(datasette, request, claim_id: int, key: str) -> str:
    path = datasette.urls.path("/owner?" + urlencode({"claim": claim_id, "key": key}))
    return f"{request.scheme}://{request.host}{path}"


async def claim(datasette, request) -> Response:
    community_id = request.args.get("community", "") if request.method == "GET" else ""
    if request.method == "POST":
        form = await _form(request)
        if form is None:
            return await _render(datasette, request, "claim.html", 403, error=FORM_EXPIRED)
        community_id = form.get("community", "")
    community = await _community(datasette, community_id)
    if community is None:
        return await _render(datasette, request, "claim.html", 404,
                             error="There is no such community in the catalogue: open its page and follow "
                                   "“Claim this listing”.")
    if request.method != "POST":
        return await _render(datasette, request, "claim.html", community=community)

    contact = form.get("contact", "").strip()
    if message := validation.check_contact(contact):
        return await _render(datasette, request, "claim.html", 400, community=community, error=message,
                             contact=contact)
    now = datetime.now(timezone.utc)
    address = (request.scope.get("client") or ("unknown",))[0]

    def create(conn):
        return claims.create(conn, community["id"], community["url"], contact,
                             submissions.client_key(conn, address), now)

    made = await in_store(create, opener=claims.open_store)
    if isinstance(made, submissions.RateLimit):
        return await _render(datasette, request, "claim.html", 429, community=community,
                             error=claims.claim_limit_message(made))
    log.info("claim %s made for community %s", made.claim.id, community["id"])
    return await _render(datasette, request, "claim.html", community=community, made=made.claim,
                         owner_link=_owner_link(datasette, request, made.claim.id, made.key),
                         meta_name=claims.META_NAME, well_known=claims.WELL_KNOWN_PATH)


async def owner(datasette, request) -> Response:
    form: dict[str, str] = {}
    if request.method == "POST":
        form = await _form(request) or {}
        if not form:
            return await _render(datasette, request, "owner.html", 403, error=FORM_EXPIRED)
    claim_id = form.get("claim") or request.args.get("claim", "")
    key = form.get("key") or request.args.get("key", "")
    found = await in_store(claims.with_key, claim_id, key, opener=claims.open_store)
    if found is None:
        return await _render(datasette, request, "owner.html", 403,
                             error="This owner link is not valid: use the link shown when you made the claim.")
    view = {"claim": found, "key": key, "well_known": claims.WELL_KNOWN_PATH, "meta_name": claims.META_NAME}
    if request.method != "POST":
        return await _render(datasette, request, "owner.html", **view)
    if not found.verified:
        return await _render(datasette, request, "owner.html", 409, **view,
                             error="This claim is not verified yet, so copdir cannot take requests for it.")
    now = datetime.now(timezone.utc)
    if form.get("action") == "recheck":  # the same throttle as anyone's request: no owner can make copdir hammer
        asked = await in_store(community_requests.request_recheck, found.community_id, f"owner claim {found.id}", "",
                               now, opener=community_requests.open_store)
        if isinstance(asked, community_requests.Refused):
            return await _render(datasette, request, "owner.html", asked.status, **view, error=asked.message)
        return await _render(datasette, request, "owner.html", **view, recheck_at=asked.requested_at)
    parsed, message = claims.parse_request(form, now.date())
    if parsed is None:
        return await _render(datasette, request, "owner.html", 400, **view, error=message)
    kind, until, url = parsed
    await in_store(claims.add_request, found, kind, until, url, now, opener=claims.open_store)
    log.info("owner request %s for claim %s", kind, found.id)
    return await _render(datasette, request, "owner.html", **view, received=kind)


ROUTES: list[tuple[str, object]] = [(r"^/claim$", claim), (r"^/owner$", owner)]
FORM_LIMITS = {"/claim": FormLimit(MAX_FORM_BYTES), "/owner": FormLimit(MAX_FORM_BYTES)}
