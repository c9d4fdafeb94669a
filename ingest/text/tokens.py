"""Search tokens of a text: lower-cased, stop words out, lightly stemmed, trade synonyms met.

Pure functions, used by the BM25 index (given to ``LexicalIndex``) and by answering
(key terms of a question, coverage of a sentence). ``TOKENIZER_VERSION`` names the
rules: a saved index built with other rules is rebuilt.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ingest.text.lexicon import PHRASES, WORDS

__all__ = ["TOKENIZER_VERSION", "tokenize"]

# Bump when ``tokenize`` changes: saved indexes of another version are rebuilt.
TOKENIZER_VERSION = 10

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?")
_STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with you your yours yourself yourselves would could also said says
    tell me please much many us""".split()
)


# Demonyms and month abbreviations map to one form, so "German exports" meets "Germany"
# and "Jan-May" meets "January to May".
_CANONICAL = {
    "german": "germany", "turkish": "turkey", "türkiye": "turkey", "turkiye": "turkey",
    "italian": "italy", "chinese": "china", "japanese": "japan", "brazilian": "brazil",
    "indian": "india", "mexican": "mexico", "kenyan": "kenya", "australian": "australia",
    "korean": "korea", "vietnamese": "vietnam", "american": "america", "french": "france",
    "british": "britain", "spanish": "spain", "russian": "russia", "canadian": "canada",
    "emirati": "uae", "pakistani": "pakistan", "argentine": "argentina",
    "argentinian": "argentina", "european": "europe", "dutch": "netherlands",
    "jan": "january", "feb": "february", "mar": "march", "apr": "april", "jun": "june",
    "jul": "july", "aug": "august", "sep": "september", "sept": "september",
    "oct": "october", "nov": "november", "dec": "december", "bn": "billion",
    "bln": "billion", "mln": "million", "mn": "million", "pct": "percent",
    "cent": "percent", "america": "usa", "ceo": "chief executive",
    # Irregular verb forms and the growth/decline vocabulary of trade news.
    "grew": "grow", "grown": "grow", "rose": "grow", "risen": "grow", "rise": "grow",
    "increase": "grow", "climb": "grow", "jump": "grow", "surge": "grow", "gain": "grow",
    "growth": "grow", "fell": "fall", "fallen": "fall", "decline": "fall",
    "decrease": "fall", "drop": "fall", "slide": "fall", "slump": "fall", "shrank": "fall",
    "sold": "sell", "bought": "buy", "paid": "pay", "spent": "spend", "held": "hold",
    "met": "meet", "made": "make", "took": "take", "chose": "choose",
    # stems of the same words ("increased" -> "increas")
    "increas": "grow", "ris": "grow", "surg": "grow", "grow": "grow", "decreas": "fall",
    "declin": "fall", "dropp": "fall", "slid": "fall", "rising": "grow",
    "falling": "fall", "growing": "grow", "higher": "grow", "lower": "fall",
    "objective": "target", "goal": "target", "annually": "annual", "yearly": "annual",
    "shipp": "ship",
    # The plain words of economic news for its technical terms (both sides meet).
    "jobless": "unemployment", "joblessness": "unemployment", "shortfall": "deficit",
    "shortfalls": "deficit",
}
_CANONICAL.update({k: v for k, v in WORDS.items() if k not in _CANONICAL})
_LEXICON = dict(PHRASES)


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    """One pattern for the lexicon's phrases, grouped by first word.

    Fewer alternatives are tried at each place; within a group the lexicon's order stands
    (longer phrases first).
    """
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        first, _, rest = phrase.partition(" ")
        groups.setdefault(first, []).append(rest)
    alts = []
    for first, rests in groups.items():
        tails = [re.escape(r).replace(r"\ ", r"\s+") for r in rests if r]
        tail = f"(?:\\s+(?:{'|'.join(tails)}))" + ("?" if "" in rests else "") if tails else ""
        alts.append(re.escape(first) + tail)
    return re.compile(r"(?<![\w'’-])(?:" + "|".join(alts) + r")(?![\w'’-])", re.I)


