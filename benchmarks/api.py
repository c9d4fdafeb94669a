"""HTTP API throughput and latency: /v1/chat/completions vs direct Assistant.ask, same run.

Builds the sample store (data/sample) in a temporary home, starts `tradedesk serve` on a
free 127.0.0.1 port (extractive backend, default 2 answer workers, a queue deep enough
for 16 clients), and asks the answerable single-turn questions of tests/data/qa_dev.json:
with 1, 4 and 16 concurrent clients (each a keep-alive httpx client) through the API, then
the same questions at the same concurrency straight to ``Assistant.ask`` (threads sharing
one Assistant) in this process. Every question is asked once through each path before
timing, so both measure "asked again" (warm caches) alike.

    python benchmarks/api.py [--requests 96] [--json-out benchmarks/results/api.json]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, save, table  # noqa: E402

LEVELS = (1, 4, 16)


def questions() -> list[str]:
    data = json.loads((ROOT / "tests" / "data" / "qa_dev.json").read_text())
    return [q["question"] for q in data["questions"]
            if "question" in q and not q.get("unanswerable")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(ask: Callable[[str], None], qs: list[str], clients: int, total: int) -> dict[str, Any]:
    """``total`` questions (cycling ``qs``) asked by ``clients`` threads; latency and rate."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t0 = time.perf_counter()
            ask(qs[i % len(qs)])
            with lock:
                latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(worker) for _ in range(clients)]:
            f.result()
    wall = time.perf_counter() - t0
    return {
        "clients": clients,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / wall, 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=96, help="requests per level")
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()

    import httpx

    from assistant import Assistant, Settings

    qs = questions()
    with tempfile.TemporaryDirectory(prefix="tradedesk-api-bench-") as tmp:
        home = Path(tmp) / "home"
        assistant = Assistant(Settings(home=home))
        assistant.ingest([ROOT / "data" / "sample"])
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
        env.update(TRADEDESK_HOME=str(home), TRADEDESK_SERVE_QUEUE="64", PYTHONPATH=str(ROOT),
                   HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
        log = (Path(tmp) / "serve.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/v1/health", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("tradedesk serve did not start")
                time.sleep(0.3)
            local = threading.local()

            def via_api(question: str) -> None:
                client = getattr(local, "client", None)
                if client is None:
                    client = local.client = httpx.Client(base_url=url, timeout=120)
                resp = client.post("/v1/chat/completions", json={
                    "model": "tradedesk", "messages": [{"role": "user", "content": question}]})
                resp.raise_for_status()

            def direct(question: str) -> None:
                assistant.ask(question)

            for q in qs:  # warm both paths: every question asked once before timing
                via_api(q)
                direct(q)
            api = [measure(via_api, qs, c, args.requests) for c in LEVELS]
            own = [measure(direct, qs, c, args.requests) for c in LEVELS]
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()

    rows = []
    for a, d in zip(api, own, strict=True):
        rows.append((
            f"{a['clients']:>2} clients",
            f"API {a['requests_per_s']:6.1f} req/s p50 {a['p50_ms']:6.1f} ms p95 "
            f"{a['p95_ms']:6.1f} ms | direct ask {d['requests_per_s']:6.1f} req/s p50 "
            f"{d['p50_ms']:6.1f} ms p95 {d['p95_ms']:6.1f} ms",
        ))
    table(f"/v1/chat/completions vs Assistant.ask ({len(qs)} questions, sample store)", rows)
    result = {"questions": len(qs), "api": api, "direct": own,
              "server": {"workers": 2, "queue": 64, "backend": "extractive"}}
    path = save("api", result)
    if args.json_out is not None and args.json_out != path:
        args.json_out.write_text(path.read_text())


if __name__ == "__main__":
    main()
