"""Fit the answer scorer on a Q&A file (the dev split) and write ``weights.json``.

    python -m assistant.answering.fit tests/data/qa/dev.json [--home DIR] [--out FILE]

With ``TRADEDESK_HOME`` (or ``--home``) pointing at the evaluation store (``make eval``
builds it: all of Reuters, the sample and seed articles). For every question (and every
turn of a conversation, with its history) the passages are retrieved as ``ask`` would,
then:

1. the sentence model: every candidate sentence's cues (all embedded), fitted listwise
   (a conditional logit: each question's candidates that state an expected fact take
   most of a softmax over all its candidates), then one scale and intercept fitted so
   that the score reads as the probability that a sentence states an expected fact;
2. the outcome model: with the fitted sentence model, the candidate set's features of
   each question, label 1 when the question is answerable and its best sentence states
   the answer, 0 when it is unanswerable (answerable questions whose answer was not
   retrieved are left out); a class-balanced logistic regression;
3. the thresholds: ``answer_threshold`` where at least 90% of the unanswerable questions
   go to a partial answer or a refusal and at most 3% of the answered ones do (when no
   threshold does both: the most unanswerable ones declined while 97% of the answers
   stand; the cue checks of ``ExtractiveSource._decide`` decline most of the rest), and
   ``related_threshold`` the highest best-sentence similarity (``related_similarity``)
   below which refusals (of any question, answerable or not) are right at least 95% of the
   time, and never below the similarity of all but the least similar 2% of dev's right
   answers.

Needs scikit-learn (a dev dependency); answering itself only reads the weights.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.passages import make_passages
from assistant.answering.question import analyse
from assistant.answering.scorer import (
    OUTCOME_FEATURES,
    OUTCOME_SIGNS,
    WEIGHTS_PATH,
    ScorerWeights,
)
from assistant.answering.sources.extractive import Candidate, ExtractiveSource, related_similarity
from assistant.evaluate import EvalItem, fact_present, load_qa

__all__ = ["collect", "fit", "main"]


@dataclasses.dataclass
class _Sample:
    item: EvalItem
    candidates: list[Candidate]
    passages: Any
    question: Any


def _states(item: EvalItem, candidate: Candidate, passages: Any) -> bool:
    by_n = {p.n: p for p in passages}
    p = by_n[candidate.passage]
    text = p.sentence(candidate.index)
    if candidate.index > 0:  # "It rose 5%": the claim quotes the sentence before too
        text = p.sentence(candidate.index - 1) + " " + text
    return any(fact_present(group, text) for group in item.expected)


def collect(assistant: Any, conversations: Sequence[Sequence[EvalItem]]) -> list[_Sample]:
    """Retrieve every question's passages and score every candidate (all embedded)."""
    scorer = ExtractiveSource(
        assistant.embedder, idf=assistant.lexical.idf,
        weights=dataclasses.replace(assistant.extractive.weights, max_embedded=0),
    )
    samples = []
    for conversation in conversations:
        history: list[tuple[str, str]] = []
        for item in conversation:
            question = analyse(item.question, history)
            docs = assistant.retriever.invoke(question.standalone, k=assistant.settings.top_k)
            passages = make_passages(docs)
            cands = scorer.score(question, passages) if passages else []
            samples.append(_Sample(item, cands, passages, question))
            answer = assistant.ask(item.question, history)
            history += [("user", item.question), ("assistant", answer.text)]
    return samples


def _top1(samples: list[_Sample], weights: ScorerWeights) -> int:
    """How many answerable questions' best candidate (under ``weights``) states the answer."""
    hits = 0
    for s in samples:
        if s.item.unanswerable or s.item.type == "false_premise" or not s.candidates:
            continue
        logits = weights.sentence_logits(np.stack([c.x for c in s.candidates]))
        hits += _states(s.item, s.candidates[int(np.argmax(logits))], s.passages)
    return hits


