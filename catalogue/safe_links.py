"""Which addresses from the catalogue may become links on the site's pages.

Values from the catalogue are never trusted as markup: the templates escape them, and only an http(s) address
with a host, with no white space or control character in it, becomes a link (no javascript:, no data:).
Shared by the community page (catalogue/community_page.py) and its qualities section (catalogue/qualities_view.py),
which community_page imports, so it lives apart from both.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def safe_href(url: object) -> str | None:
    """The address itself when it can safely be a link (http or https, with a host), else None."""
    if not isinstance(url, str) or _SPACE_OR_CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None
