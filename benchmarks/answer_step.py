"""ask() latency of the answer step against the old one, measured in the same run.

Usage: python benchmarks/answer_step.py [--home .eval-home] [--old COMMIT] [--split test]

Both run in a fresh process on the same store (the evaluation store: all of Reuters plus
the sample and seed articles), warmed up (``warm_up``), asking every question of the
split once, in order, without history. The old answer step runs from a git worktree of
``--old`` (default: the last commit before the rebuilt answer step). Prints p50/p95 of
both and their ratio; writes benchmarks/results/answer_step.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, save, table  # noqa: E402

OLD = "8fa8a51"  # the answer step before "Answers that generalize"

_PROBE = r"""
import json, sys, time
from assistant import Assistant
a = Assistant()
a.warm_up(background=False)
a.ask("warm up")
out = []
for q in json.load(open(sys.argv[1])):
    t0 = time.perf_counter()
    a.ask(q)
    out.append(time.perf_counter() - t0)
print(json.dumps(out))
"""


def _run(code_root: Path, home: Path, questions: Path) -> list[float]:
    env = {**os.environ, "TRADEDESK_HOME": str(home), "PYTHONPATH": str(code_root),
           "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(questions)], cwd=code_root, env=env,
        capture_output=True, text=True, check=True,
    )
    return [float(x) for x in json.loads(done.stdout.strip().splitlines()[-1])]


def _pct(times: list[float], q: int) -> float:
    return 1000 * statistics.quantiles(sorted(times), n=100, method="inclusive")[q - 1]


def main() -> None:
    """Measure both answer steps and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=ROOT / ".eval-home")
    parser.add_argument("--old", default=OLD)
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    data = json.loads((ROOT / "tests" / "data" / "qa" / f"{args.split}.json").read_text())
    qs = [q.get("question") or q["turns"][0]["question"] for q in data["questions"]]
    with tempfile.TemporaryDirectory() as tmp:
        questions = Path(tmp) / "questions.json"
        questions.write_text(json.dumps(qs))
        old_tree = Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(old_tree), args.old],
                       cwd=ROOT, check=True)
        try:
            new = _run(ROOT, args.home.resolve(), questions)
            old = _run(old_tree, args.home.resolve(), questions)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT,
                           check=False)
    rows = {
        "questions": len(qs),
        "new_p50_ms": round(_pct(new, 50), 1), "new_p95_ms": round(_pct(new, 95), 1),
        "old_p50_ms": round(_pct(old, 50), 1), "old_p95_ms": round(_pct(old, 95), 1),
    }
    rows["p50_ratio"] = round(rows["new_p50_ms"] / rows["old_p50_ms"], 2)
    rows["p95_ratio"] = round(rows["new_p95_ms"] / rows["old_p95_ms"], 2)
    table(f"ask() on {args.home.name}, {args.split} split, first time asked", list(rows.items()))
    save("answer_step", rows)


if __name__ == "__main__":
    main()