def fit(assistant: Any, samples: list[_Sample], note: str) -> ScorerWeights:
    """Fit both models and the thresholds (see module docstring)."""
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise SystemExit(
            "Fitting the scorer needs scikit-learn, a development dependency: install it with "
            "`pip install -e '.[dev]'` (or run `make install-dev`)."
        ) from exc

    # Ranking is learnt within questions, listwise: of each answerable question's
    # candidates (its answer retrieved), the ones stating the answer should take most of a
    # softmax over all of them (a conditional logit); then one scale and intercept turn
    # the ranking score into a probability that a sentence states an expected fact.
    lists = []
    for s in samples:
        if s.item.unanswerable or s.item.type == "false_premise" or not s.candidates:
            continue
        labels = np.array([_states(s.item, c, s.passages) for c in s.candidates], dtype=bool)
        if labels.any() and not labels.all():
            lists.append((np.stack([c.x for c in s.candidates]), labels))
    ranking = _fit_listwise(lists)
    z = np.concatenate([x @ ranking for x, _ in lists]).reshape(-1, 1)
    calibration = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
    calibration.fit(z, np.concatenate([y for _, y in lists]).astype(int))
    scale = float(calibration.coef_[0][0])
    current = assistant.extractive.weights
    weights = dataclasses.replace(
        current,
        sentence_bias=float(calibration.intercept_[0]),
        sentence=tuple(float(w) * scale for w in ranking),
    )
    print(f"sentence model: top-1 states the answer for {_top1(samples, current)} questions "
          f"with the previous weights, {_top1(samples, weights)} with the fitted ones")
    source = ExtractiveSource(assistant.embedder, idf=assistant.lexical.idf, weights=weights)
    ox, oy, unanswerable = [], [], []
    ox_dense: list[float] = []
    for s in samples:
        if not s.passages or s.item.type == "false_premise":
            continue
        ranked = source.score(s.question, s.passages)
        if not ranked:
            continue
        if s.item.unanswerable:
            label = 0
        elif _states(s.item, ranked[0], s.passages):
            label = 1
        else:
            continue
        ox.append(source.outcome_features(s.question, s.passages))
        oy.append(label)
        ox_dense.append(related_similarity(ranked))
        unanswerable.append(label == 0)
    bias, coef = _fit_signed(np.stack(ox), np.array(oy), LogisticRegression)
    weights = dataclasses.replace(weights, outcome_bias=bias, outcome=coef)
    probs = np.array([weights.outcome_probability(x) for x in ox])
    no = np.array(unanswerable)
    # The answer threshold: where at least 90% of the unanswerable questions go to a partial
    # answer or a refusal while at most 10% of the answered ones do, if there is such a
    # place; else where the two rates add up best.
    grid = np.linspace(0.05, 0.95, 91)
    hedged = np.array([float(np.mean(probs[no] < t)) for t in grid]) if no.any() else grid * 0
    kept = np.array([float(np.mean(probs[~no] >= t)) for t in grid])
    both = [i for i in range(len(grid)) if hedged[i] >= 0.9 and kept[i] >= 0.97]
    # Else: as many unanswerable questions declined as keeps 90% of the answers.
    allowed = [i for i in range(len(grid)) if kept[i] >= 0.97] or list(range(len(grid)))
    best_i = both[len(both) // 2] if both else max(allowed, key=lambda i: (hedged[i], kept[i]))
    answer_threshold = float(grid[best_i])
    # The related threshold: refusals (best sentence less similar than it) right >= 95% of
    # the time, over every question, also those whose answer the best sentence misses
    # (a refusal is wrong for them too).
    all_dense, all_no = [], []
    for s in samples:
        if not s.passages or s.item.type == "false_premise":
            continue
        ranked = source.score(s.question, s.passages)
        if ranked:
            all_dense.append(related_similarity(ranked))
            all_no.append(bool(s.item.unanswerable))
    d_all, no_all = np.array(all_dense), np.array(all_no)
    related = 0.0
    for t in np.linspace(0.0, 0.6, 61):
        refused = d_all < t
        if refused.any() and float(np.mean(no_all[refused])) >= 0.95:
            related = float(t)  # the highest such similarity
    # ... and never below the similarity under which no answer on dev was ever right: a
    # small store's out-of-corpus question ("What is the capital of France?") is less
    # similar to its best sentence than any question dev answers.
    # (a low percentile, not the minimum: one right answer from a barely similar sentence
    # must not let every out-of-corpus question through)
    answered = [d for d, y in zip(ox_dense, oy, strict=True) if y == 1]
    if answered:
        floor = float(np.percentile(answered, _RIGHT_ANSWER_PERCENTILE))
        print(f"best-sentence similarity of right dev answers: min {min(answered):.3f}, "
              f"{_RIGHT_ANSWER_PERCENTILE}th percentile {floor:.3f}")
        related = max(related, float(np.floor(floor * 100) / 100))
    weights = dataclasses.replace(
        weights, answer_threshold=round(answer_threshold, 3),
        related_threshold=round(related, 3), fitted_on=note,
    )
    return _fit_margin(source, samples, weights)


_RIGHT_ANSWER_PERCENTILE = 2  # the refusal floor: at most 2% of dev's right answers below it


_LISTWISE_L2 = 1.0  # chosen by 5-fold cross-validation within dev (top-1 of 0.1, 1, 3, 10)


def _fit_listwise(lists: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Weights maximising the softmax share of each question's answering candidates.

    ``lists``: per question, the candidates' cue rows and which of them state the answer.
    """
    from scipy.optimize import minimize

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for x, y in lists:
            z = x @ w
            e = np.exp(z - z.max())
            every, right = e.sum(), e[y].sum()
            total -= float(np.log(right) - np.log(every))
            grad -= (e[y] @ x[y]) / right - (e @ x) / every
        return total + _LISTWISE_L2 * float(w @ w) / 2, grad + _LISTWISE_L2 * w

    start = np.zeros(lists[0][0].shape[1])
    return np.asarray(minimize(loss, start, jac=True, method="L-BFGS-B").x)


def _fit_signed(x: np.ndarray, y: np.ndarray, model: Any) -> tuple[float, tuple[float, ...]]:
    """The outcome model with every weight in its ``OUTCOME_SIGNS`` direction.

    A feature whose weight comes out the wrong way is left out and the rest fitted again.
    """
    keep = list(range(x.shape[1]))
    while True:
        lr = model(C=0.3, class_weight="balanced", max_iter=5000)
        lr.fit(x[:, keep], y)
        coef = dict(zip(keep, lr.coef_[0], strict=True))
        wrong = [i for i, w in coef.items() if w * OUTCOME_SIGNS[OUTCOME_FEATURES[i]] < 0]
        if not wrong:
            full = tuple(float(coef.get(i, 0.0)) for i in range(x.shape[1]))
            return float(lr.intercept_[0]), full
        worst = max(wrong, key=lambda i: abs(coef[i]))
        print(f"outcome model: {OUTCOME_FEATURES[worst]} left out (weight {coef[worst]:+.2f})")
        keep.remove(worst)


def _fit_margin(source: ExtractiveSource, samples: list[_Sample],
                weights: ScorerWeights) -> ScorerWeights:
    """The score margin within which further sentences join an answer.

    Each extra sentence must earn its place: a sentence more to read is worth it for 5%
    more questions answered.
    """
    source = ExtractiveSource(source.embedder, idf=source.idf, weights=weights)
    ranked = [
        (s, source.score(s.question, s.passages))
        for s in samples
        if s.passages and not s.item.unanswerable and s.item.type != "false_premise"
    ]
    best_margin, best_value = weights.extra_margin, -1e9
    for margin in np.linspace(0.0, 3.0, 13):
        hits, extra = 0, 0
        for s, cands in ranked:
            if not cands:
                continue
            chosen = [c for c in cands[: weights.max_sentences]
                      if c.logit >= cands[0].logit - margin] or cands[:1]
            extra += len(chosen) - 1
            by_n = {p.n: p for p in s.passages}
            text = " ".join(by_n[c.passage].sentence(c.index) for c in chosen)
            need = s.item.min_expected or len(s.item.expected)
            hits += sum(fact_present(g, text) for g in s.item.expected) >= need
        value = hits / len(ranked) - 0.05 * extra / len(ranked)
        if value > best_value:
            best_margin, best_value = float(margin), value
    return dataclasses.replace(weights, extra_margin=round(best_margin, 3))


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: fit on a Q&A file and write the weights."""
    from assistant import Assistant
    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("qa_file", type=Path)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args(argv)
    settings = load_settings(**({"home": args.home} if args.home else {}))
    assistant = Assistant(settings)
    conversations = load_qa(args.qa_file)
    samples = collect(assistant, conversations)
    n_articles = assistant.records.count()[0]
    weights = fit(
        assistant, samples,
        note=f"{args.qa_file.name}: {len(samples)} questions, store of {n_articles} articles",
    )
    weights.save(args.out)
    print(f"wrote {args.out}: answer_threshold={weights.answer_threshold}, "
          f"related_threshold={weights.related_threshold}")


if __name__ == "__main__":
    main()
