"""A small catalogue and copdir's site on it, in-process, for the tests of the site's pages and forms.

`community_row` is one catalogue community with every column the search, the forms and the pages read;
`write_catalogue` stores rows as catalogue/build.py would (each its own link, FTS over the same columns);
`datasette_for` serves any catalogue with the project's metadata, templates and settings, and `get` asks it for a
page; `site_app` serves it as `copdir serve` does — with the plugin's ASGI wrapper too (the size guard before
asgi-csrf). `FormVisitor` opens a page and posts its form with its token.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

import sqlite_utils
import yaml
from bs4 import BeautifulSoup
from datasette.app import Datasette

from catalogue.datasette_plugin import asgi_wrapper
from catalogue.publish import SETTINGS, TEMPLATES
from conftest import REPO
from site_visitor import SiteVisitor

SCRIPT = "<script>alert('copdir')</script>"


def community_row(id: str, name: str, url: str, **more) -> dict:
    return {"id": id, "name": name, "url": url, "description": "", "platform": "website", "reachability": "live",
            "activity": "active", "sections": "", "topics": "[]", "language": "en", "activity_rank": 0,
            "days_since_activity": 1, **more}


def write_catalogue(path: Path, communities: Iterable[dict], extra_links: Iterable[dict] = ()) -> Path:
    rows = list(communities)
    db = sqlite_utils.Database(path)
    db["communities"].insert_all(rows, pk="id")
    own = ({"id": row["id"], "community_id": row["id"], "url": row["url"], "platform": row["platform"],
            "reachability": row["reachability"], "activity": row["activity"], "activity_rank": row["activity_rank"],
            "status_reason": row.get("status_reason", "")} for row in rows)
    db["links"].insert_all([*own, *extra_links], pk="id", alter=True)
    db["links"].create_index(["url"])
    db["communities"].enable_fts(["name", "description", "sections", "topics", "platform"], tokenize="porter")
    db.close()
    return path


def datasette_for(catalogue: Path) -> Datasette:
    metadata = yaml.safe_load((REPO / "datasette_metadata.yml").read_text())
    return Datasette([str(catalogue)], metadata=metadata, template_dir=str(TEMPLATES), settings=SETTINGS)


def get(site: Datasette, path: str, status: int = 200):
    """The site's answer at path, which must have the given status."""
    response = asyncio.run(site.client.get(path))
    assert response.status_code == status, (path, response.status_code, response.text[:500])
    return response


def site_app(catalogue: Path):
    """The app as the plugin's asgi_wrapper hook wraps it under `copdir serve`."""
    datasette = datasette_for(catalogue)
    return asgi_wrapper(datasette)(datasette.app())


class FormVisitor(SiteVisitor):
    def page(self, path: str, status: int = 200) -> BeautifulSoup:
        response = self.request("GET", path)
        assert response.status_code == status, response.text
        return BeautifulSoup(response.text, "html.parser")

    def post(self, path: str, page: BeautifulSoup, **fields: str):
        field = page.find("input", attrs={"name": "csrftoken"})  # a page with no form: the token its cookie holds
        token = field["value"] if field else self.client.cookies.get("ds_csrftoken", "")
        return self.request("POST", path, data={**fields, "csrftoken": token})
