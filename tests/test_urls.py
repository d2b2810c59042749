"""canonicalize, platform_of and community_id on links as real directory lists write them.

Most inputs come from ../shared/corpus/directories (awesome lists of Discord, Slack, Reddit,
Matrix, Lemmy and local tech communities); a few are written to pin one rule each.
"""
from __future__ import annotations

import hashlib
import re

import pytest

from crawler.models import Platform
from crawler.urls import canonicalize, community_id, platform_of

SLACK_TOKEN = "zt-1cb3mexrp-Ri0DCePyYaXSuEg8qPUCTA"
LONG_SLACK_TOKEN = (
    "enQtMjY5NTM2MzM4OTQ3LTMwYWJkY2MzMDg0MDlmNmEzYWQ0NDlhMGZkZDA5MjU5"
    "YmJjMjg1OTE3NzE1ZGNmNjhjOTNmMDE0Y2Y5OGMwYzY"
)
GOOGLE_FORM = "https://docs.google.com/forms/d/e/1FAIpQLSeKT_LC8kKTzJ4JjmgVQVpfl24i1qBkjJ7TYyQcNHL7fBQkYQ"

CANONICAL = [
    # --- Discord: every invite form becomes discord.com/invite/CODE, code case kept
    ("https://discord.gg/3srdSetPuP", "https://discord.com/invite/3srdSetPuP"),
    ("https://discord.gg/D2cNrqX/", "https://discord.com/invite/D2cNrqX"),
    ("discord.gg/GX7WQZukYj", "https://discord.com/invite/GX7WQZukYj"),
    ("http://discord.gg/F32yXXb", "https://discord.com/invite/F32yXXb"),
    ("https://www.discord.gg/HrzAhUu", "https://discord.com/invite/HrzAhUu"),
    ("https://discord.gg/invite/PSfAu8N", "https://discord.com/invite/PSfAu8N"),
    ("https://discordapp.com/invite/reasonml", "https://discord.com/invite/reasonml"),
    ("https://www.discordapp.com/invite/reasonml/", "https://discord.com/invite/reasonml"),
    ("https://discord.com/invite/0uEuWH3spjck73Lo", "https://discord.com/invite/0uEuWH3spjck73Lo"),
    ("https://discord.com/invite/2aE2Nfq/", "https://discord.com/invite/2aE2Nfq"),
    ("https://discord.com/invite/googlepixel?utm_source=list", "https://discord.com/invite/googlepixel"),
    ("https://DISCORD.GG/Pnt5CuY", "https://discord.com/invite/Pnt5CuY"),
    ("https://discord.gg/S4tQnUB).", "https://discord.com/invite/S4tQnUB"),
    ("<https://discord.gg/UUt2PJb>", "https://discord.com/invite/UUt2PJb"),
    ("https://discord.gg/Uq7r6kF?event=1234", "https://discord.com/invite/Uq7r6kF"),
    ("//discord.gg/7RXCGwxAzw", "https://discord.com/invite/7RXCGwxAzw"),
    ("https://discord.com/servers/python-267624335836053506",
     "https://discord.com/servers/python-267624335836053506"),
    ("https://discordapp.com/servers/Rust-273534239310479360/",
     "https://discord.com/servers/Rust-273534239310479360"),
    # --- Reddit: www host, lower-case subreddit, sort tabs and queries dropped, threads kept
    ("https://www.reddit.com/r/AZURE/", "https://www.reddit.com/r/azure"),
    ("http://www.reddit.com/r/djangolearning", "https://www.reddit.com/r/djangolearning"),
    ("https://old.reddit.com/r/gatsbyjs", "https://www.reddit.com/r/gatsbyjs"),
    ("https://reddit.com/r/linuxcafe", "https://www.reddit.com/r/linuxcafe"),
    ("www.reddit.com/r/python", "https://www.reddit.com/r/python"),
    ("new.reddit.com/r/Python/", "https://www.reddit.com/r/python"),
    ("https://np.reddit.com/r/AskNetsec/top/?t=all", "https://www.reddit.com/r/asknetsec"),
    ("https://m.reddit.com/r/Android/new/", "https://www.reddit.com/r/android"),
    ("https://www.reddit.com/r/AutoHotkey/?utm_medium=android_app",
     "https://www.reddit.com/r/autohotkey"),
    ("https://www.reddit.com/r/Angular2/comments/8xq7fz/angular_6_tips/",
     "https://www.reddit.com/r/angular2/comments/8xq7fz/angular_6_tips"),
    ("https://www.reddit.com/r/learnprogramming/wiki/index", "https://www.reddit.com/r/learnprogramming"),
    ("https://www.reddit.com/user/Spez/", "https://www.reddit.com/user/spez"),
    ("https://old.reddit.com/u/kn0thing/submitted", "https://www.reddit.com/user/kn0thing"),
    ("https://www.reddit.com/", "https://www.reddit.com"),
    # --- Slack: workspace lower-case, invite tokens kept as written, fragments dropped
    (f"https://join.slack.com/t/anuncioswp/shared_invite/{LONG_SLACK_TOKEN}",
     f"https://join.slack.com/t/anuncioswp/shared_invite/{LONG_SLACK_TOKEN}"),
    ("https://join.slack.com/t/AWSChicago/shared_invite/zt-25vrvuq9s-BI2tJZM3g2uxj0mqpH3JsA/",
     "https://join.slack.com/t/awschicago/shared_invite/zt-25vrvuq9s-BI2tJZM3g2uxj0mqpH3JsA"),
    ("join.slack.com/t/jsla/shared_invite/zt-1nf1yc1f6-ohkEU1TqC3AuHTSiscYHmg",
     "https://join.slack.com/t/jsla/shared_invite/zt-1nf1yc1f6-ohkEU1TqC3AuHTSiscYHmg"),
    ("http://join.slack.com/t/codementorship/shared_invite/zt-1oplpmy7k-OhbdTId9npCcvdI63w5~Jw",
     "https://join.slack.com/t/codementorship/shared_invite/zt-1oplpmy7k-OhbdTId9npCcvdI63w5~Jw"),
    (f"https://chicago-tech.slack.com/join/shared_invite/{SLACK_TOKEN}#/shared-invite/email",
     f"https://chicago-tech.slack.com/join/shared_invite/{SLACK_TOKEN}"),
    ("https://writethedocs.slack.com/join/shared_invite/zt-tfokbfyb-4Yxwk8oTZGAQDHmITJGQyQ#/",
     "https://writethedocs.slack.com/join/shared_invite/zt-tfokbfyb-4Yxwk8oTZGAQDHmITJGQyQ"),
    ("http://co-freelance-webdevs.slack.com/", "https://co-freelance-webdevs.slack.com"),
    ("http://israeltech.slack.com", "https://israeltech.slack.com"),
    ("https://Angular-Seattle.slack.com", "https://angular-seattle.slack.com"),
    ("techyeet.slack.com", "https://techyeet.slack.com"),
    ("https://devanz.slack.com/messages/general/", "https://devanz.slack.com"),
    ("http://agilespainslack.herokuapp.com", "http://agilespainslack.herokuapp.com"),
    ("http://braziljs-slack.herokuapp.com/", "http://braziljs-slack.herokuapp.com"),
    ("http://slack.bcneng.net/", "http://slack.bcneng.net"),
    ("http://wpmadrid.es/wp-login.php?action=slack-invitation",
     "http://wpmadrid.es/wp-login.php?action=slack-invitation"),
    # --- Telegram: t.me, lower-case names, invite hashes kept as written
    ("https://t.me/NimArgentina", "https://t.me/nimargentina"),
    ("t.me/s/NimArgentina", "https://t.me/nimargentina"),
    ("http://telegram.me/pythonES", "https://t.me/pythones"),
    ("https://telegram.dog/Rust_ES/", "https://t.me/rust_es"),
    ("https://www.t.me/golang_es?start=1", "https://t.me/golang_es"),
    ("https://t.me/joinchat/AAAAAEkk2WdoDrB4-Q8-gg", "https://t.me/joinchat/AAAAAEkk2WdoDrB4-Q8-gg"),
    ("https://telegram.me/JoinChat/AAAAAEkk2WdoDrB4", "https://t.me/joinchat/AAAAAEkk2WdoDrB4"),
    ("https://t.me/+Ab3dEfGh1JkLmN0p", "https://t.me/+Ab3dEfGh1JkLmN0p"),
    ("https://t.me/%2BAb3dEfGh1JkLmN0p", "https://t.me/+Ab3dEfGh1JkLmN0p"),
    ("https://t.me/Golang_ES/12345", "https://t.me/golang_es/12345"),
    # --- Matrix: the room lives in the fragment; aliases lower-case, room ids as written
    ("https://matrix.to/#/#PrivSec.dev-space:arcticfoxes.net",
     "https://matrix.to/#/#privsec.dev-space:arcticfoxes.net"),
    ("https://matrix.to/#/!XvLsfIFskBFvyfBuel:pixie.town?via=tchncs.de",
     "https://matrix.to/#/!XvLsfIFskBFvyfBuel:pixie.town"),
    ("https://matrix.to/#/%23196-Blahaj:chat.blahaj.zone",
     "https://matrix.to/#/#196-blahaj:chat.blahaj.zone"),
    ("https://matrix.to/#/%23fedora-space:fedoraproject.org",
     "https://matrix.to/#/#fedora-space:fedoraproject.org"),
    ("matrix.to/#/#home:fosdem.org", "https://matrix.to/#/#home:fosdem.org"),
    ("http://matrix.to/#/#formula1:matrix.org", "https://matrix.to/#/#formula1:matrix.org"),
    ("https://matrix.to/#/#offtopic-space:matrix.org).", "https://matrix.to/#/#offtopic-space:matrix.org"),
    ("https://matrix.to/#/#community:ubuntu.com/$event123?via=ubuntu.com",
     "https://matrix.to/#/#community:ubuntu.com"),
    ("https://matrix.to/#/@Alice:Matrix.org", "https://matrix.to/#/@alice:matrix.org"),
    ("#selfhosted:matrix.org", "https://matrix.to/#/#selfhosted:matrix.org"),
    ("https://matrix.to/#/", "https://matrix.to"),
    # --- Meetup: www host, lower-case group, locale prefix and sub-pages dropped
    ("https://www.meetup.com/Angular-Seattle/", "https://www.meetup.com/angular-seattle"),
    ("https://meetup.com/knoxdevs", "https://www.meetup.com/knoxdevs"),
    ("http://www.meetup.com/Code-for-Philly", "https://www.meetup.com/code-for-philly"),
    ("www.meetup.com/de-DE/Group-Name/events/", "https://www.meetup.com/group-name"),
    ("https://www.meetup.com/fr-FR/Paris-js/events/301234567/", "https://www.meetup.com/paris-js"),
    ("https://www.meetup.com/es/Python-Madrid/", "https://www.meetup.com/python-madrid"),
    ("https://www.meetup.com/TriDev/members/?op=leaders", "https://www.meetup.com/tridev"),
    ("meetup.com/DenverScript/?_locale=en-US", "https://www.meetup.com/denverscript"),
    ("https://www.meetup.com/pro/codeforamerica/", "https://www.meetup.com/pro/codeforamerica"),
    # --- GitHub: https, lower-case owner and repo, the rest as written
    ("http://github.com/EddieJaoudeCommunity", "https://github.com/eddiejaoudecommunity"),
    ("http://github.com/qa-at-the-point/", "https://github.com/qa-at-the-point"),
    ("https://github.com/ColoradoTechCommunity/List-of-Meetups",
     "https://github.com/coloradotechcommunity/list-of-meetups"),
    ("https://www.github.com/AeroRust", "https://github.com/aerorust"),
    ("https://github.com/HaxeFoundation/haxe/discussions",
     "https://github.com/haxefoundation/haxe/discussions"),
    ("https://github.com/4ian/GDevelop.git", "https://github.com/4ian/gdevelop"),
    ("https://gist.github.com/focusaurus/0dc47a2f9f8c46290fc7e73cea9ac0e7",
     "https://gist.github.com/focusaurus/0dc47a2f9f8c46290fc7e73cea9ac0e7"),
    ("http://eddiejaoudecommunity.github.io", "http://eddiejaoudecommunity.github.io"),
    # --- Facebook and LinkedIn: https and the www host
    ("https://www.facebook.com/groups/barbadosgaming/", "https://www.facebook.com/groups/barbadosgaming"),
    ("http://facebook.com/groups/techlahoma", "https://www.facebook.com/groups/techlahoma"),
    ("https://m.facebook.com/groups/123456789?ref=share", "https://www.facebook.com/groups/123456789"),
    ("https://www.facebook.com/DSMWebGeeks/?fbclid=IwAR3PhhP5X", "https://www.facebook.com/DSMWebGeeks"),
    ("https://linkedin.com/groups/8234567/", "https://www.linkedin.com/groups/8234567"),
    ("https://uk.linkedin.com/company/code-for-philly/", "https://www.linkedin.com/company/code-for-philly"),
    # --- fediverse handles and accounts
    ("@techsav@social.lol", "https://social.lol/@techsav"),
    ("@Gargron@Mastodon.Social", "https://mastodon.social/@Gargron"),
    ("https://social.lol/@techsav/", "https://social.lol/@techsav"),
    ("https://breeze.town/@breeze/108776240056543549", "https://breeze.town/@breeze/108776240056543549"),
    # --- mailing lists as mailto links (and bare addresses, which are e-mail, not handles)
    ("mailto:List-Subscribe@Example.org?subject=x", "mailto:list-subscribe@example.org"),
    ("mailto:digitalgov@gsa.gov?subject=Communities", "mailto:digitalgov@gsa.gov"),
    ("MAILTO:listserv@listserv.gsa.gov", "mailto:listserv@listserv.gsa.gov"),
    ("mailto:info%40open-austin.org", "mailto:info@open-austin.org"),
    ("info@open-austin.org", "mailto:info@open-austin.org"),
    # --- Google Groups: one /g/NAME form, also for the old `#!forum/NAME` links
    ("https://groups.google.com/forum/?nomobile=true#!forum/government-open-source",
     "https://groups.google.com/g/government-open-source"),
    ("https://groups.google.com/forum/#!forum/US-Open-Government",
     "https://groups.google.com/g/us-open-government"),
    ("https://groups.google.com/forum/#!topic/golang-nuts/AbC123xyz",
     "https://groups.google.com/g/golang-nuts"),
    ("https://groups.google.com/d/forum/urug", "https://groups.google.com/g/urug"),
    ("https://groups.google.com/g/urug/", "https://groups.google.com/g/urug"),
    ("https://groups.google.com/a/chromium.org/g/chromium-dev",
     "https://groups.google.com/a/chromium.org/g/chromium-dev"),
    # --- generic sites: host, port, userinfo, fragment, query, slashes, escapes
    ("https://discourse.jupyter.org/", "https://discourse.jupyter.org"),
    ("HTTPS://Community.N8N.io/", "https://community.n8n.io"),
    ("http://example.org:80/", "http://example.org"),
    ("https://example.org:443/about", "https://example.org/about"),
    ("https://example.org:8443/about/", "https://example.org:8443/about"),
    ("http://example.org:443/", "http://example.org:443"),
    ("https://user:secret@forum.example.org/", "https://forum.example.org"),
    ("https://forum.example.org./latest", "https://forum.example.org/latest"),
    ("https://en.wikipedia.org/wiki/DevOps#Toolchains", "https://en.wikipedia.org/wiki/DevOps"),
    ("https://knoxdevs.com/#join-us-on-slack", "https://knoxdevs.com"),
    ("http://creativecommons.org/publicdomain/zero/1.0?ref=chooser-v1",
     "http://creativecommons.org/publicdomain/zero/1.0"),
    ("https://lrdev.typeform.com/to/aZ9Hr8?fbclid=IwAR3PhhP5XQZzcFmYo2DDfDo_CeQgA9SXCrZmZnl2",
     "https://lrdev.typeform.com/to/aZ9Hr8"),
    ("https://example.org/?si=abc&igshid=x&gclid=1&mc_cid=2&mc_eid=3&ref_src=twsrc&UTM_Source=y",
     "https://example.org"),
    ("https://example.org/events?utm_source=newsletter&b=2&a=1", "https://example.org/events?a=1&b=2"),
    (f"{GOOGLE_FORM}/viewform?w=1&c=0", f"{GOOGLE_FORM}/viewform?c=0&w=1"),
    ("https://sub.rehab/?searchTerm=&visibleServices=lemmy&officialOnly=false&sortBy=users_active_week",
     "https://sub.rehab?officialOnly=false&searchTerm=&sortBy=users_active_week&visibleServices=lemmy"),
    ("example.org/x", "https://example.org/x"),
    ("//example.org/x/", "https://example.org/x"),
    ("  https://forum.amiga.org  \n", "https://forum.amiga.org"),
    ("https://lemmy.world//c//technology/", "https://lemmy.world/c/technology"),
    ("https://example.org/%7euser/%41bc", "https://example.org/~user/Abc"),
    ("https://example.org/a%2fb", "https://example.org/a%2Fb"),
    ("https://example.org/a b", "https://example.org/a%20b"),
    ("https://bücher.example/forum", "https://xn--bcher-kva.example/forum"),
    ("https://Lospec.com/Discord", "https://lospec.com/Discord"),
    ("https://forum.example.org/t/welcome/12.", "https://forum.example.org/t/welcome/12"),
    ("https://en.wikipedia.org/wiki/Python_(programming_language)",
     "https://en.wikipedia.org/wiki/Python_(programming_language)"),
    ("https://example.org/faq),", "https://example.org/faq"),
    ("https://www.youtube.com/@KnoxDevs", "https://www.youtube.com/@KnoxDevs"),
    ("http://twitter.com/techlahoma", "https://twitter.com/techlahoma"),
    ("http://127.0.0.1:8765/list/", "http://127.0.0.1:8765/list"),
    ("http://www.chipy.org/", "http://www.chipy.org"),
    ("https://app.slack.com/client/T0123ABC/C0456DEF",
     "https://app.slack.com/client/T0123ABC/C0456DEF"),
    # a final dot that is part of the URL is escaped, or a second pass would strip it as markup
    ("https://example.org/search?q=etc.&a=1", "https://example.org/search?a=1&q=etc%2E"),
]

