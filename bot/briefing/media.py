"""Known state-affiliated media outlets, matched by publisher name or URL domain.

What "state-affiliated" means here: an outlet whose editorial line is directly controlled by a
government or ruling party, through ownership, funding or appointment of its management — the
outlets that platforms and press-freedom organisations commonly label "state-affiliated media".
State-funded public broadcasters with statutory editorial independence (BBC, ARD/ZDF,
France Télévisions, CBC, ABC Australia, NHK, PBS/NPR, ...) are NOT listed.

The list is small and conservative on purpose: an outlet is only listed when its state control is
well documented. An unlisted outlet is not a claim that it is independent. To extend it, add an
``Outlet`` with the names it appears under and its web domains.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.briefing.publishers import url_host


@dataclass(frozen=True)
class Outlet:
    name: str
    country: str
    names: tuple[str, ...]
    """Lower-case names and aliases; matched as whole leading words of a publisher name."""
    domains: tuple[str, ...]
    """Registrable domains; subdomains match too (``francais.rt.com`` matches ``rt.com``)."""


STATE_AFFILIATED: tuple[Outlet, ...] = (
    # Russia
    Outlet(
        "RT",
        "Russia",
        ("rt", "russia today", "rt en français", "rt en francais", "rt deutsch", "rt america"),
        ("rt.com", "rt.rs", "actualidad-rt.com", "rtd.rt.com"),
    ),
    Outlet("Sputnik", "Russia", ("sputnik", "sputnik news", "sputniknews"), ("sputniknews.com",)),
    Outlet("TASS", "Russia", ("tass", "itar-tass"), ("tass.com", "tass.ru")),
    Outlet("RIA Novosti", "Russia", ("ria novosti", "ria"), ("ria.ru",)),
    # China
    Outlet("Xinhua", "China", ("xinhua", "xinhua news agency"), ("xinhuanet.com", "news.cn")),
    Outlet("CGTN", "China", ("cgtn", "china global television network"), ("cgtn.com",)),
    Outlet("CCTV", "China", ("cctv", "china central television"), ("cctv.com", "cctv.cn")),
    Outlet(
        "People's Daily",
        "China",
        ("people's daily", "people’s daily", "peoples daily", "renmin ribao"),
        ("people.com.cn", "people.cn"),
    ),
    Outlet("Global Times", "China", ("global times",), ("globaltimes.cn",)),
    Outlet("China Daily", "China", ("china daily",), ("chinadaily.com.cn",)),
    Outlet(
        "China Radio International",
        "China",
        ("china radio international", "cri"),
        ("cri.cn", "chinaplus.cri.cn"),
    ),
    # Iran
    Outlet("Press TV", "Iran", ("press tv", "presstv"), ("presstv.ir", "presstv.com")),
    Outlet("IRNA", "Iran", ("irna", "islamic republic news agency"), ("irna.ir",)),
    # North Korea
    Outlet(
        "KCNA",
        "North Korea",
        ("kcna", "korean central news agency"),
        ("kcna.kp",),
    ),
    Outlet("Rodong Sinmun", "North Korea", ("rodong sinmun",), ("rodong.rep.kp",)),
    # Venezuela
    Outlet(
        "teleSUR",
        "Venezuela",
        ("telesur", "telesur english", "telesur tv"),
        ("telesurtv.net", "telesurenglish.net"),
    ),
)


def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().replace("’", "'")
    return re.sub(r"\s+", " ", text).strip(" .·-–—|")


def match_outlet(source: str | None = None, url: str | None = None) -> Outlet | None:
    """The state-affiliated outlet a publisher name or article URL belongs to, if any.

    A name matches when an alias equals the publisher name or is its leading words
    (``"RT en français"`` → RT; ``"ARTnews"`` and ``"Sputnik Moments Blog"`` → no, the latter
    because aliases of two letters or more must be followed by a word boundary and the whole
    leading word sequence must be an alias). Domains match exactly or as a parent domain.
    """
    host = url_host(url)
    if host:
        for outlet in STATE_AFFILIATED:
            if any(host == d or host.endswith("." + d) for d in outlet.domains):
                return outlet
    if source:
        name = _normalise(source)
        for outlet in STATE_AFFILIATED:
            for alias in outlet.names:
                if name == alias:
                    return outlet
                # "RT en français", "TASS news agency", "Xinhua (Beijing)"
                if name.startswith(alias) and re.match(r"[\s(,:]", name[len(alias) :]):
                    rest = name[len(alias) :].strip(" (),:")
                    if rest.split(" ")[0] in _NAME_SUFFIXES:
                        return outlet
    return None


# Words that may follow an outlet's name in a publisher field without making it another outlet.
_NAME_SUFFIXES = frozenset(
    {
        "en",
        "in",
        "news",
        "agency",
        "english",
        "international",
        "online",
        "tv",
        "français",
        "francais",
        "deutsch",
        "español",
        "espanol",
        "arabic",
        "america",
        "uk",
        "moscow",
        "beijing",
        "pyongyang",
        "tehran",
        "caracas",
        "-",
        "–",
        "—",
        "|",
        ".com",
    }
)


def is_state_affiliated(source: str | None = None, url: str | None = None) -> bool:
    return match_outlet(source, url) is not None
