"""Loaders: every format, encodings, binary/empty/oversized rejection, discovery, ids, dates."""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import random
from pathlib import Path

import pytest
from conftest import CORPUS_DIR, SAMPLE_DIR
from pdfgen import make_pdf

from ingest.ids import make_article_id
from ingest.loaders import discover, load_file, parse_date
from ingest.models import Document, Failure
from ingest.textio import decode_bytes
from vectorstore.errors import LoaderError

pytestmark = pytest.mark.fast

MB = 1_000_000


def load_one(path: Path, max_bytes: int = 20 * MB) -> Document:
    docs, failures = load_file(path, max_bytes=max_bytes)
    assert failures == []
    assert len(docs) == 1
    return docs[0]


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# -- .txt ------------------------------------------------------------------------------


def test_txt_title_and_header_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "steel.txt",
        "\n\n  Steel exports jump 12% in May  \n"
        "Date: June 12, 2025\n"
        "Source: Harbor Wire\n"
        "\n"
        "Steel exports rose 12% in May to $3.2 billion.\n\n"
        "Officials expect more growth.\n",
    )
    doc = load_one(path)
    assert doc.title == "Steel exports jump 12% in May"
    assert doc.date == "2025-06-12"
    assert doc.source == "Harbor Wire"
    assert doc.kind == "txt"
    assert doc.text == (
        "Steel exports rose 12% in May to $3.2 billion.\n\nOfficials expect more growth."
    )
    assert "Date:" not in doc.text and "Source:" not in doc.text
    assert doc.title not in doc.text
    assert doc.source_path == str(path)


def test_txt_without_headers_uses_file_name_as_source(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "plain.txt", "A title\nBody line one. Body line two."))
    assert doc.title == "A title"
    assert doc.text == "Body line one. Body line two."
    assert doc.source == "plain.txt"
    assert doc.date is None


def test_txt_whitespace_is_normalised(tmp_path: Path) -> None:
    doc = load_one(
        write(
            tmp_path / "ws.txt",
            "Title\r\n\r\nOne\t\t two\u00a0 three.\r\n\r\n\r\n\r\nFour.\u200b",
        )
    )
    assert doc.text == "One two three.\n\nFour."


def test_title_only_txt_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="no article text"):
        load_file(write(tmp_path / "t.txt", "Just a title\n\n"), max_bytes=MB)


def test_corpus_article_loads() -> None:
    doc = load_one(CORPUS_DIR / "turkey-italy-trade-2025.txt")
    assert doc.title.startswith("Turkey and Italy")
    assert "$5.34 b" in doc.text
    assert doc.text == doc.text.strip()
    assert "\n\n\n" not in doc.text


# -- .md -------------------------------------------------------------------------------


def test_md_frontmatter_and_repeated_heading_dropped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "grain.md",
        "---\n"
        "title: Grain shipments rise 4%\n"
        "date: 2025-03-01\n"
        "source: Farm Desk\n"
        "---\n"
        "\n"
        "# Grain shipments rise 4%\n"
        "\n"
        "Grain shipments rose **4%** in February.\n\n"
        "## Outlook\n\n"
        "Analysts expect a steady spring.\n",
    )
    doc = load_one(path)
    assert doc.title == "Grain shipments rise 4%"
    assert doc.date == "2025-03-01"
    assert doc.source == "Farm Desk"
    assert doc.kind == "md"
    assert "Grain shipments rise 4%" not in doc.text  # the repeated heading is gone
    assert "---" not in doc.text and "title:" not in doc.text
    assert doc.text.startswith("Grain shipments rose 4% in February.")  # ** stripped
    assert "Outlook" in doc.text and "#" not in doc.text


def test_md_heading_different_from_title_is_kept(tmp_path: Path) -> None:
    doc = load_one(
        write(
            tmp_path / "x.md",
            "---\ntitle: Frontmatter title\n---\n# A different heading\n\nBody text here.\n",
        )
    )
    assert doc.title == "Frontmatter title"
    assert doc.text.startswith("A different heading")


def test_md_without_frontmatter_uses_heading_as_title(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "y.md", "# Heading title\n\nBody of the note.\n"))
    assert doc.title == "Heading title"
    assert doc.text == "Body of the note."


