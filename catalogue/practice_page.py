"""The site's practice pages: /domains (browse by practice domain) and the community page's "Why it is listed".

/domains lists the taxonomy's groups and domains with how many communities each holds and how many of them are
active and live (counted by the build, catalogue/build_practice.py), each linking to the search filtered to it.
A community's page says what copdir believes it is (its kind, and why) and what it practises (its domains, each
with a confidence and the evidence). Values are escaped by the templates; nothing here is markup.
"""
from __future__ import annotations

from urllib.parse import urlencode

from datasette.utils.asgi import NotFound, Response

from catalogue.search_practice import KIND_LABELS

CATALOGUE = "catalogue"
KIND_MEANINGS = {
    "community": "a community of practice: a place or group where people who do this meet and talk",
    "organisation": "an organisation (a company, foundation, school or programme), not a community itself; "
                    "it is kept, but the site's search leaves it out unless asked",
    "event": "an event or conference, not a community itself; kept, but left out of the search unless asked",
    "resource": "a resource or tool (a product, library, guide or list), not a community; kept, but left out of "
                "the search unless asked",
    "other": "nothing says it is a group of people; kept, but left out of the search unless asked",
}


def confidence_label(confidence: float | None) -> str:
    value = confidence or 0.0
    return f"{'high' if value >= 0.7 else 'medium' if value >= 0.5 else 'low'} ({value:.2f})"


async def practice_section(db, community: dict, tables: set[str]) -> dict | None:
    """What a community's page shows under "Why copdir lists it as a community of practice"."""
    if "kind" not in community:
        return None  # a catalogue built before practice domains
    domains = []
    if {"community_domains", "practice_domains"} <= tables:
        domains = [dict(row) for row in (await db.execute(
            "select d.domain, coalesce(p.name, d.domain) as name, p.group_name, d.confidence, d.evidence"
            " from community_domains d left join practice_domains p on p.id = d.domain"
            " where d.community_id = :id order by d.confidence desc, d.domain", {"id": community["id"]})).rows]
    kind = community.get("kind") or "community"
    return {
        "kind": kind, "kind_label": KIND_LABELS.get(kind, kind), "kind_meaning": KIND_MEANINGS.get(kind, ""),
        "kind_reason": community.get("kind_reason") or "",
        "domains": [{**row, "confidence_label": confidence_label(row["confidence"]),
                     "evidence": [part for part in (row["evidence"] or "").split("; ") if part],
                     "search": "/search?" + urlencode({"domain": row["domain"]})} for row in domains],
    }


async def domains_page(datasette, request) -> Response:
    if CATALOGUE not in datasette.databases:
        raise NotFound("There is no catalogue yet.")
    db = datasette.get_database(CATALOGUE)
    if "practice_domains" not in set(await db.table_names()):
        raise NotFound("This catalogue has no practice domains yet; run `copdir build` to add them.")
    groups: dict[str, dict] = {}
    for row in (await db.execute("select id, name, group_id, group_name, communities, active_communities"
                                 " from practice_domains order by rowid")).rows:
        group = groups.setdefault(row["group_id"], {"id": row["group_id"], "name": row["group_name"], "domains": [],
                                                    "communities": 0, "active": 0})
        group["domains"].append({"id": row["id"], "name": row["name"], "communities": row["communities"],
                                 "active": row["active_communities"],
                                 "url": datasette.urls.path("/search?" + urlencode({"domain": row["id"]}))})
        group["communities"] += row["communities"]
        group["active"] += row["active_communities"]
    html = await datasette.render_template("domains.html", {"groups": list(groups.values())}, request=request,
                                           view_name="domains")
    return Response.html(html)


ROUTES = [(r"^/domains$", domains_page)]
