"""The site's own search: what a person types, and filters, to one page of communities, liveliest first.

The shape is set by what costs what at 960,000 communities (measured with bench/subjects/site_search.py;
figures are medians on the shared 2-core machine):

- The catalogue is stored in activity order (rowid 1 is the liveliest community), so results come straight
  off the full-text index in rowid order and a page stops as soon as it is full: 0.1 ms for a term in 95 %
  of rows, where ordering all its matches by activity_rank took 1.4 s. There is no ORDER BY over matches.
- Pages continue from the last rowid shown (`rowid > :after`, which FTS5 seeks to), never with OFFSET.
- Without filters the total is a count in the FTS table alone (0.3 ms at 5,000 matches, 40–90 ms at 915,000).
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
  300 and ~120/s at 500, against a target of 100/s. Every value a facet offers is in that sample (and in
  the window its filter will scan), so following a facet link never leads to an empty page.

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
}
COLUMN_FACETS = ("platform", "activity", "reachability", "language", "cost", "membership", "event_cadence")
# Facets on a value derived from a column: "has a code of conduct" is yes or no. Not index-bounded like the above.
DERIVED_FACETS = {"code_of_conduct": "case when c.code_of_conduct is null then 'no' else 'yes' end"}
RESULT_COLUMNS = ("c.rowid as rowid, c.id, c.name, c.url, c.platform, c.reachability, c.activity,"
                  " c.activity_reason, c.reachability_reason, c.days_since_activity, c.language,"
                  " substr(c.description, 1, 300) as description, c.cost, c.price, c.last_activity, c.event_cadence,"
                  " c.membership, c.code_of_conduct is not null as has_code_of_conduct")
TYPE_A_WORD = "Type a word to search for — a practice, a topic, a place."

_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def fts_query(text: str) -> tuple[str | None, int]:
    """The FTS5 query for what a person typed, and how many words were left out (past MAX_WORDS).

    >>> fts_query("node.js OR - *")
    ('"node.js" "OR"', 0)
    """
    words = [word for word in _CONTROL.sub(" ", text[:MAX_TEXT]).split() if _LETTER_OR_DIGIT.search(word)]
    quoted = ['"' + word.replace('"', '""') + '"' for word in words[:MAX_WORDS]]
    return (" ".join(quoted) or None), max(0, len(words) - MAX_WORDS)


@dataclass(frozen=True)
class Search:
    text: str = ""
    match: str | None = None
    filters: tuple[tuple[str, str], ...] = ()  # (name, value), in FILTERS order
    after: int = 0  # the rowid the page continues after
    words_left_out: int = 0

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Search:
        """A search from URL arguments: q, the FILTERS names, after. Unknown or empty arguments are ignored."""
        text = (args.get("q") or "").strip()[:MAX_TEXT]
        match, left_out = fts_query(text)
        # Every filter's values are stored lower case: platform and status names, language codes, topics.
        filters = tuple((name, value) for name in FILTERS if (value := (args.get(name) or "").strip().lower()[:MAX_TEXT]))
        after = (args.get("after") or "").strip()
        readable = after.isascii() and after.isdigit() and len(after) <= 18  # a rowid, within SQLite's integers
        return cls(text, match, filters, int(after) if readable else 0, left_out)

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


@dataclass(frozen=True)
class _Window:
    """The stretch of rowids a query may look through."""
    after: int
    until: int | None = None
    whole: bool = True  # it holds every row the search can find from `after` on, so a count over it is exact
    empty: bool = False  # a filter matches no community at all


class _Source:
    """Where a search's rows come from, in rowid (activity) order: the FTS index, or the table for filters alone."""

    def __init__(self, search: Search):
        self.search = search
        self.params: dict = dict(search.filters)
        self.filter_sql = "".join(f" and {FILTERS[name]}" for name, _ in search.filters)
        if search.match is not None:
            self.params["match"] = search.match
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
    search, low, high = source.search, 0, None
    bounded = [name for name, _ in search.filters if name in COLUMN_FACETS]
    if bounded:
        ends = ", ".join(f"(select min(rowid) from communities where {name} = :{name}),"
                         f" (select max(rowid) from communities where {name} = :{name})" for name in bounded)
        found = (await db.execute(f"select {ends}", dict(search.filters))).rows[0]
        if any(end is None for end in found) or max(found[0::2]) > min(found[1::2]):
            return _Window(after, empty=True)
        low, high = max(found[0::2]), min(found[1::2])
    start = max(after, low - 1)
    if search.match is None or not search.filters:
        return _Window(start, high)
    found = (await db.execute("select rowid from communities_fts where communities_fts match :match"
                              " and rowid > :after order by rowid limit 1 offset :offset",
                              {"match": search.match, "after": start, "offset": SCAN_LIMIT - 1})).rows
    if not found or (high is not None and found[0][0] >= high):
        return _Window(start, high)
    return _Window(start, found[0][0], whole=False)


