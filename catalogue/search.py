"""The site's own search: what a person types, and filters, to one page of communities, liveliest first.

The shape is set by what costs what at 960,000 communities (measured with bench/subjects/site_search.py;
figures are medians on the shared 2-core machine):

- The catalogue is stored in activity order (rowid 1 is the liveliest community), so results come straight
  off the full-text index in rowid order and a page stops as soon as it is full: 0.1 ms for a term in 95 %
  of rows, where ordering all its matches by activity_rank took 1.4 s. There is no ORDER BY over matches.
- Pages continue from the last rowid shown (`rowid > :after`, which FTS5 seeks to), never with OFFSET.
- Without filters the total is a count in the FTS table alone (0.3 ms at 5,000 matches, 40–90 ms at 915,000); the
  same pass counts the matches that are not communities (the "include organisations …" link).
  Filters need each match's row (about 0.8 µs a match). A filtered scan starts at the first rowid the
  filters' columns hold and ends at their last (index seeks, 0.02 ms: in activity order "dormant" begins
  43 % of the way in), and looks through at most SCAN_LIMIT matches, for a page and for the count: a filter
  that keeps few of a common term's matches costs ~40 ms, not 0.7 s, and the page says how far it looked
  ("at least N", "search further").
- Facets are counted over the first FACET_SAMPLE results — the liveliest — and labelled so. Each sampled
  row costs ~9 µs (its row, four group-bys, its topics through the topics table; measured before the four CoP
  quality facets were added, which add a group-by each over the same sample), so exact facets over a
  common term's 915,000 matches would take seconds. Per search on one core they add 1.6 ms over 200 rows,
  2.7 ms over 300, 4.5 ms over 500, 15 ms over 2,000; with 10 clients the page answers ~140 searches/s at
  300 and ~120/s at 500, against a target of 100/s. Region and join type (issue 7) add two more group-bys
  over the same sample. Every value a facet offers is in that sample (and in
  the window its filter will scan), so following a facet link never leads to an empty page.

Practice (catalogue/search_practice.py): words that name a practice domain also find the communities mapped to it;
by default only communities are searched — the catalogue stores them before organisations, events and resources,
so "communities only" is a bound on rowids (one index seek), not a filter — and `kind=all` (or one kind) asks for
the rest; `domain=` filters to a domain. Each page is re-ranked within itself, with the reasons shown.

What a search asks of the catalogue file itself (its columns, where the communities end, the domain vocabulary) is
read once per published file, so a search for words is three queries — the page, its count and its facets'
sample (a filter adds the window's ends and a filtered count) — each a hop to one of Datasette's SQL threads.
Under 10 clients on a heavily loaded 2-core machine the server spent ~27 ms of CPU per search where it spent
~32 ms with nine queries and the page's content rendered by async Jinja (1M rows, best of three runs each).

User text never reaches MATCH as syntax: each whitespace-separated word becomes one quoted FTS5 string
(so `node.js` is the phrase "node js", and `OR`, `NEAR(`, `*`, `-` are plain words or nothing), the words
must all match, and text without a letter or digit is no query at all. Filter columns come from a fixed
table; every value is a bound parameter.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from datasette.database import QueryInterrupted

from catalogue.search_practice import (DOMAIN_ROWS, KINDS, Capabilities, Expansion, catalogue_facts, expand,
                                       rank_page)

PAGE_SIZE = 20
FACET_SAMPLE = 300
SCAN_LIMIT = 50_000
MAX_WORDS = 8
MAX_TEXT = 200  # characters of a query that are read; a filter value longer than this matches nothing anyway
FACET_VALUES = 10  # values shown per facet, the most frequent first
# What the filters mean, by the name in the URL; the values are bound, never put in the SQL.
FILTERS: dict[str, str] = {
    "platform": "c.platform = :platform",
    "activity": "c.activity = :activity",
    "reachability": "c.reachability = :reachability",
    "language": "c.language = :language",
    "topic": "c.id in (select community_id from topics where topic = :topic)",
    # CoP qualities (issue 10): what it costs, how to get in, how often it meets, whether it has a code of conduct
    "cost": "c.cost = :cost",
    "membership": "c.membership = :membership",
    "event_cadence": "c.event_cadence = :event_cadence",
    "code_of_conduct": "(c.code_of_conduct is not null) = (:code_of_conduct = 'yes')"
                       " and :code_of_conduct in ('yes', 'no')",
    # practice (issue 10): its domains, and what it is when not a community
    "domain": "c.id in (select community_id from community_domains where domain = :domain)",
    "kind": "c.kind = :kind",  # organisation, event, resource or other; "community" is a bound, "all" no filter
    # where it is (a country or wider area) and how one gets in (issue 7)
    "region": "c.region = :region",
    "join_type": "c.join_type = :join_type",
}
COLUMN_FACETS = ("platform", "activity", "reachability", "language", "cost", "membership", "event_cadence", "region",
                 "join_type")
# Columns a catalogue built before issue 7's region (or a test's small one) may lack: their facets and filters are
# used when present.
OPTIONAL_COLUMNS = ("region", "join_type")
CASED_FILTERS = ("region",)  # stored as written ("United States"), not lower case
# A facet value that says nothing, left out of the facet: most links do not say how to join.
UNSAID = {"join_type": "unknown"}
BOUNDED = (*COLUMN_FACETS, "kind")  # filters on an indexed column: their first and last rowid bound a scan
# Facets on a value derived from a column: "has a code of conduct" is yes or no. Not index-bounded like the above.
DERIVED_FACETS = {"code_of_conduct": "case when c.code_of_conduct is null then 'no' else 'yes' end"}
ALL_KINDS = "all"
RESULT_COLUMNS = ("c.rowid as rowid, c.id, c.name, c.url, c.platform, c.reachability, c.activity,"
                  " c.activity_reason, c.reachability_reason, c.days_since_activity, c.language,"
                  " substr(c.description, 1, 300) as description, c.cost, c.price, c.last_activity, c.event_cadence,"
                  " c.membership, c.code_of_conduct is not null as has_code_of_conduct")
TYPE_A_WORD = "Type a word to search for — a practice, a topic, a place."

_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def query_words(text: str) -> tuple[list[str], int]:
    """The words of what a person typed that are searched, and how many were left out (past MAX_WORDS)."""
    words = [word for word in _CONTROL.sub(" ", text[:MAX_TEXT]).split() if _LETTER_OR_DIGIT.search(word)]
    return words[:MAX_WORDS], max(0, len(words) - MAX_WORDS)


def fts_query(text: str) -> tuple[str | None, int]:
    """The FTS5 query for what a person typed, and how many words were left out (past MAX_WORDS).

    >>> fts_query("node.js OR - *")
    ('"node.js" "OR"', 0)
    """
    words, left_out = query_words(text)
    return (" ".join('"' + word.replace('"', '""') + '"' for word in words) or None), left_out


@dataclass(frozen=True)
class Search:
    text: str = ""
    match: str | None = None
    filters: tuple[tuple[str, str], ...] = ()  # (name, value), in FILTERS order
    after: int = 0  # the rowid the page continues after
    words_left_out: int = 0
    kind: str = "community"  # community (the default), one of the other kinds, or "all"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Search:
        """A search from URL arguments: q, the FILTERS names, after. Unknown or empty arguments are ignored."""
        text = (args.get("q") or "").strip()[:MAX_TEXT]
        match, left_out = fts_query(text)
        # Every filter's values are stored lower case: platform and status names, language codes, topics.
        filters = tuple((name, value if name in CASED_FILTERS else value.lower()) for name in FILTERS
                        if (value := (args.get(name) or "").strip()[:MAX_TEXT]))
        kind = dict(filters).get("kind", "community")
        kind = kind if kind in (*KINDS, ALL_KINDS) else "community"  # anything else: the default, communities
        filters = tuple(item for item in filters if item[0] != "kind" or kind not in ("community", ALL_KINDS))
        after = (args.get("after") or "").strip()
        readable = after.isascii() and after.isdigit() and len(after) <= 18  # a rowid, within SQLite's integers
        return cls(text, match, filters, int(after) if readable else 0, left_out, kind)

    @property
    def empty(self) -> bool:
        return self.match is None and not self.filters


@dataclass(frozen=True)
class Total:
    count: int
    exact: bool  # False: `count` is what the first `scanned` matches hold, and there are more matches
    matches: int | None = None  # the text's matches before filters, when counted
    scanned: int | None = None


@dataclass(frozen=True)
class Page:
    search: Search
    rows: list[dict] = field(default_factory=list)
    total: Total | None = None  # None: counting took too long
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    facets_over: int | None = None  # set when facets were counted over fewer rows than the total
    next_after: int | None = None  # the next page's `after`, when there is one
    scan_ended: int | None = None  # the page stopped after looking through this many matches, not at the end
    message: str | None = None  # why there are no results to show: no word typed, or it took too long
    timed_out: bool = False
    domains: tuple[tuple[str, str], ...] = ()  # (words typed, domain id): the domains the words named
    others: int | None = None  # matches that are not communities, left out by default (when counted)
    domain_names: dict[str, str] = field(default_factory=dict)
    kinds: bool = False  # the catalogue tells communities from the rest
    ranked_in_page: bool = False


@dataclass(frozen=True)
class _Window:
    """The stretch of rowids a query may look through."""
    after: int
    until: int | None = None
    whole: bool = True  # it holds every row the search can find from `after` on, so a count over it is exact
    empty: bool = False  # a filter matches no community at all


class _Source:
    """Where a search's rows come from, in rowid (activity) order: the FTS index, or the table for filters alone."""

    def __init__(self, search: Search, match: str | None = None, community_end: int | None = None):
        self.search = search
        self.match = match if match is not None else search.match
        self.community_end = community_end  # the last community's rowid, when only communities are searched
        self.params: dict = dict(search.filters)
        self.filter_sql = "".join(f" and {FILTERS[name]}" for name, _ in search.filters)
        if self.match is not None:
            self.params["match"] = self.match
            # CROSS JOIN keeps the index as the outer loop: left to itself, SQLite starts from a filter's index
            # and probes the FTS table per row (8 s to count "python" on Discord instead of 15 ms).
            self.key = "f.rowid"
            self.rows = ("communities_fts f cross join communities c on c.rowid = f.rowid"
                         " where communities_fts match :match and f.rowid > :after")
        else:
            self.key = "c.rowid"
            self.rows = "communities c where c.rowid > :after"

    def select(self, columns: str, window: _Window, limit: int) -> tuple[str, dict]:
        bound = f" and {self.key} <= :until" if window.until is not None else ""
        return (f"select {columns} from {self.rows}{bound}{self.filter_sql} order by {self.key} limit :limit",
                {**self.params, "after": window.after, "until": window.until, "limit": limit})


