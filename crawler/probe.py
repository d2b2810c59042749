"""Profile and check one URL now, and say what status it would get and why.

This is `copdir probe`: the answer to an owner's "why is my community shown as dead?". It uses
the same pieces as the pipeline — the guarded network layer, robots.txt, the page extractor,
the platform adapters, the checker and the scorer — for one URL, in one process, without
touching any database.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from crawler import adapters
from crawler.check import Checker
from crawler.extract.page import profile_page
from crawler.models import CheckResult, Platform, Profile, Status, merge_profiles
from crawler.net import NetPolicy, Resolver, fetch, make_client
from crawler.robots import RobotsCache
from crawler.score import score
from crawler.urls import canonicalize, platform_of

MAX_ANSWERS = 8  # page, platform endpoints, follow-ups and feeds: enough for any platform we know


@dataclass(frozen=True)
class Answer:
    """One fetch made while probing: what was asked, of which adapter, and what came back."""

    url: str
    adapter: str  # "page" or an adapter name
    status: int | None
    note: str = ""


@dataclass
class ProbeReport:
    url: str
    canonical_url: str
    platform: Platform
    check: CheckResult
    status: Status
    profile: Profile | None
    answers: list[Answer] = field(default_factory=list)


async def _fetch_answer(client: httpx.AsyncClient, policy: NetPolicy, robots: RobotsCache,
                        url: str, adapter: str) -> tuple[Answer, bytes, dict[str, str], str]:
    rules = await robots.rules_for(url)
    if not rules.allows(url, policy.user_agent):
        return Answer(url, adapter, None, rules.explain(url, policy.user_agent)), b"", {}, url
    try:
        fetched = await fetch(client, policy, url)
    except Exception as exc:  # noqa: BLE001 — reported, never raised: a probe explains failures
        return Answer(url, adapter, None, f"{type(exc).__name__}: {exc}"[:200]), b"", {}, url
    note = "truncated at the byte limit" if fetched.truncated else ""
    return Answer(url, adapter, fetched.status, note), fetched.body, dict(fetched.headers), fetched.url


async def _profiles(client: httpx.AsyncClient, policy: NetPolicy, canonical: str, platform: Platform,
                    now: datetime) -> tuple[list[Profile], list[Answer]]:
    robots = RobotsCache(client, policy)
    queue: list[adapters.Endpoint] = []
    if canonical.startswith(("http://", "https://")):
        queue.append(adapters.Endpoint(canonical, "page"))
    queue.extend(adapters.endpoints_for(canonical, platform))
    profiles: list[Profile] = []
    answers: list[Answer] = []
    asked: set[str] = set()
    while queue and len(answers) < MAX_ANSWERS:
        endpoint = queue.pop(0)
        if endpoint.url in asked:
            continue
        asked.add(endpoint.url)
        answer, body, headers, final_url = await _fetch_answer(client, policy, robots, endpoint.url, endpoint.adapter)
        answers.append(answer)
        if answer.status is None:
            continue
        if endpoint.adapter == "page":
            if not 200 <= answer.status < 300:
                continue
            if adapter := adapters.page_adapter(canonical, platform):  # the page is also a platform's answer
                profiles.insert(0, adapters.parse(adapter, body, final_url, now, answer.status).profile)
                if adapter == adapters.FEED:
                    continue
            page = profile_page(body.decode("utf-8", errors="replace"), final_url, now, headers)
            profiles.append(page)
            queue.extend(adapters.after_page(page, platform))
        else:
            result = adapters.parse(endpoint.adapter, body, final_url, now, answer.status)
            profiles.insert(0, result.profile)  # platform answers outrank the page, as in the store
            queue.extend(result.follow)
    return profiles, answers


async def probe(url: str, *, resolver: Resolver, policy: NetPolicy, now: datetime,
                platform: Platform | None = None) -> ProbeReport:
    """Everything copdir learns about `url` now. Raises ValueError if it is not a URL copdir can read."""
    canonical = canonicalize(url)
    platform = platform or platform_of(canonical)
    async with Checker(resolver, policy) as checker:
        check = await checker.check(canonical, now)
    async with make_client(resolver, policy) as client:
        profiles, answers = await _profiles(client, policy, canonical, platform, now)
    profile = merge_profiles(profiles)
    signals = list(profile.signals) if profile else []
    return ProbeReport(url, canonical, platform, check, score([check], signals, now, platform=platform), profile,
                       answers)


def run_probe(url: str, *, resolver: Resolver, policy: NetPolicy, now: datetime,
              platform: Platform | None = None) -> ProbeReport:
    try:
        return asyncio.run(probe(url, resolver=resolver, policy=policy, now=now, platform=platform))
    finally:
        resolver.close()
