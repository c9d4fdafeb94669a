"""The fitted scorer: how well a passage sentence answers a question, and whether to answer.

Two small logistic models whose weights are fitted on the dev split of the Q&A set
(``python -m assistant.answering.fit``) and stored in ``weights.json`` beside this file:

- the sentence model scores every candidate sentence from its cues (``SENTENCE_FEATURES``,
  one small function each in ``assistant.answering.sources.extractive``): similarity to
  the question, coverage of its content terms, the answer type it asks for, period and
  country fit, its passage's retrieval rank ...; a sentence is positive in the dev data
  when it states an expected fact;
- the outcome model reads the whole candidate set (``OUTCOME_FEATURES``: the best
  sentence's score and cues, question terms and names no passage has) and says how sure
  it is that the best sentences answer the question. Below ``answer_threshold`` the
  reply is a partial answer when something related was found (``related_threshold``),
  else a refusal; the threshold is chosen on dev so that refusals are right at least
  95% of the time. At or above ``answer_threshold`` a reply is never a refusal for want of
  similarity alone: a sentence stating the figure asked for without the question's words
  is little like the question yet answers it.

No constant of the scorer lives in code: ``ScorerWeights`` is the one place.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = [
    "OUTCOME_FEATURES", "OUTCOME_SIGNS", "SENTENCE_FEATURES", "WEIGHTS_PATH", "ScorerWeights",
]

SENTENCE_FEATURES = (
    "dense",  # cosine similarity of question and sentence (MiniLM)
    "coverage",  # idf-weighted share of the question's content terms in the sentence
    "coverage_near",  # ... in the sentence, its title or the sentence before it
    "focus",  # the question's head noun is in the sentence
    "type_match",  # the sentence holds the kind of answer asked for (-1..1)
    "type_figure",  # ... for a figure question (percent, amount, count, comparison)
    "type_name",  # ... for a person, organisation or place question
    "type_date",  # ... for a date question
    "type_cause",  # ... for a why question
    "phrase",  # share of the question's adjacent term pairs that are adjacent here too
    "period_fit",  # its period agrees with the question's (1), clashes (-1), or neither (0)
    "period_fit_figure",  # ... when a figure is asked for (a figure of another period is wrong)
    "reported_fit",  # its article is dated when the question says the report was (1) or not (-1)
    "countries_missing",  # share of the question's countries not near the sentence
    "names_missing",  # share of the question's other names not near the sentence
    "sector_mismatch",  # a sector's figure for a question about a total (or the reverse)
    "quoted_figure",  # states a figure the question quotes
    "direction_clash",  # asked how it fell, the sentence says it rose (or the reverse)
    "passage_rank",  # 1 / (retrieval rank of its passage)
    "passage_dense",  # cosine similarity of the question and its passage
    "lead",  # the first sentence of its article
    "anaphoric",  # starts with "It", "That", "The figure" ...
    "short",  # fewer than 8 words
    "follows_context",  # continues the previous answer of a follow-up
)

OUTCOME_FEATURES = (
    "best",  # the best sentence's score (logit)
    "margin",  # its lead over the second best
    "best_dense",
    "best_coverage",
    "best_type_match",
    "best_period_fit",
    "best_names_missing",  # the question's names and countries not near the best sentence
    "rarest_missing",  # the weight of the rarest question term not near the best sentence
    "type_in_top",  # one of the three best sentences holds the kind of answer asked for
    "period_in_top",  # one of the three best sentences is about the period asked for
    "terms_missing",  # idf-weighted share of the question's terms in no passage
    "names_missing",  # share of the question's names and countries in no passage
    "top_passage_dense",
)

OUTCOME_SIGNS = {
    "best": 1, "margin": 1, "best_dense": 1, "best_coverage": 1, "best_type_match": 1,
    "best_period_fit": 1, "best_names_missing": -1, "rarest_missing": -1, "type_in_top": 1,
    "period_in_top": 1, "terms_missing": -1, "names_missing": -1, "top_passage_dense": 1,
}
"""The direction each outcome feature can only push: a missing term never makes an answer
more likely. The fit drops a feature whose fitted weight points the other way (an
artefact of correlated features on a few hundred questions) and fits again."""

WEIGHTS_PATH = Path(__file__).with_name("weights.json")


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


@dataclass(frozen=True)
class ScorerWeights:
    """Fitted weights of both models and the decision thresholds (see module docstring)."""

    sentence_bias: float
    sentence: tuple[float, ...]
    outcome_bias: float
    outcome: tuple[float, ...]
    answer_threshold: float  # outcome probability at or above which the reply is an answer
    related_threshold: float  # related_similarity at or above which a non-answer is partial
    list_threshold: float  # sentence probability a further list item needs
    max_embedded: int  # candidate sentences embedded per question (by the lexical cues)
    extra_margin: float = 1.0  # a sentence scoring within this of the best joins the answer
    max_sentences: int = 3  # sentences in an answer to a figure, name, date question
    summary_sentences: int = 5  # a summary: the 3-5 most central sentences
    list_sentences: int = 4  # a list: the sentences naming its items
    summary_figure_bonus: float = 0.15  # a summary prefers sentences stating a figure
    summary_novelty: float = 0.0  # ... and sentences unlike those already chosen (MMR)
    fitted_on: str = ""  # what the weights were fitted on, for the record

    def __post_init__(self) -> None:
        if len(self.sentence) != len(SENTENCE_FEATURES):
            raise ValueError(
                f"sentence weights have {len(self.sentence)} values for "
                f"{len(SENTENCE_FEATURES)} features: refit with python -m assistant.answering.fit"
            )
        if len(self.outcome) != len(OUTCOME_FEATURES):
            raise ValueError(
                f"outcome weights have {len(self.outcome)} values for "
                f"{len(OUTCOME_FEATURES)} features: refit with python -m assistant.answering.fit"
            )

    def sentence_logits(self, x: np.ndarray) -> np.ndarray:
        """Scores (logits) of sentence feature rows ``x`` (shape: n x features)."""
        return np.asarray(x @ np.asarray(self.sentence) + self.sentence_bias, dtype=np.float64)

    def lexical_logits(self, x: np.ndarray) -> np.ndarray:
        """The same without the dense similarity (to choose which sentences to embed)."""
        w = np.asarray(self.sentence).copy()
        w[SENTENCE_FEATURES.index("dense")] = 0.0
        return np.asarray(x @ w + self.sentence_bias, dtype=np.float64)

    def outcome_probability(self, x: np.ndarray) -> float:
        """Probability that the best sentences answer the question."""
        return _sigmoid(float(x @ np.asarray(self.outcome) + self.outcome_bias))

    @staticmethod
    def probability(logit: float) -> float:
        """A logit as a probability."""
        return _sigmoid(logit)

    def save(self, path: Path = WEIGHTS_PATH) -> None:
        """Write the weights as JSON (named features, so a reader can see what counts)."""
        data = asdict(self)
        data["sentence"] = dict(zip(SENTENCE_FEATURES, self.sentence, strict=True))
        data["outcome"] = dict(zip(OUTCOME_FEATURES, self.outcome, strict=True))
        path.write_text(json.dumps(data, indent=1) + "\n")

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> ScorerWeights:
        """Read weights written by ``save``.

        Raises:
            ValueError: the file does not name every feature (it is from another version).
        """
        data = json.loads(Path(path).read_text())
        try:
            data["sentence"] = tuple(float(data["sentence"][f]) for f in SENTENCE_FEATURES)
            data["outcome"] = tuple(float(data["outcome"][f]) for f in OUTCOME_FEATURES)
        except KeyError as exc:
            raise ValueError(
                f"{path} has no weight for feature {exc.args[0]!r}: refit with "
                "python -m assistant.answering.fit"
            ) from exc
        return cls(**data)

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> ScorerWeights:
        """The weights shipped with the package (``weights.json``)."""
        return cls.load(WEIGHTS_PATH)
