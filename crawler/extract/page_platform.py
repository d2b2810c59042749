"""Which software serves a page, from its generator tag or telltale markup, as a `Platform`.

A fingerprint must show that the page *is* that software, not that it mentions it: a theme's CSS for
`#bbpress-forums` on a WordPress blog, or a "Powered by Discourse" link to discourse.org, is no forum.
"""
from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.extract.dom import host_of, meta
from crawler.models import Platform
from crawler.urls import HTTPS_ONLY_DOMAINS, platform_of

MAX_SCANNED_CHARS = 3_000_000  # more than any real page; beyond it we stop looking

# (software, platform, generator pattern, telltales). Telltales are plain lower-case substrings of the
# markup (attribute quotes normalised to "), so looking for them stays linear on any page.
FINGERPRINTS: tuple[tuple[str, Platform, str, tuple[str, ...]], ...] = (
    ("Discourse", Platform.DISCOURSE, r"^discourse\b",
     ('name="discourse_', "data-discourse-setup", "<discourse-assets")),
    ("phpBB", Platform.FORUM, r"^phpbb\b",
     ('<body id="phpbb"', "ucp.php?mode=register", "ucp.php?mode=login", 'powered by <a href="https://www.phpbb.com')),
    ("vBulletin", Platform.FORUM, r"^vbulletin\b",
     ('id="vbulletin_html"', 'name="vb_meta_bburl"', "vbulletin-core.js", "vbulletin_core.js")),
    ("XenForo", Platform.FORUM, r"^xenforo\b", ('<html id="xf"', "data-xf-init=", "forum software by xenforo")),
    ("NodeBB", Platform.FORUM, r"^nodebb\b", ("/assets/nodebb.min.js", 'powered by <a href="https://nodebb.org')),
    ("Flarum", Platform.FORUM, r"^flarum\b", ('id="flarum-loading"', "flarum.core.app")),
    ("bbPress", Platform.FORUM, r"^bbpress\b", ('id="bbpress-forums"', "/plugins/bbpress/")),
    ("Invision Community", Platform.FORUM, r"^(invision|ips\b)",
     ('<body class="ipsapp', "powered by invision community", "ipb.vars")),
    ("Forumotion", Platform.FORUM, r"^forumotion\b", ('_userdata["session_logged_in"]', "pub=forumotion")),
    ("MyBB", Platform.FORUM, r"^mybb\b",
     ("member.php?action=register", 'powered by <a href="https://mybb.com', "var mybbeditor")),
    ("Simple Machines", Platform.FORUM, r"^(smf|simple machines)\b", ("var smf_scripturl", "powered by smf")),
    ("Vanilla", Platform.FORUM, r"^vanilla\b", ("powered by vanilla",)),
    ("Lemmy", Platform.LEMMY, r"^lemmy\b", ("window.isodata =", "window.isodata=")),
    ("Mastodon", Platform.MASTODON, r"^mastodon\b", ('<div id="mastodon"',)),
    ("HyperKitty", Platform.MAILING_LIST, r"^hyperkitty\b",
     ("/static/hyperkitty/", 'powered by <a href="http://hyperkitty')),
    ("Mailman", Platform.MAILING_LIST, r"^(gnu )?mailman\b", ("delivered by mailman", "/static/postorius/")),
    ("groups.io", Platform.MAILING_LIST, r"^groups\.io\b", ("https://groups.io/static/",)),
)
_GENERATORS = tuple((name, platform, re.compile(generator, re.IGNORECASE))
                    for name, platform, generator, _ in FINGERPRINTS)
_HOSTED_FORUMS = ("forumieren.com", "forumieren.de", "forumieren.net", "forumieren.eu", "forumieren.org",
                  "forumotion.com", "forumactif.com", "forumactif.org", "forumactif.net", "forumactif.fr")


def page_software(root: HtmlElement, html: str, url: str) -> tuple[str, Platform] | None:
    """The software the page runs on, e.g. ("phpBB", Platform.FORUM), or None when nothing tells."""
    generators = [str(tag.get("content") or "") for tag in root.iter("meta")
                  if str(tag.get("name") or "").lower() == "generator"]
    for name, platform, generator in _GENERATORS:
        if any(generator.search(value.strip()) for value in generators):
            return name, platform
    host = host_of(url)
    if any(host == domain or host.endswith("." + domain) for domain in _HOSTED_FORUMS):
        return "Forumotion", Platform.FORUM
    if _on_shared_platform(host):
        return None  # a GitHub or Reddit page about phpBB is no phpBB forum
    markup = html[:MAX_SCANNED_CHARS].lower().replace("'", '"')
    return next(((name, platform) for name, platform, _, telltales in FINGERPRINTS
                 if any(telltale in markup for telltale in telltales)), None)


def _on_shared_platform(host: str) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in HTTPS_ONLY_DOMAINS)


def page_platform(root: HtmlElement, html: str, url: str) -> Platform:
    """The platform a page lives on: its software if it shows, else what its URL says."""
    software = page_software(root, html, url)
    if software:
        return software[1]
    if meta(root, "og:site_name").lower() == "mastodon":
        return Platform.MASTODON
    try:
        return platform_of(url)
    except ValueError:
        return Platform.WEBSITE
