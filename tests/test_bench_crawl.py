"""The benchmark's crawl subject: its directory site is one copdir can read, and CR-1 is judged as stated."""

from bench.fixture import directory_site
from bench.subjects import crawl_figures
from crawler.extract.directory import parse_directory


def test_every_listing_page_yields_exactly_the_entries_it_lists_so_recall_has_a_true_denominator():
    site = directory_site.build(45, per_page=20)
    assert site.pages == 3
    found = []
    for number, url in enumerate(site.page_urls(), start=1):
        observations = parse_directory(directory_site.listing_page(site, number), kind="html", source="bench",
                                       base_url=url)
        found += [(o.url, o.name) for o in observations]
    assert found == [(entry.url, entry.name) for entry in site.entries]


def test_the_next_links_chain_every_listing_page_for_a_spider_that_follows_pagination():
    site = directory_site.build(45, per_page=20)
    reached, number = ["/"], 1
    while 'rel="next"' in (page := directory_site.listing_page(site, number)):
        reached.append(page.split('rel="next" href="', 1)[1].split('"', 1)[0])
        number += 1
    assert reached == [site.page_path(n) for n in range(1, site.pages + 1)]


def test_sites_the_resolver_seam_would_not_answer_are_never_listed():
    refused = {"c000001.dir.bench.internal", "c000004.dir.bench.internal"}
    site = directory_site.build(5, usable=lambda host: host not in refused)
    assert len(site.entries) == 5
    assert not {entry.url for entry in site.entries} & {f"http://{host}/" for host in refused}


def test_pages_are_counted_from_the_fixture_log_with_robots_and_errors_apart():
    log = ('1.000 0.001 list.dir.bench.internal 200 1 "GET /robots.txt"\n'
           '1.010 0.002 list.dir.bench.internal 200 1 "GET /"\n'
           '1.020 0.002 c000001.dir.bench.internal 404 2 "GET /feed.xml"\n'
           'truncated line\n')
    assert crawl_figures.served(log) == {"requests": 3, "robots": 1, "errors": 1}


def test_the_cli_summary_gives_the_items_and_recall_matches_by_host():
    counts = crawl_figures.cli_counts("profile: 500 profiles, 1500 signals, 0 presences, 500 visited\n")
    assert counts["profiles"] == 500 and counts["visited"] == 500
    listed = ["http://c000001.dir.bench.internal/", "http://c000002.dir.bench.internal/"]
    assert crawl_figures.recall(["https://c000001.dir.bench.internal", "http://elsewhere.example/"], listed) == 0.5


def test_cr1_needs_both_the_floor_and_the_share_of_the_no_op_ceiling():
    _, fast_enough = crawl_figures.cr1(3000, 15.0, ceiling_pages_s=300.0)       # 200 pages/s, 0.67×
    _, too_slow = crawl_figures.cr1(1500, 15.0, ceiling_pages_s=150.0)           # 100 pages/s
    figure, small_share = crawl_figures.cr1(3000, 15.0, ceiling_pages_s=400.0)   # 200 pages/s but 0.50×
    assert (fast_enough, too_slow, small_share) == (True, False, False)
    assert "0.50× the no-op ceiling" in figure
