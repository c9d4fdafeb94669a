"""A small gazetteer: countries, trading blocs, sectors, cities, and trade-flow words.

``countries(text)`` finds them in text as canonical names ("German exports" ->
{"Germany"}; "the U.S." -> {"United States"}). Used to check that an answer
talks about the same countries as its source, and to read the subject of a
trade figure. ``flows_named(text)`` and ``last_flow(text)`` read the words naming a flow
("exports", "sales abroad", "imported").
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "CITIES",
    "COUNTRY_NAMES",
    "PLACE_COUNTRY",
    "SECTORS",
    "cities",
    "countries",
    "flows_named",
    "last_flow",
    "sectors",
]

# The words naming a flow: "exports", "exported", "sales abroad" / "imports", "imported".
_FLOW_WORDS: dict[str, re.Pattern[str]] = {
    "export": re.compile(r"\bexport(?:s|ed|ing)?\b|\b(?:sales|shipments) abroad\b", re.I),
    "import": re.compile(r"\bimport(?:s|ed|ing)?\b", re.I),
}


def flows_named(text: str) -> set[str]:
    """The flows text names: a subset of {"export", "import"}."""
    return {flow for flow, pattern in _FLOW_WORDS.items() if pattern.search(text)}


def last_flow(text: str) -> str | None:
    """The flow named last in text ("exports rose while imports" -> "import"), if any."""
    found = [(m.start(), flow) for flow, p in _FLOW_WORDS.items() for m in p.finditer(text)]
    return max(found)[1] if found else None

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
    "Germany": ("German", "West Germany", "West German", "FRG", "Bundesbank"),
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
    "United Kingdom": ("UK", "U.K.", "Britain", "British", "Great Britain", "England"),
    "United States": (
        "US", "U.S.", "USA", "U.S.A.", "America", "American", "United States of America",
        "Federal Reserve", "Fed", "USDA", "CCC", "Commodity Credit Corporation",
    ),
    "Uruguay": ("Uruguayan",),
    "Paraguay": ("Paraguayan",),
    "Venezuela": ("Venezuelan",),
    "Vietnam": ("Vietnamese", "Viet Nam"),
    "Algeria": ("Algerian",), "Angola": ("Angolan",), "Bahrain": ("Bahraini",),
    "Bolivia": ("Bolivian",), "Burma": ("Burmese", "Myanmar"), "Cameroon": ("Cameroonian",
    "Cameroun"), "Costa Rica": ("Costa Rican",), "Cuba": ("Cuban",), "Cyprus": ("Cypriot",),
    "Czechoslovakia": ("Czechoslovak",), "Dominican Republic": ("Dominican",),
    "East Germany": ("East German", "GDR"), "Ecuador": ("Ecuadorean", "Ecuadorian"),
    "El Salvador": ("Salvadorean", "Salvadoran"), "Guatemala": ("Guatemalan",),
    "Honduras": ("Honduran",), "Iceland": ("Icelandic",), "Jamaica": ("Jamaican",),
    "Jordan": ("Jordanian",), "Libya": ("Libyan",), "Luxembourg": (),
    "Madagascar": ("Malagasy",), "Mauritius": ("Mauritian",), "Nicaragua": ("Nicaraguan",),
    "Oman": ("Omani",), "Panama": ("Panamanian",), "Papua New Guinea": ("PNG",),
    "Senegal": ("Senegalese",), "Sudan": ("Sudanese",), "Syria": ("Syrian",),
    "Tanzania": ("Tanzanian",), "Tunisia": ("Tunisian",), "Uganda": ("Ugandan",),
    "Yugoslavia": ("Yugoslav",), "Zaire": ("Zairean", "Zairian"), "Zambia": ("Zambian",),
    "Zimbabwe": ("Zimbabwean",), "Lebanon": ("Lebanese",), "Fiji": ("Fijian",),
    "Nepal": ("Nepalese",), "Afghanistan": ("Afghan",), "North Korea": ("North Korean",),
    "European Union": ("EU", "E.U.", "European Community", "EC"),
    "Europe": ("European", "Europe’s"),
    "Mercosur": (),
    # regions: their names are no mention of a country in them ("Latin America" is not the US)
    "Latin America": ("Latin American",), "North America": ("North American",),
    "South America": ("South American",), "Central America": ("Central American",),
    "Middle East": ("Mideast",), "Far East": (), "Africa": ("African",), "Asia": ("Asian",),
    "ASEAN": (),
}

COUNTRY_NAMES = frozenset(_COUNTRIES)
_REGIONS = frozenset({"Latin America", "North America", "South America", "Central America",
                      "Middle East", "Far East", "Africa", "Asia"})
_NO_COUNTRY_PREFIX = re.compile(r"(?<![\w-])(?:non|inter|pan)-$", re.I)
_IN_A_NAME = re.compile(r"\)|\s+(?!And\b|Or\b)[A-Z][a-z]")
"""After a region, what makes it part of a name ("Middle East Economic Survey", "(Asia) Ltd")."""


_COMPANY_BEFORE = re.compile(r"(?:\bAir |\bPetro-|\bHydro-)$")
_COMPANY_AFTER = re.compile(
    r"(?:\s+[A-Z][\w&.-]*){0,3}?\s+(?:Co|Corp|Corporation|Inc|Ltd|Plc|PLC|Petroleum|Airlines|"
    r"Airways|Air Lines|Bancorp|Steel|Motors|Telecom|Holdings)\b")
"""A country's name inside a company's, before or after it."""
_CURRENCY_AFTER = re.compile(
    r"\s+(?:dlrs?|dollars?|francs?|crowns?|marks?|pesos?|pounds?|cents|shillings|rupees?|"
    r"lire|yen|guilders?|kronor|kroner)\b",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\W\d_][\w.’'&]*")


@lru_cache(maxsize=1)
def _lookup() -> tuple[dict[str, str], int]:
    table: dict[str, str] = {}
    for name, variants in _COUNTRIES.items():
        for v in (name, *variants):
            table[v.lower()] = name
    return table, max(len(k.split()) for k in table)


@lru_cache(maxsize=16384)
def country_mentions(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """Country mentions in ``text``: ``(start, end, canonical name, as written)``.

    Names are capitalised ("us" is a pronoun); "non-EU" and "US$5 billion" are not
    mentions; a possessive ("Turkey's") counts.
    """
    table, longest = _lookup()
    words = [(m.start(), m.end(), m.group()) for m in _WORDS.finditer(text)]
    out: list[tuple[int, int, str, str]] = []
    i = 0
    while i < len(words):
        start, _, first = words[i]
        if not first[0].isupper() or _NO_COUNTRY_PREFIX.search(text, max(0, start - 7), start):
            # "non-EU", "the Inter-American Development Bank", "Pan-African": no country
            i += 1
            continue
        for n in range(min(longest, len(words) - i), 0, -1):
            group = words[i : i + n]
            if any(text[a[1] : b[0]] not in (" ", "\n") for a, b in zip(group, group[1:],
                                                                      strict=False)):
                continue  # one space, or the line break of hard-wrapped copy ("United\nStates")
            end = group[-1][1]
            raw = text[start:end]
            key = re.sub(r"['’]s?$", "", raw).lower().replace("\n", " ")  # "Philippines'"
            name = table.get(key) or table.get(key.rstrip("."))
            if name is None:
                continue
            if name in _REGIONS and _IN_A_NAME.match(text, end):
                break
            if text[end : end + 1] == "$":  # "US$5 billion" is a currency
                break
            if _CURRENCY_AFTER.match(text, end):  # "14.8 mln Canadian dlrs": a currency
                break
            if _COMPANY_BEFORE.search(text, max(0, start - 8), start) or _COMPANY_AFTER.match(
                text, end
            ):  # "Air Canada", "Petro-Canada", "Amoco Canada Petroleum Co": a company's name
                break
            if key not in table:  # "Italy." at a sentence end: the dot is not the name's
                end -= len(raw) - len(raw.rstrip("."))
                raw = text[start:end]
            out.append((start, end, name, raw))
            i += n - 1
            break
        i += 1
    return tuple(out)


def countries(text: str) -> set[str]:
    """Canonical names of the countries and blocs mentioned in ``text``."""
    return {name for _, _, name, _ in country_mentions(text)}


# canonical sector: variants (phrases, matched on word boundaries, any case)
_SECTORS: dict[str, tuple[str, ...]] = {
    "automotive": ("automotive", "car", "cars", "vehicle", "vehicles", "auto parts", "car parts",
                   "passenger cars", "carmakers", "car makers"),
    "machinery": ("machinery", "machines", "machine tools"),
    "chemicals": ("chemical", "chemicals", "chemical substances", "petrochemicals"),
    "steel and metals": ("steel", "iron and non-ferrous metals", "non-ferrous metals",
                         "aluminium", "aluminum"),
    "copper": ("copper",), "zinc": ("zinc",), "tin": ("tin",), "lead": ("lead metal",),
    "nickel": ("nickel",), "silver": ("silver",), "platinum": ("platinum",),
    "iron ore": ("iron ore",),
    "soybeans": ("soybean", "soybeans", "soy", "soya", "soya beans", "soyabeans"),
    "soybean oil": ("soybean oil", "soyoil", "soy oil", "soya oil"),
    "soybean meal": ("soybean meal", "soymeal", "soy meal", "soya meal"),
    "palm oil": ("palm oil",), "cottonseed oil": ("cottonseed oil", "cotton oil"),
    "corn oil": ("corn oil",), "lard": ("lard",),
    "vegetable oils": ("vegetable oil", "vegetable oils", "veg oil"),
    "crude oil": ("crude oil", "crude", "oil", "petroleum", "oil products", "gasoline",
                  "heating oil", "fuel oil"),
    "natural gas": ("natural gas", "gas", "lng", "liquefied natural gas"),
    "energy": ("coal", "energy", "green ammonia"),
    "tea": ("tea",),
    "coffee": ("coffee",), "cocoa": ("cocoa",), "sugar": ("sugar",),
    "wheat": ("wheat",), "corn": ("corn", "maize"), "barley": ("barley",),
    "sorghum": ("sorghum",), "rice": ("rice",), "cotton": ("cotton",),
    "rubber": ("rubber",), "oilseeds": ("rapeseed", "oilseed", "oilseeds", "sunflowerseed"),
    "grain": ("grain", "grains", "cereals", "coarse grains", "foodgrains", "feedgrains"),
    "cattle": ("cattle", "livestock", "hogs", "pork", "beef", "meat"),
    "compound feed": ("compound feed", "feed"),
    "housing starts": ("housing starts", "housing", "family starts", "unit starts"),
    "electronics": ("electronics", "electronic components", "computers", "semiconductors",
                    "smartphones", "chips", "microchips"),
    "gems and jewellery": ("gems", "jewellery", "jewelry"),
    "gold": ("gold",),
    "pharmaceuticals": ("pharmaceutical", "pharmaceuticals"),
    "textiles": ("textile", "textiles", "apparel", "clothing"),
    "food and agriculture": ("agriculture", "agricultural", "food", "farm products"),
    "defence": ("defence", "defense", "aerospace", "drones", "uav", "uavs",
                "unmanned aerial vehicles"),
    "services": ("tourism", "services"),
}
SECTORS = frozenset(_SECTORS)

CITIES = frozenset(
    """Istanbul Ankara Izmir Bursa Kocaeli Rome Milan Berlin Hamburg Munich Stuttgart Wolfsburg
    Wiesbaden Beijing Shanghai Taicang Qingdao Tianjin Tokyo Osaka Hanoi Haiphong Hải_Phòng
    Brasília Brasilia São_Paulo Santos Paranaguá São_Luís Vitória Dubai Abu_Dhabi Mumbai Surat
    Mundra Jebel_Ali Laredo Nuevo_Laredo Monterrey Saltillo Detroit Montevideo Brussels
    Asunción Nairobi Mombasa Karachi London Kericho Canberra Seoul Ulsan Pohang Gwangyang
    Port_Hedland Darwin Karratha Washington Ottawa Paris Madrid Lima Cairo Singapore""".split()
)
CITIES = frozenset(c.replace("_", " ") for c in CITIES)

# Where a city, port or region is (to read the country of "Hamburg handled ...").
PLACE_COUNTRY: dict[str, str] = {
    "Istanbul": "Turkey", "Ankara": "Turkey", "Izmir": "Turkey", "Bursa": "Turkey",
    "Kocaeli": "Turkey", "Rome": "Italy", "Milan": "Italy", "Berlin": "Germany",
    "Hamburg": "Germany", "Munich": "Germany", "Stuttgart": "Germany", "Wolfsburg": "Germany",
    "Wiesbaden": "Germany", "Beijing": "China", "Shanghai": "China", "Taicang": "China",
    "Qingdao": "China", "Tianjin": "China", "Tokyo": "Japan", "Osaka": "Japan",
    "Hanoi": "Vietnam", "Haiphong": "Vietnam", "Hải Phòng": "Vietnam", "Lạch Huyện": "Vietnam",
    "Brasília": "Brazil", "Brasilia": "Brazil", "São Paulo": "Brazil", "Santos": "Brazil",
    "Paranaguá": "Brazil", "São Luís": "Brazil", "Vitória": "Brazil",
    "Dubai": "United Arab Emirates", "Abu Dhabi": "United Arab Emirates",
    "Jebel Ali": "United Arab Emirates", "Mumbai": "India", "Surat": "India", "Mundra": "India",
    "Laredo": "United States", "Texas": "United States", "Detroit": "United States",
    "Washington": "United States", "Nuevo Laredo": "Mexico", "Monterrey": "Mexico",
    "Saltillo": "Mexico", "Nuevo León": "Mexico", "Montevideo": "Uruguay",
    "Brussels": "European Union", "Asunción": "Paraguay", "Nairobi": "Kenya",
    "Mombasa": "Kenya", "Kericho": "Kenya", "Karachi": "Pakistan", "London": "United Kingdom",
    "Canberra": "Australia", "Port Hedland": "Australia", "Darwin": "Australia",
    "Karratha": "Australia", "Pilbara": "Australia", "Seoul": "South Korea",
    "Ulsan": "South Korea", "Pohang": "South Korea", "Gwangyang": "South Korea",
    "Ottawa": "Canada", "Paris": "France", "Madrid": "Spain", "Lima": "Peru", "Cairo": "Egypt",
    "Singapore": "Singapore",
}
CITIES = CITIES | frozenset(PLACE_COUNTRY)

# A capital stands for its government in news writing ("Taipei's cabinet approved",
# "Seoul is considering", "how much sugar Moscow took from Havana"): the country.
CAPITALS: dict[str, str] = {
    "Washington": "United States", "Ottawa": "Canada", "Mexico City": "Mexico",
    "Havana": "Cuba", "Kingston": "Jamaica", "Port-au-Prince": "Haiti",
    "Santo Domingo": "Dominican Republic", "Managua": "Nicaragua", "Tegucigalpa": "Honduras",
    "San Salvador": "El Salvador", "Guatemala City": "Guatemala", "Panama City": "Panama",
    "Bogota": "Colombia", "Bogotá": "Colombia", "Caracas": "Venezuela", "Quito": "Ecuador",
    "Lima": "Peru", "La Paz": "Bolivia", "Santiago": "Chile", "Buenos Aires": "Argentina",
    "Montevideo": "Uruguay", "Asuncion": "Paraguay", "Asunción": "Paraguay",
    "Brasilia": "Brazil", "Brasília": "Brazil", "London": "United Kingdom",
    "Dublin": "Ireland", "Paris": "France", "Bonn": "West Germany", "Berlin": "Germany",
    "East Berlin": "East Germany", "The Hague": "Netherlands", "Madrid": "Spain",
    "Lisbon": "Portugal", "Rome": "Italy", "Bern": "Switzerland", "Berne": "Switzerland",
    "Vienna": "Austria", "Stockholm": "Sweden", "Oslo": "Norway", "Copenhagen": "Denmark",
    "Helsinki": "Finland", "Athens": "Greece", "Ankara": "Turkey", "Moscow": "Soviet Union",
    "Warsaw": "Poland", "Prague": "Czechoslovakia", "Budapest": "Hungary",
    "Bucharest": "Romania", "Sofia": "Bulgaria", "Belgrade": "Yugoslavia",
    "Cairo": "Egypt", "Tripoli": "Libya", "Algiers": "Algeria", "Rabat": "Morocco",
    "Tunis": "Tunisia", "Khartoum": "Sudan", "Addis Ababa": "Ethiopia", "Nairobi": "Kenya",
    "Kampala": "Uganda", "Harare": "Zimbabwe", "Lusaka": "Zambia", "Kinshasa": "Zaire",
    "Lagos": "Nigeria", "Accra": "Ghana", "Abidjan": "Ivory Coast", "Dakar": "Senegal",
    "Pretoria": "South Africa", "Riyadh": "Saudi Arabia", "Tehran": "Iran",
    "Baghdad": "Iraq", "Damascus": "Syria", "Amman": "Jordan", "Jerusalem": "Israel",
    "Islamabad": "Pakistan", "New Delhi": "India", "Dhaka": "Bangladesh",
    "Colombo": "Sri Lanka", "Kathmandu": "Nepal", "Beijing": "China", "Peking": "China",
    "Taipei": "Taiwan", "Seoul": "South Korea", "Tokyo": "Japan", "Manila": "Philippines",
    "Jakarta": "Indonesia", "Kuala Lumpur": "Malaysia", "Bangkok": "Thailand",
    "Hanoi": "Vietnam", "Canberra": "Australia", "Wellington": "New Zealand",
}


@lru_cache(maxsize=1)
def _capital_pattern() -> re.Pattern[str]:
    names = sorted(CAPITALS, key=len, reverse=True)  # "East Berlin" before "Berlin"
    return re.compile(rf"(?<![\w-])(?:{'|'.join(re.escape(c) for c in names)})(?![\w-])")


# A capital is a place, not a government, after "in"/"at"/"of" or before what happens
# or sits there ("the Paris meeting", "the Tokyo stock market", "a London-based trader").
_PLACE_BEFORE = re.compile(r"\b(?:in|at|of|near|outside)\s+(?:the\s+)?$", re.I)
_PLACE_AFTER = re.compile(
    r"^(?:-based|\s+(?:meeting|talks|conference|summit|session|round|accord|agreement|"
    r"declaration|club|exchange|stock|market|bourse|gold|futures|dealers?|traders?|brokers?|"
    r"bankers?|office|embassy|bureau|newspaper|daily|correspondent|area|region|airport|"
    r"port|plant|factory|headquarters|group)\b)", re.I)


def capital_countries(text: str) -> dict[str, str]:
    """Capitals standing for their governments in ``text``, each with its country.

    "Taipei's cabinet", "why is Seoul considering", "sugar Moscow took from Havana":
    Taiwan, South Korea, the Soviet Union and Cuba. A capital as a place ("talks in
    London", "the Paris meeting") is left out.
    """
    return {re.sub(r"['’]s$", "", raw): name for _, _, name, raw in capital_mentions(text)}


def capital_mentions(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """Capitals standing for their governments: ``(start, end, country, as written)``."""
    found: list[tuple[int, int, str, str]] = []
    for m in _capital_pattern().finditer(text):
        if _PLACE_BEFORE.search(text[: m.start()]) or _PLACE_AFTER.match(text[m.end():]):
            continue
        canonical = countries(CAPITALS[m.group()])
        if canonical:
            end = m.end() + (2 if text[m.end() : m.end() + 2] in ("'s", "’s") else 0)
            found.append((m.start(), end, next(iter(canonical)), text[m.start() : end]))
    return tuple(found)


@lru_cache(maxsize=1)
def _sector_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    lookup = {v.lower(): name for name, variants in _SECTORS.items() for v in variants}
    body = "|".join(re.escape(v) for v in sorted(lookup, key=len, reverse=True))
    return re.compile(rf"(?<!non-)\b(?P<name>{body})s?\b"), lookup


@lru_cache(maxsize=16384)
def _sectors(text: str) -> frozenset[str]:
    pattern, lookup = _sector_pattern()
    return frozenset(lookup[m.group("name")] for m in pattern.finditer(text.lower()))


def sectors(text: str) -> set[str]:
    """Canonical sectors or products mentioned in ``text`` ("German car exports" -> automotive)."""
    return set(_sectors(text))


@lru_cache(maxsize=1)
def _city_pattern() -> re.Pattern[str]:
    names = sorted(CITIES, key=len, reverse=True)  # "Nuevo Laredo" before "Laredo"
    return re.compile(rf"(?<![\w-])(?:{'|'.join(re.escape(c) for c in names)})(?![\w-])")


@lru_cache(maxsize=16384)
def _cities(text: str) -> tuple[str, ...]:
    return tuple(m.group() for m in _city_pattern().finditer(text))


def cities(text: str) -> list[str]:
    """Known trade cities, ports and regions mentioned in ``text``, in order.

    "Osaka-based" is a company's home, not a place the text is about: left out.
    """
    return list(_cities(text))
