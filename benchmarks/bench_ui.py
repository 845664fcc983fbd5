"""Benchmark: the UI's runs page and chart view over a store of 100,000 runs must each be
served in <= 1 s.

Usage::

    python benchmarks/bench_ui.py [--runs 100000] [--store PATH] [--workers N]

The store is built through sktrack's public API (plain runs, and searches whose parent has five
children: 58,335 top-level rows), by several processes at once, then compacted.  A store
already at PATH is reused.  Then ``sktrack.ui.serve`` runs in a fresh process, as ``sktrack ui``
would, and the runs page is fetched over HTTP: the first view, then again (warm), sorted by a
metric with a filter, and a page deep into the table; then the experiment's chart view (a
metric across every top-level run, best first), again warm, against a param, and filtered.
Exits 1 if the first view of the runs page or of the chart view takes > 1 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import sktrack

EXPERIMENT = "bench"
CHILDREN = 5
BUDGET_S = 1.0


def _write_chunk(args: tuple[str, int, int]) -> int:
    """Log runs ``start`` to ``stop``: every 12th begins a search parent with five children."""
    location, start, stop = args
    sktrack.set_store(location)
    sktrack.set_experiment(EXPERIMENT)
    i = start
    while i < stop:
        if i % 12 == 0 and i + CHILDREN < stop:
            _log_search(i)
            i += 1 + CHILDREN
        else:
            _log_plain(i)
            i += 1
    return stop - start


def _log_plain(i: int) -> None:
    with sktrack.start_run(run_name=f"plain-{i}") as run:
        run.log_params({"alpha": (i % 10) / 10, "max_depth": i % 7 + 1, "model": "Ridge"})
        run.log_metrics({"test_r2_score": (i % 997) / 997, "test_rmse": 1 - (i % 991) / 991})


def _log_search(i: int) -> None:
    with sktrack.start_run(run_name=f"search-{i}") as parent:
        parent.log_params({"estimator": "DecisionTreeRegressor()", "cv": 5})
        parent.log_metrics({"best_cv_r2": (i % 89) / 89})
        for k in range(CHILDREN):
            with sktrack.start_run(run_name=f"search-{i}-{k}") as child:
                child.log_params({"max_depth": k + 2, "min_samples_leaf": 1 + i % 5})
                child.log_metrics({"mean_test_r2": (i % 89) / 89 - k / 50})
                if k == 0:
                    child.set_tag("sktrack.best", "true")


def build_store(location: str, runs: int, workers: int) -> float:
    """Write ``runs`` runs into ``location`` and compact it; returns the seconds it took."""
    start = time.perf_counter()
    step = 12 * 1000
    chunks = [(location, s, min(s + step, runs)) for s in range(0, runs, step)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        done = 0
        for n in pool.imap_unordered(_write_chunk, chunks):
            done += n
            print(f"  {done:>7} / {runs} runs written", file=sys.stderr)
    sktrack.set_store(location)
    sktrack.compact()
    return time.perf_counter() - start


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(location: str, port: int) -> tuple[subprocess.Popen[bytes], float]:
    """`sktrack.ui.serve` in a new process; returns it and the seconds until it answered."""
    code = f"from sktrack.ui import serve; serve({location!r}, port={port})"
    start = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    deadline = start + 120
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the UI server exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server, time.perf_counter() - start
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the UI server did not answer within 120 s")


def _fetch(url: str) -> tuple[float, str]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read().decode()
    return time.perf_counter() - start, body


def measure(location: str) -> dict[str, float]:
    """Seconds to serve the runs page of EXPERIMENT, in several situations."""
    port = _free_port()
    server, started = _start_server(location, port)
    base = f"http://127.0.0.1:{port}"
    try:
        home_s, home = _fetch(base + "/")
        match = re.search(rf'href="(/experiments/[0-9a-f]+)">{EXPERIMENT}</a>', home)
        assert match is not None, "the experiment is not listed"
        runs_url = base + match.group(1)
        first_s, page = _fetch(runs_url)
        assert page.count('<tr class="run">') == 50, "the first page should hold 50 runs"
        warm = statistics.median(_fetch(runs_url)[0] for _ in range(5))
        query = {"filter": "params.alpha > 0.3", "order": "metrics.test_r2_score DESC"}
        sorted_s, _ = _fetch(f"{runs_url}?{urlencode(query)}")
        deep_s, _ = _fetch(f"{runs_url}?page=1000")
        chart_s, chart = _fetch(f"{runs_url}?view=chart")
        assert 'id="bar-chart"' in chart, "the chart view should draw bars"
        chart_warm = statistics.median(_fetch(f"{runs_url}?view=chart")[0] for _ in range(5))
        scatter_s, _ = _fetch(f"{runs_url}?view=chart&param=alpha")
        query = {"view": "chart", "filter": "params.alpha > 0.3", "metric": "test_rmse"}
        chart_filtered_s, _ = _fetch(f"{runs_url}?{urlencode(query)}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "server start (reads the store)": started,
        "experiments page, first view": home_s,
        "runs page, first view": first_s,
        "runs page, warm (median of 5)": warm,
        "runs page, filtered and sorted by a metric": sorted_s,
        "runs page, page 1000": deep_s,
        "chart view, first view": chart_s,
        "chart view, warm (median of 5)": chart_warm,
        "chart view, metric against a param": scatter_s,
        "chart view, filtered, another metric": chart_filtered_s,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--store", default=None, help="reuse or build the store here")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    location = args.store or tempfile.mkdtemp(prefix="sktrack-bench-ui-")
    if not Path(location, "FORMAT").exists():
        seconds = build_store(location, args.runs, args.workers)
        print(f"built {args.runs} runs in {seconds:.1f} s at {location}")
    figures = measure(location)
    for what, seconds in figures.items():
        print(f"{what:<45} {seconds * 1000:8.0f} ms")
    ok = True
    for what in ("runs page, first view", "chart view, first view"):
        seconds = figures[what]
        ok &= seconds <= BUDGET_S
        verdict = "OK" if seconds <= BUDGET_S else "TOO SLOW"
        print(f"{what}: {seconds:.3f} s (budget {BUDGET_S:.1f} s): {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
