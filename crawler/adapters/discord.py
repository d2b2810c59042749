"""Discord invites: GET /api/v10/invites/CODE?with_counts=true answers the invite object (server name,
description, approximate member and presence counts, expiry) or error 10006, "Unknown Invite"."""
from __future__ import annotations

from datetime import datetime, timedelta

from crawler.adapters.base import AdapterResult, Signals, ahead, as_dict, count, empty, load_json, moment, text
from crawler.models import JoinType, Platform, Profile, SignalKind
from crawler.platforms import DISCORD_UNKNOWN_INVITE_CODE


def invite(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    payload = as_dict(load_json(body))
    signals = Signals(url, observed_at)
    if payload.get("code") == DISCORD_UNKNOWN_INVITE_CODE:  # expired, revoked or never valid
        signals.add(SignalKind.INVITE_VALID, False)
        return empty(url, observed_at, platform=Platform.DISCORD, signals=signals.tuple())
    code = payload.get("code")
    guild, channel = as_dict(payload.get("guild")), as_dict(payload.get("channel"))
    if status != 200 or not isinstance(code, str) or not (guild or channel):
        return empty(url, observed_at)  # another error (auth, rate limit) or not an invite object
    signals.add(SignalKind.INVITE_VALID, True)
    signals.add(SignalKind.INVITE_EXPIRES, _expiry(payload, observed_at))
    signals.add(SignalKind.MEMBERS, count(payload.get("approximate_member_count")))
    signals.add(SignalKind.ONLINE_MEMBERS, count(payload.get("approximate_presence_count")))
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=text(guild.get("name"), 200) or text(channel.get("name"), 200),
        description=text(guild.get("description")), platform=Platform.DISCORD,
        join_url=f"https://discord.com/invite/{code}" if code.replace("-", "").isalnum() else "",
        join_type=JoinType.OPEN, signals=signals.tuple()))


def _expiry(payload: dict, observed_at: datetime) -> datetime | None:
    """expires_at, or created_at + max_age from invite metadata; None for invites that never expire."""
    if payload.get("expires_at") is not None:
        return ahead(payload["expires_at"], observed_at)
    created, max_age = moment(payload.get("created_at")), count(payload.get("max_age"))
    if created is None or not max_age:  # max_age 0 means "never"
        return None
    try:
        return ahead(created + timedelta(seconds=max_age), observed_at)
    except OverflowError:  # beyond year 9999: as good as never
        return None


ADAPTERS = {"discord_invite": invite}
