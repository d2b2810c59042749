"""Soft 404s: a 200 answer that is an error page — and the pages that only look alike."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler import soft404

PAGES = Path(__file__).parent / "fixtures" / "pages"
REAL_PAGES = sorted(PAGES.rglob("*.html"))
PROBE = "/copdir-soft404-check-3f9a0b1c2d4e"


def _page(title: str, body: str = "<p>Nothing to see.</p>") -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("title", [
    "Page not found", "404", "Error 404 (Not Found)!!1", "Page Not Found – Rust Berlin", "This page doesn't exist",
    "The page you requested could not be found", "Oops! That page can’t be found.",
    "Seite nicht gefunden", "Page introuvable", "Página no encontrada", "Pagina non trovata",
    "Pagina niet gevonden", "Página não encontrada", "Nie znaleziono strony", "Страница не найдена",
    "ページが見つかりません", "页面不存在",
])
def test_a_title_that_says_not_found_is_a_soft_404_in_any_of_several_languages(title):
    reason = soft404.soft_404_reason(_page(title), "/groups/rust-berlin", None, PROBE)
    assert reason is not None and title[:20] in reason


def test_a_first_heading_that_says_not_found_is_a_soft_404():
    page = _page("Rust Berlin", "<h1>Sorry, this group <em>does not exist</em></h1><p>Try the search.</p>")
    assert "does not exist" in soft404.soft_404_reason(page, "/groups/rust-berlin", None, PROBE)


def test_the_root_path_is_judged_by_its_title_alone():
    assert soft404.soft_404_reason(_page("404 Not Found"), "/", None, PROBE) is not None
    error_page = _page("Oops", "<p>This page does not exist.</p>")
    assert soft404.soft_404_reason(error_page, "/", error_page, PROBE) is None
    assert soft404.soft_404_reason(error_page, "", error_page, PROBE) is None


@pytest.mark.parametrize("path", REAL_PAGES, ids=[path.name for path in REAL_PAGES])
def test_a_real_community_page_is_never_a_soft_404_even_when_every_path_serves_it(path):
    page = _read(path)
    assert soft404.calls_itself_an_error(page) is None
    assert soft404.soft_404_reason(page, "/forum/index.php", page, PROBE) is None
    assert soft404.soft_404_reason(page, "/forum/index.php", None, PROBE) is None


def test_a_real_page_turned_into_an_error_page_by_its_heading_is_a_soft_404():
    page = _read(PAGES / "forums" / "foren.myoos.de.html")
    broken = page.replace("<body", "<body><h1>Page not found</h1><x", 1)
    assert soft404.soft_404_reason(broken, "/forum/index.php", None, PROBE) is not None


def test_a_single_page_app_that_serves_one_shell_for_every_path_is_not_a_soft_404():
    shell = ('<!doctype html><html><head><title>Rust Berlin</title><script src="/static/app.3f9a.js"></script>'
             '</head><body><div id="root">Loading…</div><noscript>You need to enable JavaScript to run this app.'
             '</noscript></body></html>')
    assert soft404.soft_404_reason(shell, "/groups/rust-berlin", shell, PROBE) is None


def test_a_script_that_mentions_404_does_not_make_a_shell_an_error_page():
    shell = ('<html><head><title>Rust Berlin</title></head><body><div id="app"></div>'
             '<script>router.on("404", () => show("Page not found"))</script></body></html>')
    assert soft404.soft_404_reason(shell, "/groups/rust-berlin", shell, PROBE) is None


def _error_template(path: str, request_id: int) -> str:
    return f"""<!doctype html><html><head><title>Example Forum</title>
<script>window.requestId = {request_id};</script></head>
<body><nav>Home · Forums · Members · Events</nav>
<main><p>Sorry, we could not find {path} on this server.</p>
<p>Request id {request_id} · served at 2026-11-14 12:{request_id % 60:02d}</p></main>
<footer>Powered by Example Forum Software</footer></body></html>"""


def test_an_error_template_that_echoes_the_path_and_a_request_id_matches_the_random_path_page():
    page = _error_template("/groups/rust-berlin", 83749)
    probe = _error_template(PROBE, 12)
    reason = soft404.soft_404_reason(page, "/groups/rust-berlin", probe, PROBE)
    assert reason is not None and PROBE in reason


def test_a_real_page_is_not_the_random_path_error_page():
    page = _read(PAGES / "forums" / "foren.myoos.de.html")
    probe = _error_template(PROBE, 12)
    assert soft404.soft_404_reason(page, "/forum/index.php", probe, PROBE) is None


def test_a_host_with_real_404s_leaves_only_the_title_to_judge():
    page = _page("Rust Berlin", "<p>Our meetup: the page about the 404 bus line was not found useful.</p>")
    assert soft404.soft_404_reason(page, "/groups/rust-berlin", None, PROBE) is None


def test_random_paths_differ_between_calls_and_look_like_paths():
    paths = {soft404.random_path() for _ in range(20)}
    assert len(paths) == 20
    assert all(path.startswith("/") and " " not in path for path in paths)


@pytest.mark.parametrize("page", ["", "<html>", "<title></title>", "\x00\xff garbage <h1"])
def test_empty_or_broken_pages_are_not_soft_404s_and_do_not_crash(page):
    assert soft404.soft_404_reason(page, "/x", page, PROBE) is None


def test_a_real_page_served_for_every_path_is_a_soft_404_once_it_says_not_found():
    page = _read(PAGES / "forums" / "foren.myoos.de.html").replace(
        "</body>", "<p>The topic you asked for was not found.</p></body>", 1)
    assert soft404.soft_404_reason(page, "/forum/viewtopic.php", page, PROBE) is not None


@pytest.mark.parametrize("title", ["Getting 404 on login", "Module not found when installing the plugin",
                                   "Why is my page not loading?"])
def test_a_forum_thread_about_errors_is_not_an_error_page(title):
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>I tried everything.</p></body></html>"
    assert soft404.calls_itself_an_error(page) is None