async def _window(db, source: _Source, after: int) -> _Window:
    """Where to look from `after` on. A column filter's first and last rowid (two index seeks) bound the scan —
    true in any order, and in activity order it jumps straight to, say, the dormant ones. With a text, a filtered
    scan also stops after SCAN_LIMIT matches."""
    search, low, high = source.search, 0, source.community_end
    bounded = [name for name, _ in search.filters if name in BOUNDED]
    if bounded:
        ends = ", ".join(f"(select min(rowid) from communities where {name} = :{name}),"
                         f" (select max(rowid) from communities where {name} = :{name})" for name in bounded)
        found = (await db.execute(f"select {ends}", dict(search.filters))).rows[0]
        if any(end is None for end in found) or max(found[0::2]) > min(found[1::2]):
            return _Window(after, empty=True)
        low, high = max(found[0::2]), min([*found[1::2]] + [high] * (high is not None))
        if low > high:
            return _Window(after, empty=True)
    start = max(after, low - 1)
    if source.match is None or not search.filters:
        return _Window(start, high)
    found = (await db.execute("select rowid from communities_fts where communities_fts match :match"
                              " and rowid > :after order by rowid limit 1 offset :offset",
                              {"match": source.match, "after": start, "offset": SCAN_LIMIT - 1})).rows
    if not found or (high is not None and found[0][0] >= high):
        return _Window(start, high)
    return _Window(start, found[0][0], whole=False)


