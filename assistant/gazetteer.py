"""A small gazetteer: countries (names, demonyms, aliases) and trading blocs.

``countries(text)`` finds them in text as canonical names ("German exports" ->
{"Germany"}; "the U.S." -> {"United States"}). Used to check that an answer
talks about the same countries as its source, and to read the subject of a
trade figure.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["COUNTRY_NAMES", "countries"]

# canonical name: variants (names, demonyms, common abbreviations)
_COUNTRIES: dict[str, tuple[str, ...]] = {
    "Argentina": ("Argentine", "Argentinian", "Argentinean"),
    "Australia": ("Australian",),
    "Austria": ("Austrian",),
    "Bangladesh": ("Bangladeshi",),
    "Belgium": ("Belgian",),
    "Brazil": ("Brazilian",),
    "Bulgaria": ("Bulgarian",),
    "Canada": ("Canadian",),
    "Chile": ("Chilean",),
    "China": ("Chinese", "PRC", "Beijing's"),
    "Colombia": ("Colombian",),
    "Czech Republic": ("Czech", "Czechia"),
    "Denmark": ("Danish",),
    "Egypt": ("Egyptian",),
    "Ethiopia": ("Ethiopian",),
    "Finland": ("Finnish",),
    "France": ("French",),
    "Germany": ("German", "West Germany", "West German", "FRG"),
    "Ghana": ("Ghanaian",),
    "Greece": ("Greek",),
    "Hong Kong": (),
    "Hungary": ("Hungarian",),
    "India": ("Indian",),
    "Indonesia": ("Indonesian",),
    "Iran": ("Iranian",),
    "Iraq": ("Iraqi",),
    "Ireland": ("Irish",),
    "Israel": ("Israeli",),
    "Italy": ("Italian",),
    "Ivory Coast": ("Ivorian", "Cote d'Ivoire", "Côte d'Ivoire"),
    "Japan": ("Japanese",),
    "Kazakhstan": ("Kazakh",),
    "Kenya": ("Kenyan",),
    "Kuwait": ("Kuwaiti",),
    "Malaysia": ("Malaysian",),
    "Mexico": ("Mexican",),
    "Morocco": ("Moroccan",),
    "Netherlands": ("Dutch", "Holland"),
    "New Zealand": ("New Zealander",),
    "Nigeria": ("Nigerian",),
    "Norway": ("Norwegian",),
    "Pakistan": ("Pakistani",),
    "Peru": ("Peruvian",),
    "Philippines": ("Philippine", "Filipino"),
    "Poland": ("Polish",),
    "Portugal": ("Portuguese",),
    "Qatar": ("Qatari",),
    "Romania": ("Romanian",),
    "Russia": ("Russian", "Soviet Union", "Soviet", "USSR"),
    "Saudi Arabia": ("Saudi",),
    "Singapore": ("Singaporean",),
    "South Africa": ("South African",),
    "South Korea": ("Korea", "Korean", "South Korean", "ROK"),
    "Spain": ("Spanish",),
    "Sri Lanka": ("Sri Lankan",),
    "Sweden": ("Swedish",),
    "Switzerland": ("Swiss",),
    "Taiwan": ("Taiwanese",),
    "Thailand": ("Thai",),
    "Turkey": ("Turkish", "Türkiye", "Turkiye"),
    "Ukraine": ("Ukrainian",),
    "United Arab Emirates": ("UAE", "Emirati", "Emirates"),
    "United Kingdom": ("UK", "U.K.", "Britain", "British", "Great Britain"),
    "United States": (
        "US", "U.S.", "USA", "U.S.A.", "America", "American", "United States of America",
    ),
    "Uruguay": ("Uruguayan",),
    "Paraguay": ("Paraguayan",),
    "Venezuela": ("Venezuelan",),
    "Vietnam": ("Vietnamese", "Viet Nam"),
    "European Union": ("EU", "E.U.", "European Community", "EC"),
    "Mercosur": (),
    "ASEAN": (),
}

COUNTRY_NAMES = frozenset(_COUNTRIES)


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    lookup: dict[str, str] = {}
    for name, variants in _COUNTRIES.items():
        for v in (name, *variants):
            lookup[v.lower()] = name
    alternatives = sorted(lookup, key=len, reverse=True)
    body = "|".join(re.escape(a) for a in alternatives)
    # Case-sensitive on the first letter (names are capitalised), tolerant after it.
    return re.compile(rf"(?<![\w$])(?:{body})(?:['’]s)?(?![\w$])", re.IGNORECASE), lookup


def countries(text: str) -> set[str]:
    """Canonical names of the countries and blocs mentioned in ``text``."""
    pattern, lookup = _pattern()
    found: set[str] = set()
    for m in pattern.finditer(text):
        raw = m.group()
        if not raw[0].isupper():
            continue  # "us", "ec" as ordinary words
        word = re.sub(r"['’]s$", "", raw).lower()
        if word in ("us",) and text[m.end() : m.end() + 1] == "$":
            continue  # "US$5 billion" is a currency
        name = lookup.get(word)
        if name:
            found.add(name)
    return found
