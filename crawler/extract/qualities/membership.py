"""How one becomes a member: open, by application, or by invitation only — the same signals as the join
link (`page_join`), each kept with its evidence. A fee is cost's business, not membership's."""
from __future__ import annotations

from crawler.extract.page_join import join_evidence
from crawler.extract.page_links import Anchor
from crawler.extract.dom import host_of
from crawler.models import Finding, JoinType
from crawler.urls import HTTPS_ONLY_DOMAINS

QUALITY = "membership"
VALUES = {JoinType.OPEN: "open", JoinType.APPLICATION: "application", JoinType.INVITE_ONLY: "invite-only"}


def membership_findings(anchors: list[Anchor], text: str, url: str) -> list[Finding]:
    host = host_of(url)
    if any(host == domain or host.endswith("." + domain) for domain in HTTPS_ONLY_DOMAINS):
        return []  # GitHub's or Reddit's "Sign up" is an account on the platform: its adapter says how to join
    return [Finding(QUALITY, VALUES[kind], evidence, url, link) for kind, evidence, link in join_evidence(anchors, text)
            if kind in VALUES]


def from_join_type(join_type: JoinType, source_url: str, platform: str) -> list[Finding]:
    """What a platform's answer says of joining (Lemmy's registration mode, Mastodon's approval, Reddit's
    access), as membership evidence."""
    if join_type not in VALUES:
        return []
    return [Finding(QUALITY, VALUES[join_type], f"{platform} says registration is {VALUES[join_type]}", source_url)]