def test_sample_md_loads() -> None:
    doc = load_one(SAMPLE_DIR / "turkey-italy-exports-2025.md")
    assert doc.title.startswith("Turkish shipments to Italy climb 7.5%")
    assert doc.date == "2025-06-12"
    assert doc.source.startswith("Trade Desk Wire")
    assert not doc.text.startswith("#")
    assert doc.title not in doc.text


# -- .html -----------------------------------------------------------------------------

HTML = """<!DOCTYPE html><html><head>
<meta name="date" content="June 3, 2025">
<meta property="og:site_name" content="Harbor Wire">
<link rel="canonical" href="https://example.org/port-volumes">
<title>Port volumes hit record</title>
<style>.x { color: red } STYLE_SECRET</style>
<script>var SCRIPT_SECRET = 1;</script>
</head><body>
<nav>NAV_SECRET Home | About</nav>
<h1>Port volumes hit record</h1>
<!-- COMMENT_SECRET -->
<p>Container volumes at the port rose 9% in May.</p>
<div style="display:none">HIDDEN_STYLE_SECRET</div>
<p hidden>HIDDEN_ATTR_SECRET</p>
<span style="DISPLAY : none;">HIDDEN_CAPS_SECRET</span>
<div aria-hidden="true">ARIA_SECRET</div>
<script type="application/ld+json">{"SCRIPT2_SECRET": true}</script>
<p>Officials expect further growth.<br>New berths open in July.</p>
</body></html>
"""


def test_html_visible_text_only(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "port.html", HTML))
    assert doc.title == "Port volumes hit record"
    assert doc.date == "2025-06-03"
    assert doc.source == "Harbor Wire"
    assert doc.url == "https://example.org/port-volumes"
    assert doc.kind == "html"
    assert doc.text == (
        "Container volumes at the port rose 9% in May.\n\n"
        "Officials expect further growth.\nNew berths open in July."
    )
    assert "SECRET" not in doc.text
    assert "<" not in doc.text


def test_html_title_from_h1(tmp_path: Path) -> None:
    doc = load_one(
        write(
            tmp_path / "h1.htm",
            "<html><body><h1>Only H1 Title</h1><p>Body text of the page.</p></body></html>",
        )
    )
    assert doc.title == "Only H1 Title"
    assert doc.text == "Body text of the page."
    assert doc.date is None


def test_sample_html_has_no_script_text() -> None:
    doc = load_one(SAMPLE_DIR / "india-uae-cepa-2025.html")
    assert doc.date == "2025-05-20"
    assert doc.title.startswith("India–UAE")
    assert "TRACKING_SCRIPT" not in doc.text
    assert "dataLayer" not in doc.text
    assert "font-family" not in doc.text


def test_html_without_visible_text_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.html", "<html><head><title>T</title></head><body>"
                 "<script>x()</script><div hidden>secret</div></body></html>")
    with pytest.raises(LoaderError, match="no visible"):
        load_file(path, max_bytes=MB)


# -- .pdf ------------------------------------------------------------------------------


def test_pdf_one_page(tmp_path: Path) -> None:
    lines = ["Tariff talks resume in Geneva", "Exports of steel rose 12% in May."]
    doc = load_one(write(tmp_path / "talks.pdf", make_pdf([lines])))
    assert doc.kind == "pdf"
    assert doc.text == "\n".join(lines)
    assert doc.title == "Tariff talks resume in Geneva"
    assert doc.pages == [(0, 1)]
    assert doc.page_at(0) == 1
    assert doc.page_at(len(doc.text) - 1) == 1


def test_pdf_metadata_title(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "m.pdf", make_pdf([["Body line."]], title="Meta Title")))
    assert doc.title == "Meta Title"
    assert doc.text == "Body line."


def test_pdf_two_pages_offsets(tmp_path: Path) -> None:
    page1 = ["Trade report", "Exports of steel rose 12% in May."]
    page2 = ["Second page begins here.", "Imports fell 3% in June."]
    doc = load_one(write(tmp_path / "two.pdf", make_pdf([page1, page2])))
    p1, p2 = "\n".join(page1), "\n".join(page2)
    assert doc.text == p1 + "\n\n" + p2
    second = doc.text.index("Second page")
    assert doc.pages == [(0, 1), (second, 2)]
    assert doc.page_at(0) == 1
    assert doc.page_at(doc.text.index("Exports")) == 1
    assert doc.page_at(second - 1) == 1
    assert doc.page_at(second) == 2
    assert doc.page_at(doc.text.index("Imports fell")) == 2
    assert doc.page_at(len(doc.text) - 1) == 2