_LEXICON_PHRASE = _phrase_pattern([p for p, _ in PHRASES])
"""The lexicon's phrases as one pattern."""
_USA = re.compile(r"\bU\.S\.(?:A\.)?|\bUS\b|\bUSA\b|\bUnited States(?: of America)?\b")
_UK = re.compile(r"\bU\.K\.|\bUK\b|\bUnited Kingdom\b|\bGreat Britain\b")


def _stem(word: str) -> str:
    """A light English suffix stripper: exports/exported/exporting -> export."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("eed") and len(word) > 4:  # agreed -> agree
        return word[:-1]
    if word.endswith("ied") and len(word) > 4:  # supplied -> supply
        return word[:-3] + "y"
    for suffix, repl, keep in (
        ("ments", "", 4),
        ("ment", "", 4),
        ("ies", "y", 3),
        ("sses", "ss", 3),
        ("ing", "", 4),
        ("ed", "", 4),
        ("es", "", 4),
        ("s", "", 3),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "sses", "zes")):
                return word[:-1]
            return word[: len(word) - len(suffix)] + repl
    return word


_PHRASES = (  # (a word every match contains, pattern, replacement)
    ("trade", re.compile(r"\b(?:two[- ]way trade|trade volume|volume of trade|total trade|"
                         r"trade between)\b", re.I), " bilateral trade "),
    ("chief", re.compile(r"\bchief executive officer\b", re.I), " chief executive "),
    ("year", re.compile(r"\b(?:per|a|each|every) year\b", re.I), " annual "),
    ("liquefied", re.compile(r"\bliquefied natural gas\b", re.I), " lng "),
    ("foreign", re.compile(r"\bforeign direct investment\b", re.I), " fdi "),
    # "sales abroad", "overseas shipments": exports
    ("foreign", re.compile(r"\bforeign (?:sales|shipments|deliveries)\b", re.I), " exports "),
    ("overseas", re.compile(r"\boverseas (?:sales|shipments|deliveries)\b|\b(?:sales|"
                            r"shipments|deliveries) overseas\b", re.I), " exports "),
    ("abroad", re.compile(r"\b(?:sales|shipments|deliveries) abroad\b", re.I), " exports "),
    ("export", re.compile(r"\bexport (?:sales|shipments|deliveries)\b", re.I), " exports "),
    ("from", re.compile(r"\b(?:sail(?:s|ed)?|depart(?:s|ed)?|leav(?:e|es|ing)|left|dispatched)"
                        r"\s+from\b", re.I), " shipped from "),
)


def _fold(text: str) -> str:
    """Strip accents: "Hải Phòng" -> "Hai Phong", "São Paulo" -> "Sao Paulo"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def tokenize(text: str) -> list[str]:
    """Lower-case word and number tokens, stop words removed, lightly stemmed.

    Numbers keep their decimals and lose thousands separators ("5,340" -> "5340").
    A few trade-news synonyms meet ("two-way trade" = "trade volume" = "bilateral trade"),
    and the plain words of a question meet the wire's (``lexicon``: "purchases from
    abroad" = "imports", "greenback" = "dollar").
    """
    if not text.isascii():
        text = _fold(unicodedata.normalize("NFKC", text))
    text = _UK.sub(" britain ", _USA.sub(" usa ", text))
    low = text.lower()
    for word, pattern, repl in _PHRASES:
        if word in low:  # most texts hold few of these phrases: skip the regex
            text = pattern.sub(repl, text)
            low = text.lower()
    text = _LEXICON_PHRASE.sub(
        lambda m: f" {_LEXICON.get(' '.join(m.group().lower().split()), m.group())} ", text)
    out: list[str] = []
    for tok in _TOKEN.findall(text.lower()):
        out.extend(_word_tokens(tok))
    return out


@lru_cache(maxsize=262144)
def _word_tokens(tok: str) -> tuple[str, ...]:
    """The tokens one matched word or number becomes (cached: vocabularies are small)."""
    if tok[0].isdigit():
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", tok):
            tok = tok.replace(",", "")
        return (tok.rstrip(".,"),)
    if tok in _STOP:
        return ()
    tok = re.sub(r"['’]s$", "", tok)
    out: list[str] = []
    for part in _CANONICAL.get(tok, tok).split():
        stem = _stem(part)
        out.extend(_CANONICAL.get(stem, stem).split())
    return tuple(out)