PLATFORMS = [
    ("https://discord.gg/3srdSetPuP", Platform.DISCORD),
    ("https://discord.com/invite/0uEuWH3spjck73Lo", Platform.DISCORD),
    ("https://discordapp.com/invite/reasonml", Platform.DISCORD),
    ("https://discord.com/servers/python-267624335836053506", Platform.DISCORD),
    ("https://join.slack.com/t/jsla/shared_invite/zt-1nf1yc1f6-ohkEU1TqC3AuHTSiscYHmg",
     Platform.SLACK),
    ("http://ctgroups.slack.com/", Platform.SLACK),
    ("http://slack.bcneng.net/", Platform.SLACK),
    ("http://agilespainslack.herokuapp.com", Platform.SLACK),
    ("http://braziljs-slack.herokuapp.com/", Platform.SLACK),
    ("https://publicslack.com/slacks/devchat", Platform.SLACK),
    ("http://barcelonajs.herokuapp.com", Platform.WEBSITE),
    ("http://hashtag700.com/slack-700/", Platform.WEBSITE),
    ("https://www.reddit.com/r/AZURE/", Platform.REDDIT),
    ("https://old.reddit.com/r/gatsbyjs", Platform.REDDIT),
    ("https://www.reddit.com/u/kn0thing", Platform.REDDIT),
    ("https://www.meetup.com/Angular-Seattle/", Platform.MEETUP),
    ("meetup.com/knoxdevs", Platform.MEETUP),
    ("https://t.me/NimArgentina", Platform.TELEGRAM),
    ("http://telegram.me/pythonES", Platform.TELEGRAM),
    ("https://matrix.to/#/#home:fosdem.org", Platform.MATRIX),
    ("#selfhosted:matrix.org", Platform.MATRIX),
    ("https://element.bolha.chat/", Platform.MATRIX),
    ("https://matrix.gemeinsam.jetzt", Platform.MATRIX),
    ("https://discourse.jupyter.org/", Platform.DISCOURSE),
    ("https://discuss.kotlinlang.org/", Platform.DISCOURSE),
    ("https://meta.discourse.org/t/welcome/1", Platform.DISCOURSE),
    ("https://discussion.fedoraproject.org/", Platform.DISCOURSE),
    ("https://forum.amiga.org", Platform.FORUM),
    ("https://www.forums.example.org/", Platform.FORUM),
    ("https://community.n8n.io/", Platform.FORUM),
    ("https://talk.jekyllrb.com/", Platform.FORUM),
    ("https://meta.stackexchange.com/", Platform.FORUM),
    ("https://lemmy.ml/c/programming", Platform.LEMMY),
    ("https://lemmy.world", Platform.LEMMY),
    ("https://dev.lemmy.world", Platform.LEMMY),
    ("https://lemmygrad.ml", Platform.LEMMY),
    ("https://feddit.de", Platform.LEMMY),
    ("https://sh.itjust.works", Platform.LEMMY),
    ("https://beehaw.org/c/technology", Platform.LEMMY),
    ("https://programming.dev", Platform.LEMMY),
    ("https://lemm.ee", Platform.LEMMY),
    ("https://discuss.online", Platform.LEMMY),
    ("https://mastodon.social", Platform.MASTODON),
    ("@techsav@social.lol", Platform.MASTODON),
    ("https://social.lol/@techsav", Platform.MASTODON),
    ("https://fosstodon.org/@kde", Platform.MASTODON),
    ("https://www.youtube.com/@KnoxDevs", Platform.WEBSITE),
    ("https://medium.com/@WWCodePortland", Platform.WEBSITE),
    ("https://github.com/AeroRust", Platform.GITHUB),
    ("https://github.com/HaxeFoundation/haxe/discussions", Platform.GITHUB),
    ("http://eddiejaoudecommunity.github.io", Platform.WEBSITE),
    ("https://www.facebook.com/groups/barbadosgaming/", Platform.FACEBOOK),
    ("https://www.facebook.com/DSMWebGeeks/", Platform.WEBSITE),
    ("https://www.linkedin.com/groups/8234567/", Platform.LINKEDIN),
    ("https://www.linkedin.com/company/code-for-philly/", Platform.WEBSITE),
    ("mailto:listserv@listserv.gsa.gov", Platform.MAILING_LIST),
    ("info@open-austin.org", Platform.MAILING_LIST),
    ("https://groups.google.com/g/urug", Platform.MAILING_LIST),
    ("https://groups.io/g/python-es", Platform.MAILING_LIST),
    ("https://lists.debian.org/debian-devel/", Platform.MAILING_LIST),
    ("https://listserv.gsa.gov/", Platform.MAILING_LIST),
    ("https://mail.python.org/mailman/listinfo/python-list", Platform.MAILING_LIST),
    ("https://codeandsupply.co/", Platform.WEBSITE),
    ("https://gdg.community.dev/gdg-bridgetown/", Platform.WEBSITE),
]