def test_pdf_blank_page_skipped_keeps_numbers(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "gap.pdf", make_pdf([["Page one."], [], ["Page three."]])))
    assert doc.text == "Page one.\n\nPage three."
    assert doc.pages == [(0, 1), (len("Page one.") + 2, 3)]
    assert doc.page_at(doc.text.index("three")) == 3


def test_page_at_is_none_for_other_formats(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "p.txt", "T\nBody."))
    assert doc.page_at(0) is None


def test_broken_pdf_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="PDF"):
        load_file(write(tmp_path / "bad.pdf", b"%PDF-1.4\ngarbage garbage\n"), max_bytes=MB)
    with pytest.raises(LoaderError, match="not a PDF"):
        load_file(write(tmp_path / "text.pdf", b"hello, this is not a pdf"), max_bytes=MB)


def test_pdf_without_text_layer_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="no text layer"):
        load_file(write(tmp_path / "scan.pdf", make_pdf([[]])), max_bytes=MB)


# -- .jsonl ----------------------------------------------------------------------------


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a1", "title": "First", "text": "Body one.", "date": "2025-01-02",
                    "source": ["Wire A", "Wire B"]}),
        '{"id": "broken", "text": ',
        json.dumps({"id": "a3", "title": "No text here"}),
        json.dumps({"id": "a4", "text": 42}),
        "",
        json.dumps({"id": "a6", "text": "Body six.", "date": None, "url": "https://x.org/n/six"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": "Body eight, no id."}),
    ]
    path = write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    docs, failures = load_file(path, max_bytes=MB)

    by_title = {d.title: d for d in docs}
    assert len(docs) == 3
    first = by_title["First"]
    assert first.text == "Body one."
    assert first.date == "2025-01-02"
    assert first.source == "Wire A, Wire B"
    assert first.kind == "jsonl"
    six = next(d for d in docs if d.text == "Body six.")
    assert six.date is None
    assert six.url == "https://x.org/n/six"
    eight = next(d for d in docs if d.text.startswith("Body eight"))
    assert eight.source == "feed.jsonl"
    assert len({d.article_id for d in docs}) == 3

    reasons = {f.path: f.reason for f in failures}
    assert set(reasons) == {f"{path}:2", f"{path}:3", f"{path}:4", f"{path}:7"}
    assert "line 2" in reasons[f"{path}:2"] and "not valid JSON" in reasons[f"{path}:2"]
    assert "'text'" in reasons[f"{path}:3"]
    assert "line 4" in reasons[f"{path}:4"] and "int" in reasons[f"{path}:4"]
    assert "not a JSON object" in reasons[f"{path}:7"]


def test_jsonl_ids_are_stable_across_reloads_and_edits(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"id": "x1", "text": "Old body."}) + "\n")
    before = load_file(path, max_bytes=MB)[0][0].article_id
    path.write_text(json.dumps({"id": "x1", "text": "New body."}) + "\n")
    after = load_file(path, max_bytes=MB)[0][0]
    assert after.article_id == before
    assert after.text == "New body."


def test_jsonl_duplicate_id_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path / "dup.jsonl",
        json.dumps({"id": "same", "text": "One."})
        + "\n"
        + json.dumps({"id": "same", "text": "Two."}),
    )
    docs, failures = load_file(path, max_bytes=MB)
    assert [d.text for d in docs] == ["One."]
    assert [f.path for f in failures] == [f"{path}:2"]


def test_sample_jsonl_loads() -> None:
    docs, failures = load_file(SAMPLE_DIR / "trade-briefs.jsonl", max_bytes=MB)
    assert failures == []
    assert len(docs) == 3
    assert all(d.text and d.title and d.date for d in docs)


# -- encodings -------------------------------------------------------------------------

ORIGINAL = "Café exports — ©®™€ “quoted” ₺5.34 billion\nİstanbul, Kocaeli, Düsseldorf."
CP1252_TEXT = "Price list © 2025 ® brand™ costs 5€ each.\nSecond line."


