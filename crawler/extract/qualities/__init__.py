"""Community-of-practice qualities a page shows, each with its evidence (issue 10).

Every extractor is a pure function over the parsed page (its own text, its links, its JSON-LD and the
events it announces) returning `Finding`s: the quality, a value and what was seen where. The findings of
a community's page and platform answers are folded into its published qualities by `crawler.qualities`.
"""
from __future__ import annotations

from crawler.extract.page_links import Anchor
from crawler.extract.qualities import cadence, conduct, cost, knowledge, membership, people
from crawler.models import Event, Finding

__all__ = ["page_qualities"]


def page_qualities(anchors: list[Anchor], own_text: str, ld_nodes: list[dict], events: tuple[Event, ...],
                   url: str) -> tuple[Finding, ...]:
    """Everything the page says of its qualities; anchors and text are the site's own (no user posts)."""
    own_anchors = [anchor for anchor in anchors if not anchor.user_content]
    return (*cadence.page_cadence(own_text, ld_nodes, events, own_anchors, url),
            *knowledge.knowledge_links(own_anchors, url),
            *conduct.conduct_findings(own_anchors, url),
            *people.moderator_findings(own_anchors, own_text, url),
            *people.mentoring_findings(own_anchors, own_text, url),
            *membership.membership_findings(own_anchors, own_text, url),
            *cost.cost_findings(own_anchors, own_text, ld_nodes, url))
