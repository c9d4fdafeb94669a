"""Sentence splitting and chunking, with a fake word counter and with the real tokenizer."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import CORPUS_DIR, SAMPLE_DIR

from ingest.chunking import SentenceChunker, embed_text
from ingest.loaders import load_file
from ingest.models import Document
from ingest.text.sentences import Span, split_sentences
from vectorstore.embeddings import Embedder
from vectorstore.errors import ConfigError

# -- split_sentences -------------------------------------------------------------------


def sentences(text: str) -> list[str]:
    spans = split_sentences(text)
    for s in spans:
        piece = text[s.start : s.end]
        assert piece == piece.strip() and piece
    return [text[s.start : s.end] for s in spans]


@pytest.mark.fast
def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "Mr. Smith met J. Smith in the U.S. capital on Monday. "
        "Dr. Jones arrived at 5 p.m. with Mrs. Brown. "
        "The U.S. Trade Representative spoke next."
    )
    assert sentences(text) == [
        "Mr. Smith met J. Smith in the U.S. capital on Monday.",
        "Dr. Jones arrived at 5 p.m. with Mrs. Brown.",
        "The U.S. Trade Representative spoke next.",
    ]


@pytest.mark.fast
def test_decimals_and_figures() -> None:
    text = "Exports rose to $5.34 billion in May. Growth was 7.5% on the year. Imports fell 3.2%."
    assert sentences(text) == [
        "Exports rose to $5.34 billion in May.",
        "Growth was 7.5% on the year.",
        "Imports fell 3.2%.",
    ]


@pytest.mark.fast
def test_sentence_starting_with_number_or_currency() -> None:
    text = "Sales slowed. 2025 was weaker. $40 billion is the target. €55.7 billion went east."
    assert sentences(text) == [
        "Sales slowed.",
        "2025 was weaker.",
        "$40 billion is the target.",
        "€55.7 billion went east.",
    ]


@pytest.mark.fast
def test_paragraph_breaks_always_cut() -> None:
    text = "A heading without a period\n\nFirst paragraph sentence\nwrapped over a line.\n\nNext."
    assert sentences(text) == [
        "A heading without a period",
        "First paragraph sentence\nwrapped over a line.",
        "Next.",
    ]


@pytest.mark.fast
def test_list_items_cut() -> None:
    text = "Products:\n- steel coils\n- machinery\n1. first item\n2. second item"
    assert sentences(text) == [
        "Products:", "- steel coils", "- machinery", "1. first item", "2. second item"
    ]


@pytest.mark.fast
def test_a_year_wrapped_to_a_line_start_is_not_a_list_item() -> None:
    # hard-wrapped wire copy: "in December\n1985." ends the sentence, it starts no item
    text = ("The deficit narrowed to 216 mln dlrs, against 277 mln in December\n1985. "
            "Exports rose.")
    assert sentences(text) == [
        "The deficit narrowed to 216 mln dlrs, against 277 mln in December\n1985.",
        "Exports rose.",
    ]


@pytest.mark.fast
def test_quotes_stay_with_their_sentence() -> None:
    text = (
        '"Exports will grow," the minister said. "We expect more." '
        "He added: \u201cThe target is $40 billion.\u201d Analysts agreed! Really? Yes."
    )
    assert sentences(text) == [
        '"Exports will grow," the minister said.',
        '"We expect more."',
        "He added: \u201cThe target is $40 billion.\u201d",
        "Analysts agreed!",
        "Really?",
        "Yes.",
    ]


@pytest.mark.fast
def test_lowercase_after_period_does_not_cut() -> None:
    text = "The vs. column and the approx. figure stay together. e.g. this too."
    assert sentences(text) == [text]


@pytest.mark.fast
def test_spans_cover_text_without_overlap() -> None:
    text = "One. Two three.  Four!\n\nFive? Six."
    spans = split_sentences(text)
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start
        assert text[a.end : b.start].strip() == ""
    assert spans[0].start == 0 and spans[-1].end == len(text)
    assert split_sentences("") == []
    assert split_sentences("   \n\n ") == []


# -- chunker with a fake counter (pure logic) -----------------------------------------------


def word_counter(texts: Sequence[str]) -> list[int]:
    """One word piece per whitespace-separated word."""
    return [len(t.split()) for t in texts]


def numbered_text(n_sentences: int, words_per_sentence: int) -> str:
    return " ".join(
        f"S{i} " + " ".join(["word"] * (words_per_sentence - 2)) + " end."
        for i in range(n_sentences)
    )


@pytest.mark.fast
def test_fake_counter_grouping_and_overlap() -> None:
    text = numbered_text(20, 10)
    chunker = SentenceChunker(word_counter, target_words=30, max_words=40)
    out = chunker.chunk(text)
    spans = [s for s, _ in out]
    sents = split_sentences(text)
    starts = [s.start for s in sents]
    ends = [s.end for s in sents]
    # 3 sentences (30 words) per chunk, each next chunk re-using the last sentence.
    assert [len(text[s.start : s.end].split()) for s in spans[:-1]] == [30] * (len(spans) - 1)
    for a, b in zip(spans, spans[1:], strict=False):
        last = ends.index(a.end)
        assert b.start == starts[last]
    assert spans[0].start == 0 and spans[-1].end == len(text)
    # tokens reported = words of the passage + [CLS] + [SEP]
    assert all(n == len(text[s.start : s.end].split()) + 2 for s, n in out)


@pytest.mark.fast
def test_fake_counter_no_overlap() -> None:
    text = numbered_text(12, 10)
    chunker = SentenceChunker(word_counter, target_words=30, max_words=40, overlap=0)
    spans = [s for s, _ in chunker.chunk(text)]
    assert len(spans) == 4
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end < b.start  # disjoint
    assert " ".join(text[s.start : s.end] for s in spans) == text


@pytest.mark.fast
def test_fake_counter_max_words_respected() -> None:
    text = numbered_text(10, 25)
    chunker = SentenceChunker(word_counter, target_words=30, max_words=60)
    for span, _ in chunker.chunk(text):
        assert len(text[span.start : span.end].split()) <= 60


@pytest.mark.fast
def test_fake_counter_token_budget_with_title() -> None:
    text = numbered_text(30, 10)
    chunker = SentenceChunker(
        word_counter, max_tokens=64, target_words=100, max_words=200, max_title_tokens=10
    )
    title = "A five word long title"
    prefix = chunker.title_prefix(title)
    for span, tokens in chunker.chunk(text, title):
        embedded = embed_text(prefix, text[span.start : span.end])
        assert tokens == len(embedded.split()) + 2
        assert tokens <= 64


@pytest.mark.fast
def test_fake_counter_long_word_cut_by_characters() -> None:
    chunker = SentenceChunker(lambda ts: [len(t) for t in ts], max_tokens=32, target_words=10,
                              max_words=20, max_title_tokens=0)
    text = "x" * 200
    out = chunker.chunk(text)
    assert "".join(text[s.start : s.end] for s, _ in out) == text
    assert all(n <= 32 for _, n in out)


@pytest.mark.fast
def test_empty_text_gives_no_chunks() -> None:
    assert SentenceChunker(word_counter).chunk("") == []


@pytest.mark.fast
@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"max_tokens": 10}, "max_tokens=10"),
        ({"max_tokens": 10_000}, "max_tokens=10000"),
        ({"target_words": 300, "max_words": 200}, "target_words=300"),
        ({"target_words": 5}, "target_words=5"),
        ({"overlap": 9}, "overlap=9"),
        ({"overlap": -1}, "overlap=-1"),
        ({"max_title_tokens": 500}, "max_title_tokens=500"),
        ({"max_title_tokens": -1}, "max_title_tokens=-1"),
    ],
)
def test_constructor_checks(kwargs: dict[str, int], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        SentenceChunker(word_counter, **kwargs)


@pytest.mark.fast
def test_signature_changes_with_parameters() -> None:
    a = SentenceChunker(word_counter).signature
    assert a == SentenceChunker(word_counter).signature
    assert a != SentenceChunker(word_counter, overlap=0).signature
    assert a != SentenceChunker(word_counter, target_words=150).signature
    assert a != SentenceChunker(word_counter, max_tokens=512).signature


# -- the real tokenizer --------------------------------------------------------------------


@pytest.fixture(scope="module")
def chunker(embedder: Embedder) -> SentenceChunker:
    return SentenceChunker(
        lambda texts: embedder.count_tokens(texts, special=False),
        max_tokens=embedder.max_seq_length,
    )


def generated_article(n_words: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    vocab = (
        "trade export import tariff billion percent ministry growth shipment port steel grain "
        "oil quarter annual market demand supply agreement partner customs freight container "
        "Istanbul Rotterdam Shanghai Santos Mombasa investment manufacturing semiconductor"
    ).split()
    paragraphs: list[str] = []
    count = 0
    while count < n_words:
        sents = []
        for _ in range(rng.randint(3, 7)):
            k = rng.randint(8, 32)
            count += k
            words = [rng.choice(vocab) for _ in range(k)]
            if rng.random() < 0.4:
                words[rng.randrange(k)] = f"${rng.randint(1, 99)}.{rng.randint(10, 99)}"
            if rng.random() < 0.2:
                words[rng.randrange(k)] = f"{rng.randint(1, 40)}.{rng.randint(0, 9)}%"
            sents.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sents))
    return "\n\n".join(paragraphs)


def real_documents() -> list[Document]:
    docs: list[Document] = []
    for path in [CORPUS_DIR / "turkey-italy-trade-2025.txt", *sorted(SAMPLE_DIR.iterdir())]:
        got, failures = load_file(path, max_bytes=20_000_000)
        assert not failures
        docs.extend(got)
    text = generated_article(50_000)
    docs.append(
        Document(article_id="gen", title="Generated trade digest for fifty thousand words",
                 text=text, source="gen", source_path="gen.txt", kind="txt")
    )
    return docs


DOCS = real_documents()


@pytest.mark.parametrize("doc", DOCS, ids=[d.article_id for d in DOCS])
def test_real_chunks_invariants(
    chunker: SentenceChunker, embedder: Embedder, doc: Document
) -> None:
    text = doc.text
    out = chunker.chunk(text, doc.title)
    spans = [s for s, _ in out]
    assert spans
    sents = split_sentences(text)
    starts = {s.start: i for i, s in enumerate(sents)}
    ends = {s.end: i for i, s in enumerate(sents)}
    assert all(n <= 256 for n in embedder.count_tokens([text[s.start : s.end] for s in sents],
                                                        special=True)), "test needs normal prose"

    # Chunks follow the text in order, cover it, and sit on sentence boundaries.
    assert spans[0].start == sents[0].start
    assert spans[-1].end == sents[-1].end
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.start in starts, text[span.start : span.start + 40]
        assert span.end in ends, text[span.end - 40 : span.end]
    covered = set()
    for span in spans:
        covered.update(range(starts[span.start], ends[span.end] + 1))
    assert covered == set(range(len(sents)))

    # Consecutive chunks share exactly one sentence.
    for a, b in zip(spans, spans[1:], strict=False):
        assert b.start > a.start
        if ends[a.end] > starts[a.start]:  # a chunk of two or more sentences
            assert starts[b.start] == ends[a.end], "overlap is not the last sentence"
        else:
            assert starts[b.start] == ends[a.end] + 1

    # The embedded text fits the model, counted independently with special tokens.
    prefix = chunker.title_prefix(doc.title)
    embedded = [embed_text(prefix, text[s.start : s.end]) for s in spans]
    real = embedder.count_tokens(embedded)
    assert max(real) <= 256
    assert [n for _, n in out] == real

    # Word counts: ~120-200 for every chunk but the last.
    words = [len(text[s.start : s.end].split()) for s in spans]
    assert max(words) <= 200
    assert all(w >= 120 for w in words[:-1]), words


def test_generated_article_is_long(chunker: SentenceChunker) -> None:
    doc = DOCS[-1]
    assert len(doc.text.split()) >= 50_000
    out = chunker.chunk(doc.text, doc.title)
    assert len(out) > 250
    spans = [s for s, _ in out]
    assert len(set(spans)) == len(spans)


def test_single_long_sentence_is_cut(chunker: SentenceChunker, embedder: Embedder) -> None:
    rng = random.Random(3)
    vocab = "exports imports tariff quota steel grain ministry shipment freight customs".split()
    sentence = " ".join(rng.choice(vocab) for _ in range(600)) + "."
    text = "Short opener. " + sentence.capitalize() + " Short closer."
    out = chunker.chunk(text, "Title")
    assert len(out) >= 3
    prefix = chunker.title_prefix("Title")
    for span, n in out:
        piece = text[span.start : span.end]
        assert piece == piece.strip()
        assert len(piece.split()) <= 200
        assert embedder.count_tokens([embed_text(prefix, piece)])[0] == n <= 256
        # cut at word boundaries
        assert span.start == 0 or text[span.start - 1].isspace()
        assert span.end == len(text) or text[span.end].isspace()
    # every word of the text is in some chunk
    covered = set()
    for span, _ in out:
        covered.update(range(span.start, span.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_giant_token_is_cut_by_characters(chunker: SentenceChunker, embedder: Embedder) -> None:
    rng = random.Random(5)
    # No whitespace, but punctuation splits it into ~1200 word pieces.
    blob = ",".join(rng.choice(["steel", "grain", "oil", "tariff"]) for _ in range(600))
    assert embedder.count_tokens([blob])[0] > 3 * 256
    text = f"Intro sentence. {blob} Outro."
    out = chunker.chunk(text, "T")
    assert len(out) > 3
    prefix = chunker.title_prefix("T")
    for span, n in out:
        assert embedder.count_tokens([embed_text(prefix, text[span.start : span.end])])[0] == n
        assert n <= 256
    covered = set()
    for span, _ in out:
        covered.update(range(span.start, span.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_long_title_is_cut(chunker: SentenceChunker, embedder: Embedder) -> None:
    title = " ".join(f"tariff{i}" for i in range(200))
    prefix = chunker.title_prefix(title)
    assert prefix
    assert embedder.count_tokens([prefix], special=False)[0] <= chunker.max_title_tokens
    assert title.startswith(prefix + " ")
    # the title was cut to the longest word prefix that fits
    next_word = title.split()[len(prefix.split())]
    assert embedder.count_tokens([prefix + " " + next_word], special=False)[0] > 40
    text = DOCS[0].text
    out = chunker.chunk(text, title)
    for span, n in out:
        assert embedder.count_tokens([embed_text(prefix, text[span.start : span.end])])[0] == n
        assert n <= 256


def test_short_title_kept_whole(chunker: SentenceChunker) -> None:
    assert chunker.title_prefix("  Steel  exports\nrise ") == "Steel exports rise"
    assert chunker.title_prefix("") == ""
    assert embed_text("", "passage") == "passage"
    assert embed_text("T", "passage") == "T\n\npassage"


def test_chunk_text_equals_document_slice(
    tmp_path: Path, chunker: SentenceChunker, embedder: Embedder
) -> None:
    from ingest.pipeline import Ingestor
    from ingest.records import Records
    from vectorstore.store import ChromaStore

    doc = DOCS[0]
    ingestor = Ingestor(
        ChromaStore(embedder, collection="chunks", path=tmp_path / "chroma"),
        Records(tmp_path / "records.sqlite"),
        chunker,
        lock_path=tmp_path / "lock",
        max_file_bytes=1_000_000,
    )
    chunks = ingestor._chunk(doc, "v1")
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert c.text == doc.text[c.start : c.end]
        assert c.chunk_id == f"{doc.article_id}:v1:{c.index:04d}"
    assert Span(chunks[0].start, chunks[0].end) == chunker.chunk(doc.text, doc.title)[0][0]


@pytest.mark.fast
def test_plain_words_meet_the_technical_terms_of_economic_news() -> None:
    from ingest.text.tokens import tokenize

    assert "export" in tokenize("overseas sales of Swiss goods")
    assert set(tokenize("Spain's foreign sales")) == set(tokenize("Spain's exports"))
    assert set(tokenize("shipments abroad")) == set(tokenize("exports"))
    assert set(tokenize("the jobless rate")) == set(tokenize("the unemployment rate"))
    assert set(tokenize("a budget shortfall")) == set(tokenize("a budget deficit"))
    assert "export" not in tokenize("sales of foreign cars")
    # newswire's "U.K." is Britain, as "U.S." is the United States
    assert tokenize("U.K. current account") == tokenize("Britain's current account")


@pytest.mark.fast
def test_the_lexicon_makes_a_questions_plain_words_meet_the_wires() -> None:
    from ingest.text.tokens import tokenize

    def same(a: str, b: str) -> bool:
        return set(tokenize(a)) == set(tokenize(b))

    assert same("purchases from abroad", "imports")
    assert same("the greenback", "the dollar")
    assert same("Germany's central bank", "the Bundesbank")
    assert same("gross domestic product", "GDP")
    assert same("soyoil", "soybean oil")
    # a phrase broken by a hard-wrapped line still meets; a longer phrase wins over a shorter
    assert same("goods bought\nabroad", "imports")
    assert "import" in tokenize("foreign goods") and "good" not in tokenize("foreign goods")
    # words with another common meaning are not mapped
    assert set(tokenize("output")) != set(tokenize("production"))
    assert "oil" not in tokenize("Occidental Petroleum")