async def _matches(db, source: _Source, time_limit_ms: int) -> tuple[int, int | None]:
    """The text's matches in the FTS table alone: (those searched, those past the last community when only
    communities are searched). One query walks the index once for both."""
    if source.community_end is None:
        return (await db.execute("select count(*) from communities_fts where communities_fts match :match",
                                 {"match": source.match}, custom_time_limit=time_limit_ms)).rows[0][0], None
    every, others = (await db.execute(
        "select count(*), coalesce(sum(rowid > :end), 0) from communities_fts where communities_fts match :match",
        {"match": source.match, "end": source.community_end}, custom_time_limit=time_limit_ms)).rows[0]
    return every - others, others


async def _total(db, source: _Source, window: _Window, time_limit_ms: int) -> tuple[Total, int | None]:
    """The number of results — exact in the FTS table alone, or counted over the first window when filtered — and
    the matches that are not communities, when only communities are searched (None: not counted)."""
    matches, others = None, None
    if source.match is not None:
        matches, others = await _matches(db, source, time_limit_ms)
    if window.empty:
        return Total(0, True), others
    if matches is not None and not source.filter_sql:
        return Total(matches, True, matches), others
    sql, params = source.select("1", window, SCAN_LIMIT + 1)
    counted = (await db.execute(f"select count(*) from ({sql})", params, custom_time_limit=time_limit_ms)).rows[0][0]
    if matches is None:  # filters alone: counted by the table's indexes, up to SCAN_LIMIT
        return Total(min(counted, SCAN_LIMIT), counted <= SCAN_LIMIT), others
    return Total(counted, window.whole, matches, None if window.whole else SCAN_LIMIT), others