@pytest.mark.parametrize(
    ("encoded", "text"),
    [
        (ORIGINAL.encode("utf-8"), ORIGINAL),
        (codecs.BOM_UTF8 + ORIGINAL.encode("utf-8"), ORIGINAL),
        (codecs.BOM_UTF16_LE + ORIGINAL.encode("utf-16-le"), ORIGINAL),
        (codecs.BOM_UTF16_BE + ORIGINAL.encode("utf-16-be"), ORIGINAL),
        (CP1252_TEXT.encode("cp1252"), CP1252_TEXT),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "cp1252"],
)
def test_encodings_decode_exactly(tmp_path: Path, encoded: bytes, text: str) -> None:
    decoded, _ = decode_bytes(encoded)
    assert decoded == text
    doc = load_one(write(tmp_path / "enc.txt", encoded))
    title, body = text.split("\n", 1)
    assert doc.title == title
    assert doc.text == body


def test_cp1252_is_detected_as_cp1252() -> None:
    decoded, encoding = decode_bytes("©®™€".encode("cp1252"))
    assert decoded == "©®™€"
    assert encoding == "cp1252"


def test_undecodable_bytes_rejected(tmp_path: Path) -> None:
    # 0x81 and 0x8D are neither UTF-8 nor defined in cp1252.
    path = write(tmp_path / "bad.txt", b"Title\nSome text \x81\x8d here.\n")
    with pytest.raises(LoaderError, match="cannot decode"):
        load_file(path, max_bytes=MB)


# -- binary, empty, oversized -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG"),
        ("image.md", b"\x89PNG\r\n\x1a\n" + b"IHDR" * 50, "PNG"),
        ("prog.txt", b"\x7fELF\x02\x01\x01" + bytes(200), "ELF"),
        ("nul.txt", b"Title\nabc\x00def\x00ghi\n" * 10, "NUL"),
        ("random.txt", random.Random(1234).randbytes(4096), "binary"),
        ("page.html", b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG"),
        ("feed.jsonl", b"\x7fELF" + bytes(100), "ELF"),
    ],
)
def test_binary_rejected_with_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    with pytest.raises(LoaderError) as info:
        load_file(write(tmp_path / name, data), max_bytes=MB)
    message = str(info.value)
    assert reason in message
    assert "binary" in message


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  \n", "\u00a0 \n".encode()])
@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".jsonl"])
def test_empty_and_whitespace_only_rejected(tmp_path: Path, content: bytes, suffix: str) -> None:
    with pytest.raises(LoaderError, match="empty|no "):
        load_file(write(tmp_path / f"blank{suffix}", content), max_bytes=MB)


def test_oversized_file_rejected_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:  # a sparse 3 GB file: reading it would take long
        fh.truncate(3_000_000_000)
    opened: list[Path] = []
    real_open = Path.open

    def spy_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        opened.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", spy_open)
    with pytest.raises(LoaderError) as info:
        load_file(big, max_bytes=2 * MB)
    monkeypatch.undo()
    message = str(info.value)
    assert "3000.0 MB" in message
    assert "2 MB limit" in message
    assert "TRADEDESK_MAX_FILE_MB" in message
    assert big not in opened