async def _total(db, source: _Source, window: _Window, time_limit_ms: int) -> Total:
    """The number of results: exact in the FTS table alone, or counted over the first window when filtered."""
    if window.empty:
        return Total(0, True)
    matches = None
    if source.search.match is not None:
        matches = (await db.execute("select count(*) from communities_fts where communities_fts match :match",
                                    {"match": source.search.match}, custom_time_limit=time_limit_ms)).rows[0][0]
        if not source.filter_sql:
            return Total(matches, True, matches)
    sql, params = source.select("1", window, SCAN_LIMIT + 1)
    counted = (await db.execute(f"select count(*) from ({sql})", params, custom_time_limit=time_limit_ms)).rows[0][0]
    if matches is None:  # filters alone: counted by the table's indexes, up to SCAN_LIMIT
        return Total(min(counted, SCAN_LIMIT), counted <= SCAN_LIMIT)
    return Total(counted, window.whole, matches, None if window.whole else SCAN_LIMIT)


async def _facets(db, source: _Source, window: _Window, time_limit_ms: int) -> tuple[dict, int]:
    """Facet counts over the first FACET_SAMPLE results, and how many results that sample holds."""
    if window.empty:
        return {}, 0
    columns = [f"c.{name}" for name in COLUMN_FACETS] + [f"{sql} as {name}" for name, sql in DERIVED_FACETS.items()]
    sample, params = source.select("c.id, " + ", ".join(columns), window, FACET_SAMPLE)
    counts = {name: f"select {name} as value, count(*) as n from sample where {name} != '' group by {name}"
              for name in (*COLUMN_FACETS, *DERIVED_FACETS)}
    # CROSS JOIN: from the sample to its topics; SQLite would otherwise scan every topic row (1 s) and probe the sample.
    counts["topic"] = ("select t.topic as value, count(*) as n from sample s cross join topics t"
                       " on t.community_id = s.id group by t.topic")
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
    source = _Source(search)
    try:
        window = await _window(db, source, search.after)
        rows = [] if window.empty else [dict(row) for row in (await db.execute(
            *source.select(RESULT_COLUMNS, window, PAGE_SIZE + 1))).rows]
        first = window if search.after == 0 else await _window(db, source, 0)
    except QueryInterrupted:
        return Page(search, message="This search took too long; add a word or a filter to narrow it.",
                    timed_out=True)
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    # A full page goes on after its last row; one cut short by the scan limit, after what the scan looked at.
    next_after = rows[-1]["rowid"] if more else (None if window.whole else window.until)
    try:
        total = await _total(db, source, first, time_limit_ms)
    except QueryInterrupted:
        total = None
    try:
        facets, sampled = await _facets(db, source, first, time_limit_ms)
    except QueryInterrupted:
        facets, sampled = {}, 0
    counted_all = total is not None and total.exact and sampled >= total.count
    return Page(search, rows, total, facets, None if counted_all else sampled, next_after,
                scan_ended=None if more or window.whole else SCAN_LIMIT)
