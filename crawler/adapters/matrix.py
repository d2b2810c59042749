"""Matrix rooms: the client API's room summary (GET /_matrix/client/v1/room_summary/{room}) and the
public room directory (GET /_matrix/client/v3/publicRooms, whose chunk lists rooms of that shape)."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote, urlsplit

from crawler.adapters.base import AdapterResult, Signals, as_dict, as_list, count, empty, load_json, text
from crawler.models import JoinType, Platform, Profile, SignalKind

ACCESS_BY_JOIN_RULE = {"public": "public", "knock": "restricted", "restricted": "restricted",
                       "knock_restricted": "restricted", "invite": "private", "private": "private"}
JOIN_BY_JOIN_RULE = {"public": JoinType.OPEN, "knock": JoinType.APPLICATION, "knock_restricted": JoinType.APPLICATION,
                     "invite": JoinType.INVITE_ONLY, "private": JoinType.INVITE_ONLY}


def room_summary(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    payload = as_dict(load_json(body))
    if status == 403 and payload.get("errcode") == "M_FORBIDDEN":  # the room exists but is not for outsiders
        signals = Signals(url, observed_at)
        signals.add(SignalKind.ACCESS, "private")
        return empty(url, observed_at, platform=Platform.MATRIX, signals=signals.tuple())
    if status != 200 or not isinstance(payload.get("room_id"), str):
        return empty(url, observed_at)
    return AdapterResult(_room(payload, url, observed_at))


def public_rooms(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """A directory page: the room named in the URL's fragment (#alias or !id), or its only room."""
    rooms = [as_dict(room) for room in as_list(as_dict(load_json(body)).get("chunk"))
             if isinstance(as_dict(room).get("room_id"), str)]
    wanted = unquote(urlsplit(url).fragment).lstrip("/").lower()
    chosen = next((room for room in rooms if wanted and wanted in (
        str(room.get("room_id")).lower(), str(room.get("canonical_alias")).lower())), None)
    if chosen is None and len(rooms) == 1 and not wanted:
        chosen = rooms[0]
    if status != 200 or chosen is None:
        return empty(url, observed_at)
    return AdapterResult(_room(chosen, url, observed_at))


def _room(room: dict, url: str, observed_at: datetime) -> Profile:
    rule = room.get("join_rule") if isinstance(room.get("join_rule"), str) else ""
    signals = Signals(url, observed_at)
    signals.add(SignalKind.MEMBERS, count(room.get("num_joined_members")))
    signals.add(SignalKind.ACCESS, ACCESS_BY_JOIN_RULE.get(rule))
    alias = room.get("canonical_alias")
    return Profile(
        url=url, observed_at=observed_at, name=text(room.get("name"), 200) or text(alias, 200),
        description=text(room.get("topic")), platform=Platform.MATRIX,
        join_url=f"https://matrix.to/#/{alias}" if isinstance(alias, str) and alias.startswith("#") else "",
        join_type=JOIN_BY_JOIN_RULE.get(rule, JoinType.UNKNOWN), signals=signals.tuple())


ADAPTERS = {
    "matrix_room": room_summary,
    "matrix_public_rooms": public_rooms,
}