NOT_COMMUNITY_LINKS = [
    "javascript:alert(1)",
    "ftp://x",
    "",
    "   ",
    "#anchor",
    "images/badge.png",
    "README.md",
    "./CONTRIBUTING.md",
    "FAQ.md#what-is-discordcom-exactly",
    "/r/python",
    "?page=2",
    "https://",
    "http:///path",
    "mailto:",
    "mailto:not-an-address",
    "tel:+15551234567",
    "data:text/html,hello",
    "https://exa mple.org",
    "http://example.org:99999/",
]


@pytest.mark.parametrize(("raw", "expected"), CANONICAL)
def test_canonicalize(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


@pytest.mark.parametrize("expected", sorted({expected for _, expected in CANONICAL}))
def test_canonicalize_is_idempotent(expected: str) -> None:
    assert canonicalize(expected) == expected


@pytest.mark.parametrize(("url", "platform"), PLATFORMS)
def test_platform_of(url: str, platform: Platform) -> None:
    assert platform_of(url) is platform


@pytest.mark.parametrize(("url", "platform"), PLATFORMS)
def test_platform_of_is_the_same_on_the_canonical_url(url: str, platform: Platform) -> None:
    assert platform_of(canonicalize(url)) is platform


@pytest.mark.parametrize("bad", NOT_COMMUNITY_LINKS)
def test_non_community_links_raise_a_message_naming_the_input(bad: str) -> None:
    with pytest.raises(ValueError) as error:
        canonicalize(bad)
    assert repr(bad) in str(error.value)


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "ftp://x", "#anchor"])
def test_platform_of_refuses_what_canonicalize_refuses(bad: str) -> None:
    with pytest.raises(ValueError, match="not an"):
        platform_of(bad)


def test_discord_invite_forms_share_one_id() -> None:
    ids = {community_id(url) for url in (
        "discord.gg/X7kPq2", "https://discord.com/invite/X7kPq2", "http://discordapp.com/invite/X7kPq2/",
    )}
    assert len(ids) == 1


def test_discord_invite_codes_are_case_sensitive() -> None:
    assert community_id("discord.gg/abc") != community_id("discord.gg/ABC")


def test_subreddit_names_are_not_case_sensitive() -> None:
    assert community_id("https://www.reddit.com/r/Python/") == community_id("old.reddit.com/r/python")


def test_community_id_is_the_sha256_prefix_of_the_canonical_url() -> None:
    identifier = community_id("https://discord.gg/abc")
    assert re.fullmatch(r"[0-9a-f]{16}", identifier)
    assert identifier == hashlib.sha256(b"https://discord.com/invite/abc").hexdigest()[:16]
