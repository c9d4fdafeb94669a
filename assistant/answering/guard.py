"""Article text that speaks to the assistant, and markup: neither may reach an answer or an LLM.

An article is data, never instructions: a sentence that addresses the assistant
("ignore previous instructions", "reply only ...") is never quoted as an answer nor
shown to an LLM, and Markdown images, links, URLs and HTML tags are taken out of what
an LLM reads and refused in what it writes.
"""

from __future__ import annotations

import re

__all__ = ["defang", "has_markup", "looks_like_instruction"]

# Text in an article that addresses the assistant rather than the reader.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,60}?\b(?:instructions?|prompts?|rules|"
    r"directions|guidelines|above|previous|prior)\b"
    r"|\b(?:system|developer|hidden)\s*(?:prompt|message|instructions?)\b"
    r"|\b(?:reply|respond|answer|say|output|print|write)\s+(?:only|exactly|just)\b"
    r"|\byou\s+(?:are|must|should|will)\s+(?:now\s+)?(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:assistant|ai|model|chatbot|bot|language model)\b"
    r"|\b(?:reveal|show|repeat|disclose|leak|print|output|recite|tell|give|list)\b.{0,40}?"
    r"\byour\s+(?:\w+\s+){0,2}(?:instructions|prompt|rules|secrets?)\b"
    r"|\b(?:reveal|show|repeat|disclose|leak)\b.{0,40}?\b(?:instructions|prompt|rules|secrets?)\b"
    r"|^\W*(?:assistant|ai|chatbot|bot|model)\s*[,:]"
    r"|^\s*(?:system|assistant|user|human|instruction|question|answer|response)\s*:"
    r"|\bnew\s+instructions?\b|\bjailbreak\b|\bDAN\b",
    re.IGNORECASE,
)
_IMAGE = re.compile(r"!\[[^\]]*\]\s*(?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]*)\]\s*\((?:https?:|//|www\.)[^)]*\)")
_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# HTML tags: a known element, or any element with attributes. A company name or ticker in
# angle brackets ("<GM>", "<Lloyds Bank NZA Ltd>", as newswire writes them) is not one.
_TAG = re.compile(
    r"</?(?:a|abbr|audio|b|base|big|blink|body|br|button|center|code|del|details|div|em|embed|"
    r"font|form|frame|frameset|h[1-6]|head|hr|html|i|iframe|img|input|ins|label|li|link|"
    r"marquee|meta|noscript|object|ol|option|p|pre|s|script|select|small|source|span|strong|"
    r"style|sub|summary|sup|svg|table|tbody|td|textarea|th|thead|title|tr|u|ul|video)\b"
    r"[^>]{0,200}>"
    r"|<[A-Za-z][\w-]*\s+[\w:-]+\s*=[^>]{0,200}>",
    re.IGNORECASE,
)


def looks_like_instruction(text: str) -> bool:
    """Whether text speaks to the assistant ("ignore previous instructions", "reply only ...")."""
    return bool(_INSTRUCTION.search(text))


def has_markup(text: str) -> bool:
    """Whether text has a Markdown image or link, a reference definition, a URL or a tag."""
    return any(p.search(text) for p in (_IMAGE, _LINK, _REF_DEF, _URL, _TAG))


def defang(text: str) -> str:
    """Text without Markdown images, links, reference definitions, URLs or HTML tags."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_DEF.sub("", text)
    text = _URL.sub("", text)
    text = _TAG.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
