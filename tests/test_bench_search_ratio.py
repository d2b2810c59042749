"""The benchmark's site-search rows compare the site's search page with Datasette's table view, its peer."""

from bench.subjects.site_search import versus_peer


def _measured(p50_ms, common_p95_ms, per_s):
    return {"selective": {"p50_ms": p50_ms}, "latency": {"common": {"all": {"p95_ms": common_p95_ms}}},
            "throughput": {"per_s": per_s}}


def test_the_peer_row_says_how_many_times_faster_the_search_page_is():
    note = versus_peer(_measured(10, 60, 136), _measured(145, 5500, 6))
    assert note == ("the search page is 14.5× faster at p50 on selective terms, 91.7× at p95 on the common term, "
                    "22.7× the searches/s of this configuration")