def test_small_limit_rejects_small_file(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Title\n" + "word " * 100)
    with pytest.raises(LoaderError, match="MB limit"):
        load_file(path, max_bytes=100)
    assert load_one(path, max_bytes=10_000).title == "Title"


def test_unsupported_suffix_rejected(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="unsupported file type '.docx'"):
        load_file(write(tmp_path / "a.docx", "text"), max_bytes=MB)


# -- discover --------------------------------------------------------------------------


def test_discover_walks_recursively_and_skips_hidden(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden_dir").mkdir()
    for rel in ["a.txt", "sub/b.md", "sub/deeper/c.html", "sub/deeper/d.pdf", "e.jsonl",
                ".hidden.txt", ".hidden_dir/f.txt", "notes.docx", "README"]:
        (root / rel).write_text("x")
    found = list(discover([root]))
    assert all(isinstance(p, Path) for p in found)
    rel = sorted(str(Path(p).relative_to(root)) for p in found)  # type: ignore[arg-type]
    assert rel == ["a.txt", "e.jsonl", "sub/b.md", "sub/deeper/c.html", "sub/deeper/d.pdf"]
    assert all(Path(p).is_absolute() for p in found)  # type: ignore[arg-type]


def test_discover_symlink_loop_is_reported_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "loop"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("x")
    (root / "sub" / "b.txt").write_text("x")
    os.symlink(root, root / "sub" / "back")  # sub/back -> its grandparent
    found = list(discover([root]))  # must terminate
    paths = [p for p in found if isinstance(p, Path)]
    failures = [f for f in found if isinstance(f, Failure)]
    assert sorted(p.name for p in paths) == ["a.txt", "b.txt"]
    assert len(failures) == 1
    assert failures[0].path == str(root / "sub" / "back")
    assert "symlink loop" in failures[0].reason


def test_discover_missing_path_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    missing = tmp_path / "nope"
    found = list(discover([missing, tmp_path / "a.txt", tmp_path, tmp_path / "a.txt"]))
    failures = [f for f in found if isinstance(f, Failure)]
    paths = [p for p in found if isinstance(p, Path)]
    assert [f.path for f in failures] == [str(missing)]
    assert "no such file" in failures[0].reason
    assert paths == [tmp_path / "a.txt"]  # listed once


def test_discover_unsupported_file_named_directly(tmp_path: Path) -> None:
    (tmp_path / "a.docx").write_text("x")
    found = list(discover([tmp_path / "a.docx"]))
    assert len(found) == 1 and isinstance(found[0], Failure)
    assert "unsupported" in found[0].reason


def test_discover_broken_symlink_reported(tmp_path: Path) -> None:
    os.symlink(tmp_path / "gone.txt", tmp_path / "link.txt")
    found = list(discover([tmp_path]))
    assert len(found) == 1 and isinstance(found[0], Failure)
    assert "broken symlink" in found[0].reason


# -- ids and dates -----------------------------------------------------------------------


def test_make_article_id_stable_and_distinct() -> None:
    a1 = make_article_id("file:/data/a.txt", "a")
    assert a1 == make_article_id("file:/data/a.txt", "a")
    assert a1 != make_article_id("file:/data/b.txt", "a")
    assert a1.startswith("a-")
    assert make_article_id("k", "Tür kiye / Exports!").startswith("tur-kiye-exports-")
    assert make_article_id("k", "!!!").startswith("article-")


def test_article_id_from_path_not_content(tmp_path: Path) -> None:
    path = write(tmp_path / "news.txt", "Title\nOld body text.")
    before = load_one(path)
    write(path, "Another title\nCompletely new body text.")
    after = load_one(path)
    assert after.article_id == before.article_id
    assert after.content_hash != before.content_hash
    other = load_one(write(tmp_path / "news2.txt", "Title\nOld body text."))
    assert other.article_id != before.article_id
    # The same file reached through a relative path has the same id.
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert load_one(Path("news.txt")).article_id == before.article_id
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-06-12", "2025-06-12"),
        ("June 12, 2025", "2025-06-12"),
        ("12 June 2025", "2025-06-12"),
        ("26-FEB-1987 15:14:36.41", "1987-02-26"),
        ("2025-06-12T23:30:00+02:00", "2025-06-12"),
        (dt.date(2025, 1, 2), "2025-01-02"),
        (dt.datetime(2024, 3, 4, 5, 6), "2024-03-04"),
        # Missing fields never come from today's date (that would change the content
        # hash, and so re-embed the article, from one day to the next).
        ("May 2025", "2025-05-01"),
        ("June 12", None),
        ("Tuesday", None),
        ("Tue, 10 Jun 2025 08:00:00 GMT", "2025-06-10"),
        ("garbage", None),
        ("", None),
        ("   ", None),
        (None, None),
        (True, None),
        (20250612, None),
        ("0001-01-01", None),
        ("x" * 100, None),
    ],
)
def test_parse_date(value: object, expected: str | None) -> None:
    assert parse_date(value) == expected


def test_parse_date_of_a_newswire_stamp_warns_nothing() -> None:
    """Reuters stamps end in a zone letter dateutil does not know; ingest must stay quiet."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_date("26-FEB-1987 15:01:11.79 RM") == "1987-02-26"
