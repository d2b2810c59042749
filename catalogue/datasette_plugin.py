"""copdir's Datasette plugin: the site's search page, the pages of issue 7, and template variables.

`/search` (HTML) and `/search.json` are where a person's "what do you practise?" goes: the SQL is
catalogue/search.py's; this module turns its answer into links and labels. A community's page
(templates/row-catalogue-communities.html) gets its values from catalogue/community_page.py. Each other page
keeps its routes in its own module.
"""
from __future__ import annotations

import os
import weakref
from urllib.parse import quote_plus

from datasette import hookimpl
from datasette.utils import add_cors_headers, tilde_encode, urlsafe_components
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from catalogue import qualities_view
from catalogue.community_page import ACTIVITY_LABELS, CATALOGUE, REACHABILITY_LABELS, community_page, safe_href
from catalogue.search import ALL_KINDS, Page, Search, Total, run_search
from catalogue.search_practice import KIND_LABELS

DEMO_ENV = "COPDIR_DEMO"


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    # The demo's statuses come from the simulated sample web: every page must say so.
    demo = {"copdir_demo": os.environ.get(DEMO_ENV) == "1"}
    if view_name != "row" or database != CATALOGUE or table != "communities" or request is None:
        return demo

    async def with_community_page():
        pks = urlsafe_components(request.url_vars["pks"])
        return {**demo, "community_page": await community_page(datasette, database, pks[0])}

    return with_community_page


# --- the search page --------------------------------------------------------------------------------------

# "How to join" is what its join link or page does now (an open invite, a form, a fee); "Membership" (a CoP quality)
# is who may become a member at all, as its page describes it. datasette_metadata.yml says the same to researchers.
FACET_TITLES = {"platform": "Platform", "activity": "Activity", "reachability": "Reachability",
                "language": "Language", "topic": "Topic", "domain": "Practice domain", "kind": "Kind",
                "region": "Region", "join_type": "How to join", **qualities_view.FACET_TITLES}
JOIN_LABELS = {"open": "open link — join now", "application": "form or approval", "invite_only": "invitation only",
               "paid": "paid sign-up", "unknown": "not stated"}
VALUE_LABELS = {"activity": ACTIVITY_LABELS, "reachability": REACHABILITY_LABELS,
                "kind": {**KIND_LABELS, ALL_KINDS: "everything listed"}, "join_type": JOIN_LABELS,
                **qualities_view.VALUE_LABELS}
RANKED_IN_PAGE = ("Pages run liveliest first; within each page, communities of the practice you searched that are"
                  " active, free, open and have a code of conduct come first — each result says why.")


def _label(name: str, value: str, extra: dict[str, dict[str, str]] | None = None) -> str:
    labels = extra[name] if extra and name in extra else VALUE_LABELS.get(name, {})
    return labels.get(value, value)


def total_label(total: Total | None) -> str:
    """ "1,234 communities"; "at least 12 …" when filters were counted over part of the matches."""
    if total is None:
        return "Counting took too long; the results below are the liveliest first."
    noun = "community" if total.count == 1 else "communities"
    if total.exact:
        return f"{total.count:,} {noun}"
    if total.matches is not None:
        return f"At least {total.count:,} {noun} — counted in {total.scanned:,} of the {total.matches:,} matches"
    return f"More than {total.count:,} {noun}"


def days_label(days: object) -> str:
    if days is None:
        return "no sign of activity found yet"
    # days_since_activity counts to the catalogue's build, not to today
    return {0: "last active the day the catalogue was built",
            1: "last active a day before the catalogue was built"}.get(
        days, f"last active {days} days before the catalogue was built")


def _query(params: dict[str, str | None]) -> str:
    """A query string from already-quoted values, leaving out empty ones."""
    kept = "&".join(f"{name}={value}" for name, value in params.items() if value)
    return "?" + kept if kept else ""


