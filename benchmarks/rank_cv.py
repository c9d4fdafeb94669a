"""Cross-validate the sentence ranker within the dev split (never the test split).

    TRADEDESK_HOME=.eval-home python benchmarks/rank_cv.py [tests/data/qa/dev.json]

Five folds by question: fit on four, count on the fifth how often the best-ranked sentence
(and one of the three best) states the expected answer. Compared: the fitted logistic
regression on the scorer's cues (what ships), the same with extra MiniLM features (the
sentence embedded with the one before it, with its title, its similarity relative to the
best one, similarity x coverage), and a gradient-boosted ranker on all of them.
Needs scikit-learn (a dev dependency).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.answering.fit import _states, collect  # noqa: E402
from assistant.answering.scorer import SENTENCE_FEATURES  # noqa: E402
from assistant.evaluate import load_qa  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from ingest.text.sentences import flowing  # noqa: E402


def _extra(assistant: Assistant, sample) -> np.ndarray:  # type: ignore[no-untyped-def]
    by_n = {p.n: p for p in sample.passages}
    q = assistant.embedder.encode_query(sample.question.standalone)
    with_prev, with_title = [], []
    for c in sample.candidates:
        p = by_n[c.passage]
        prev = p.sentence(c.index - 1) if c.index > 0 else ""
        with_prev.append(flowing(prev + " " + c.text))
        with_title.append(flowing(p.meta.title + ". " + c.text))
    dense = np.array([c.x[SENTENCE_FEATURES.index("dense")] for c in sample.candidates])
    cover = np.array([c.x[SENTENCE_FEATURES.index("coverage_near")] for c in sample.candidates])
    return np.stack([
        assistant.embedder.encode_cached(with_prev) @ q,
        assistant.embedder.encode_cached(with_title) @ q,
        dense - dense.max(),
        dense * cover,
    ], axis=1)


def main(argv: list[str]) -> None:
    """Print top-1 and top-3 hit rates of each ranker, averaged over the folds."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    qa = Path(argv[0]) if argv else ROOT / "tests" / "data" / "qa" / "dev.json"
    assistant = Assistant(load_settings())
    rows = []
    for s in collect(assistant, load_qa(qa)):
        if s.item.unanswerable or s.item.type == "false_premise" or not s.candidates:
            continue
        labels = np.array([int(_states(s.item, c, s.passages)) for c in s.candidates])
        cues = np.stack([c.x for c in s.candidates])
        rows.append((labels, cues, np.hstack([cues, _extra(assistant, s)])))
    folds = np.random.RandomState(0).randint(0, 5, len(rows))
    models = {
        "logistic regression, cues (shipped)": (1, lambda: LogisticRegression(
            C=0.5, class_weight="balanced", max_iter=5000)),
        "logistic regression, cues + MiniLM extras": (2, lambda: LogisticRegression(
            C=0.5, class_weight="balanced", max_iter=5000)),
        "gradient boosting, cues + extras": (2, lambda: HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, class_weight="balanced")),
    }
    print(f"{len(rows)} answerable questions; answer in some candidate for "
          f"{np.mean([r[0].any() for r in rows]):.1%}")
    for name, (col, make) in models.items():
        top1 = top3 = 0
        for f in range(5):
            train = [r for r, k in zip(rows, folds, strict=True)
                     if k != f and 0 < r[0].sum() < len(r[0])]
            model = make()
            model.fit(np.concatenate([r[col] - r[col].mean(axis=0) for r in train]),
                      np.concatenate([r[0] for r in train]))
            for r, k in zip(rows, folds, strict=True):
                if k != f:
                    continue
                score = model.predict_proba(r[col] - r[col].mean(axis=0))[:, 1]
                order = np.argsort(-score)
                top1 += int(r[0][order[0]])
                top3 += int(r[0][order[:3]].any())
        print(f"{name}: top-1 {top1 / len(rows):.1%}, top-3 {top3 / len(rows):.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])
