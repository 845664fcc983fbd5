"""Throughput of the dataset fingerprint (content hash over all rows of X), in MB/s.

python benchmarks/bench_dataset_hash.py
"""

import time

import numpy as np
import pandas as pd
from sktrack._dataset import dataset_fingerprint

rng = np.random.default_rng(0)
floats = pd.DataFrame(rng.random((1_250_000, 10)), columns=[f"c{i}" for i in range(10)])
mixed = pd.DataFrame(
    {
        "f": rng.random(1_000_000),
        "i": rng.integers(0, 100, 1_000_000),
        "s": rng.choice(["apple", "banana", "cherry"], 1_000_000),
        "c": pd.Categorical(rng.choice(["x", "y"], 1_000_000)),
        "d": pd.date_range("2020", periods=1_000_000, freq="s"),
    }
)
for name, df in (("float64", floats), ("mixed", mixed)):
    mb = df.memory_usage(deep=True).sum() / 1e6
    dataset_fingerprint(df)
    t = time.perf_counter()
    dataset_fingerprint(df)
    dt = time.perf_counter() - t
    print(f"{name}: {mb:.0f} MB in {dt * 1000:.0f} ms = {mb / dt:.0f} MB/s")
