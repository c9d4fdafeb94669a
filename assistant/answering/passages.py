"""Retrieved passages as the answer step sees them: numbered, split into sentences.

A ``Passage`` is one retrieved chunk (a LangChain ``Document`` made by
``assistant.documents.to_document``) numbered from 1, with its sentence spans and the
periods each sentence is about, read in context (earlier sentences, the title, and
the article's date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from langchain_core.documents import Document

from assistant.documents import ChunkMeta
from ingest.text.periods import Period, context_periods
from ingest.text.sentences import Span, split_sentences

__all__ = ["Passage", "make_passages"]


@dataclass
class Passage:
    """A retrieved chunk as shown to the answer step (numbered from 1)."""

    n: int
    doc: Document
    sentences: list[Span]  # relative to ``text``
    _periods: dict[int, list[Period]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The passage text (== article text[start:end])."""
        return self.doc.page_content

    @cached_property
    def meta(self) -> ChunkMeta:
        """The passage's chunk, article and scores."""
        return ChunkMeta.of(self.doc)

    @property
    def start(self) -> int:
        """Offset of the passage in its article."""
        return self.meta.start

    def sentence(self, i: int) -> str:
        """Text of sentence ``i``."""
        s = self.sentences[i]
        return self.text[s.start : s.end]

    def periods_of(self, i: int) -> list[Period]:
        """Periods sentence ``i`` is about, reading context like a person would.

        A sentence with no period of its own ("It was the third decline in a row.")
        takes the nearest earlier sentence's, then the title's; a month without a
        year ("Exports in May alone ...") takes the year of the nearest earlier
        sentence (or the title) that states one, else the article's date's; "last
        year" and "this month" resolve against the article's date.
        """
        if i not in self._periods:  # read by several cues and checks of one answer
            earlier = [self.sentence(j) for j in range(i - 1, -1, -1)] + [self.meta.title]
            self._periods[i] = context_periods(self.sentence(i), earlier, self.meta.date)
        return list(self._periods[i])

    def implied_year(self) -> int | None:
        """The article's year: the implicit period of what it reports in the present tense."""
        date = self.meta.date or ""
        return int(date[:4]) if date[:4].isdigit() else None


def make_passages(docs: Sequence[Document]) -> list[Passage]:
    """Number retrieved documents from 1 and split them into sentences."""
    return [Passage(i + 1, d, split_sentences(d.page_content)) for i, d in enumerate(docs)]