async def _facets(db, source: _Source, window: _Window, time_limit_ms: int,
                  caps: Capabilities = Capabilities()) -> tuple[dict, int]:
    """Facet counts over the first FACET_SAMPLE results, and how many results that sample holds."""
    if window.empty:
        return {}, 0
    names = tuple(name for name in COLUMN_FACETS if name not in OPTIONAL_COLUMNS or name in caps.columns)
    names = (*names, "kind") if caps.kinds and source.search.kind == ALL_KINDS else names
    columns = [f"c.{name}" for name in names] + [f"{sql} as {name}" for name, sql in DERIVED_FACETS.items()]
    sample, params = source.select("c.id, " + ", ".join(columns), window, FACET_SAMPLE)
    counts = {name: f"select {name} as value, count(*) as n from sample where {name} != ''"
                    + (f" and {name} != '{UNSAID[name]}'" if name in UNSAID else "") + f" group by {name}"
              for name in (*names, *DERIVED_FACETS)}
    # CROSS JOIN: from the sample to its topics; SQLite would otherwise scan every topic row (1 s) and probe the sample.
    counts["topic"] = ("select t.topic as value, count(*) as n from sample s cross join topics t"
                       " on t.community_id = s.id group by t.topic")
    if caps.domains:  # the same for its practice domains
        counts["domain"] = ("select d.domain as value, count(*) as n from sample s cross join community_domains d"
                            " on d.community_id = s.id group by d.domain")
    # The most frequent values of each facet, chosen in SQL: a sample's topics run to hundreds.
    arms = [f"select * from (select '{name}', value, n from ({sql}) order by n desc, value limit :values)"
            for name, sql in counts.items()]
    arms.append("select '', '', count(*) from sample")  # the sample's size
    found = await db.execute(f"with sample as materialized ({sample}) " + " union all ".join(arms),
                             {**params, "values": FACET_VALUES}, custom_time_limit=time_limit_ms)
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in counts}
    size = 0
    for name, value, count in found.rows:
        if name:
            facets[name].append((str(value), count))
        else:
            size = count
    return facets, size


async def run_search(db, search: Search, time_limit_ms: int) -> Page:
    """One page of results for `search` on the catalogue database `db` (a Datasette Database).

    `time_limit_ms` bounds the count and the facets; each is left off the page when it runs past it,
    while the results themselves have Datasette's own sql_time_limit_ms.
    """
    if search.empty:
        return Page(search, message=TYPE_A_WORD)
    facts = await catalogue_facts(db)
    caps = facts.caps
    if (not caps.domains and dict(search.filters).get("domain")) or (
            not caps.kinds and search.kind not in ("community", ALL_KINDS)) or any(
            name in OPTIONAL_COLUMNS and name not in caps.columns for name, _ in search.filters):
        return Page(search, total=Total(0, True))  # a catalogue without practice data has none of these
    expansion = expand(facts.domain_terms, query_words(search.text)[0]) if caps.domains else Expansion(search.match)
    community_end = facts.community_end if search.kind == "community" else None
    try:
        source = _Source(search, expansion.match, community_end)
        window = await _window(db, source, search.after)
        columns = RESULT_COLUMNS + "".join(f", c.{name}" for name in ("kind", "kind_reason", "cost", "code_of_conduct",
                                                                       "membership", "region", "locality",
                                                                       "join_type") if name in caps.columns) \
            + (", " + DOMAIN_ROWS if caps.domains else "")
        rows = [] if window.empty else [dict(row) for row in (await db.execute(
            *source.select(columns, window, PAGE_SIZE + 1))).rows]
        first = window if search.after == 0 else await _window(db, source, 0)
    except QueryInterrupted:
        return Page(search, message="This search took too long; add a word or a filter to narrow it.",
                    timed_out=True)
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    # A full page goes on after its last row; one cut short by the scan limit, after what the scan looked at.
    next_after = rows[-1]["rowid"] if more else (None if window.whole else window.until)
    searched = {domain for _, domain in expansion.domains} | {value for name, value in search.filters
                                                             if name == "domain"}
    rows = rank_page(rows, searched, caps, facts.domain_names)  # within the page only: pages stay in activity order
    try:
        total, others = await _total(db, source, first, time_limit_ms)
    except QueryInterrupted:
        total, others = None, None
    try:
        facets, sampled = await _facets(db, source, first, time_limit_ms, caps)
    except QueryInterrupted:
        facets, sampled = {}, 0
    counted_all = total is not None and total.exact and sampled >= total.count
    return Page(search, rows, total, facets, None if counted_all else sampled, next_after,
                scan_ended=None if more or window.whole else SCAN_LIMIT, domains=expansion.domains, others=others,
                domain_names=facts.domain_names, kinds=caps.kinds, ranked_in_page=bool(rows))
