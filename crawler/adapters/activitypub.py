"""ActivityPub actors (fetched with Accept: application/activity+json): a Lemmy, Discourse or NodeBB
community is a Group, a Lemmy instance an Application. They name and describe it; their
`updated` time is the profile's, not a post's, so it is no evidence of activity."""
from __future__ import annotations

from datetime import datetime

from crawler.adapters.base import AdapterResult, as_list, dig, empty, language, load_json, text
from crawler.models import Profile

COMMUNITY_ACTOR_TYPES = frozenset({"Group", "Application", "Organization", "Service"})


def actor(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    payload = load_json(body)
    kind = dig(payload, "type")
    if status != 200 or not isinstance(kind, str) or kind not in COMMUNITY_ACTOR_TYPES:
        return empty(url, observed_at)
    languages = as_list(payload.get("language"))
    return AdapterResult(Profile(
        url=url, observed_at=observed_at,
        name=text(payload.get("name"), 200) or text(payload.get("preferredUsername"), 200),
        description=text(payload.get("summary")) or text(payload.get("description")),
        language=language(dig(languages[0], "identifier")) if languages else ""))


ADAPTERS = {"activitypub_actor": actor}
