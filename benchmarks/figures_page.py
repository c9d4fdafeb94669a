"""The Figures page on a large store: time to open it and memory it adds to the server.

    python benchmarks/figures_page.py [HOME]     (default: .eval-home, all of Reuters)

In one process (Streamlit's ``AppTest`` runs the app script in-process, as the server
does): the app opens on Chat and its background warm-up is let finish (the assistant, the
index and the ledger for answering are loaded, as in a serving process that is up),
then the chart and table libraries are imported (pandas, altair, pyarrow: loaded once by any
page that draws a chart; reported apart), then the Figures page is opened, then a country
is picked and a series charted. Reported
with the process's resident memory before and after, next to the reference measured in
the same run: the old page's data path (every figure loaded and turned into rows, as the
page did before it queried SQLite).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    """Resident memory of this process, MB."""
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str]) -> None:
    """Measure and print (and write benchmarks/results/figures_page.json)."""
    home = Path(argv[0]) if argv else ROOT / ".eval-home"
    os.environ["TRADEDESK_HOME"] = str(home)
    from streamlit.testing.v1 import AppTest

    from assistant import Assistant
    from assistant.settings import load_settings

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600).run()
    assert not at.exception, at.exception
    pages = {info.get("url_pathname"): h for h, info in at._registered_pages.items()}
    # The app warms up in the background (BM25 index, query encoder, the ledger for
    # answering): wait until the process stops growing, as a server that has been up a while.
    last, steady = rss_mb(), 0
    while steady < 3:
        time.sleep(1)
        now = rss_mb()
        steady = steady + 1 if abs(now - last) < 2 else 0
        last = now
    libraries = rss_mb()
    import altair  # (the chart and table libraries, loaded by any first chart)
    import pandas
    import pyarrow

    # their first use loads schemas and caches (Vega-Lite's JSON schema, Arrow's types)
    tiny = pandas.DataFrame({"x": ["a", "b"], "y": [1.0, 2.0]})
    altair.Chart(tiny).mark_line().encode(x="x:N", y="y:Q").to_dict()
    pyarrow.Table.from_pandas(tiny)
    libraries = rss_mb() - libraries
    before = rss_mb()
    start = time.perf_counter()
    at._page_hash = pages["figures"]
    at.run()
    assert not at.exception, at.exception
    opened = time.perf_counter() - start
    after_open = rss_mb()
    start = time.perf_counter()
    countries = at.selectbox(key="fig_country").options
    at.selectbox(key="fig_country").set_value(countries[1]).run()
    assert not at.exception, at.exception
    picked = time.perf_counter() - start
    default = at.selectbox(key="fig_series").value
    after_pick = rss_mb()

    # Reference, same run: the old page's data path (all figures as rows).
    assistant = Assistant(load_settings(home=home))
    ref_before = rss_mb()
    start = time.perf_counter()
    rows = [f.to_dict() for f in assistant.facts()]
    names = sorted({n for r in rows for n in (r["reporter"], r["partner"]) if n})
    old_path = time.perf_counter() - start
    ref_after = rss_mb()
    result = {
        "home": str(home),
        "figures": len(rows),
        "countries": len(names),
        "open_s": round(opened, 2),
        "pick_country_s": round(picked, 2),
        "default_series": default,
        "rss_added_mb": round(max(after_open, after_pick) - before, 1),
        "chart_libraries_rss_mb": round(libraries, 1),
        "old_data_path_s": round(old_path, 2),
        "old_data_path_rss_added_mb": round(ref_after - ref_before, 1),
    }
    print(json.dumps(result, indent=1, ensure_ascii=False))
    out = ROOT / "benchmarks" / "results" / "figures_page.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
