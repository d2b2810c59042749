"""A code of conduct or community guidelines: the link `page_links.code_of_conduct` picks, with its text."""
from __future__ import annotations

from crawler.extract.page_links import Anchor, code_of_conduct
from crawler.extract.qualities._text import label
from crawler.models import Finding

QUALITY = "code_of_conduct"


def conduct_findings(anchors: list[Anchor], url: str) -> list[Finding]:
    link = code_of_conduct(anchors)
    if not link:
        return []
    text = next((label(anchor.text) for anchor in anchors if anchor.url == link and label(anchor.text)), "")
    return [Finding(QUALITY, "yes", f'link "{text}"' if text else f"link to {link}", url, link)]