def search_view(datasette, page: Page, fmt: str = "") -> dict:
    """Everything the search page and its JSON show: results, total, facets with links, the next page.

    Built for speed as much as the SQL (a page of 20 with 5 facets makes ~50 links): the links are put
    together from values quoted once, not with urlencode and Datasette's URL objects per link.
    """
    search = page.search
    here = str(datasette.urls.path("/search" + fmt))
    current = {"q": quote_plus(search.text), **{name: quote_plus(value) for name, value in search.filters}}
    if search.kind != "community":
        current["kind"] = quote_plus(search.kind)
    chosen = {**dict(search.filters), **({"kind": search.kind} if search.kind != "community" else {})}
    names = {"domain": page.domain_names}

    def url(name: str, value: str | None) -> str:
        return here + _query({**current, name: quote_plus(value) if value else None})

    facets = [{"name": name, "title": FACET_TITLES[name],
               "values": [{"value": value, "label": _label(name, value, names), "count": count,
                           "selected": chosen.get(name) == value,
                           "url": url(name, None if chosen.get(name) == value else value)}
                          for value, count in values]}
              for name, values in page.facets.items() if values]
    community_pages = str(datasette.urls.table(CATALOGUE, "communities"))
    results = [{"id": row["id"], "name": row["name"] or row["id"],
                "page": f"{community_pages}/{tilde_encode(row['id'])}",
                "url": row["url"], "url_href": safe_href(row["url"]), "platform": row["platform"],
                "reachability": row["reachability"], "activity": row["activity"],
                "reachability_label": _label("reachability", row["reachability"]),
                "activity_label": _label("activity", row["activity"]),
                "activity_reason": row["activity_reason"] or "", "reachability_reason": row["reachability_reason"] or "",
                "days_since_activity": row["days_since_activity"], "days_label": days_label(row["days_since_activity"]),
                "language": row["language"], "description": row["description"] or "",
                "cost": row["cost"], "price": row["price"], "event_cadence": row["event_cadence"],
                "membership": row["membership"], "code_of_conduct": bool(row["has_code_of_conduct"]),
                "qualities": qualities_view.qualities_line(row), "marker": qualities_view.cost_marker(row),
                "kind": row.get("kind") or "community", "reasons": row.get("reasons") or [],
                "domains": row.get("domains") or [], "region": row.get("region"), "locality": row.get("locality"),
                "place": ", ".join(part for part in (row.get("locality"), row.get("region")) if part),
                "join_type": row.get("join_type")}
               for row in page.rows]
    total = page.total
    return {
        "q": search.text, "query": search.match, "words_left_out": search.words_left_out,
        "filters": [{"name": name, "title": FACET_TITLES[name], "value": value, "label": _label(name, value, names),
                     "remove_url": url(name, None)} for name, value in chosen.items()],
        "kind": search.kind,
        # Not communities: left out unless asked for; the link asks (and says how many matches it adds, when counted).
        "include_others": {"url": url("kind", ALL_KINDS), "count": page.others}
        if page.kinds and search.kind == "community" else None,
        "practice": [{"words": words, "domain": domain, "name": page.domain_names.get(domain, domain),
                      "url": url("domain", domain)} for words, domain in page.domains],
        "ranked_label": RANKED_IN_PAGE if page.ranked_in_page else "",
        "total": None if total is None else {"count": total.count, "exact": total.exact, "matches": total.matches,
                                             "scanned": total.scanned, "label": total_label(total)},
        "results": results, "facets": facets, "facets_over": page.facets_over,
        "facets_label": f"Counted over the first {page.facets_over:,} results, the liveliest."
        if page.facets_over and facets else "",
        "next": url("after", str(page.next_after)) if page.next_after is not None else None,
        "scan_ended": f"This page looked through the next {page.scan_ended:,} matches; search further for more."
        if page.scan_ended else "",
        "message": page.message, "timed_out": page.timed_out,
    }


async def _search(datasette, request) -> Page:
    if CATALOGUE not in datasette.databases:
        raise NotFound("There is no catalogue to search yet.")
    return await run_search(datasette.get_database(CATALOGUE), Search.from_args(request.args),
                            datasette.setting("facet_time_limit_ms"))


_sync_templates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per Datasette: its loader, not async


def _search_content(datasette, view: dict, request) -> Markup:
    """The search page's content (_search_content.html) rendered without async Jinja: at 1M communities, with 20
    results and their facets, it took ~60 % of the page's render time rendered async."""
    environment = _sync_templates.get(datasette)
    if environment is None:
        environment = _sync_templates[datasette] = datasette.jinja_env.overlay(enable_async=False)
    return Markup(environment.get_template("_search_content.html").render(search=view, urls=datasette.urls,
                                                                         request=request))


async def search_page(datasette, request) -> Response:
    page = await _search(datasette, request)
    view = search_view(datasette, page)
    view["json_url"] = datasette.urls.path("/search.json") + (f"?{request.query_string}" if request.query_string else "")
    html = await datasette.render_template("search.html", {"search": view,
                                                           "search_content": _search_content(datasette, view, request)},
                                           request=request, view_name="search")
    return Response.html(html, status=503 if page.timed_out else 200)


async def search_json(datasette, request) -> Response:
    page = await _search(datasette, request)
    view = search_view(datasette, page, ".json")
    keep = ("id", "name", "page", "url", "platform", "reachability", "activity", "activity_reason",
            "reachability_reason", "days_since_activity", "language", "description", "cost", "price", "event_cadence",
            "membership", "code_of_conduct", "marker", "kind", "reasons", "domains", "region", "locality", "join_type")
    view["results"] = [{key: row[key] for key in keep} for row in view["results"]]
    response = Response.json(view, status=503 if page.timed_out else 200)
    if datasette.cors:
        add_cors_headers(response.headers)
    return response


def _page_modules() -> list:
    # Each page of the public site keeps its routes and form limits in its own module (issue 7).
    from catalogue import (community_requests_page, feeds_page, moderation_page, owner_page, practice_page,
                           run_health_page, submit_page)

    return [submit_page, moderation_page, feeds_page, owner_page, community_requests_page, run_health_page,
            practice_page]


@hookimpl
def startup(datasette):
    # A newly published catalogue is read without a restart (catalogue/catalogue_swap.py).
    from catalogue.catalogue_swap import install

    install(datasette, CATALOGUE)


@hookimpl
def asgi_wrapper(datasette):
    # Datasette's CSRF check reads a POST's whole body before any route sees it: an oversized form is refused
    # before that, whichever form it is.
    from catalogue.form_guard import limit_form_sizes

    limits = {path: limit for module in _page_modules() for path, limit in getattr(module, "FORM_LIMITS", {}).items()}
    return limit_form_sizes(datasette, limits)


@hookimpl
def register_routes():
    return [(r"^/search$", search_page), (r"^/search\.json$", search_json),
            *(route for module in _page_modules() for route in module.ROUTES)]
