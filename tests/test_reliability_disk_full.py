"""A full disk, for real: a 2 MiB tmpfs mounted by the test (root only; CI runs as root).

A log call that hits ENOSPC raises a `StoreError` naming the store, leaves nothing of itself in
the run's segment (cut back to its last whole record) or in tmp/, and once space returns the
next call is read back intact with every value acknowledged before it.  A failed `end_run`
leaves the run active, to be ended again.
"""

from __future__ import annotations

import errno
import os
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import sktrack
from sktrack.exceptions import DamagedFileWarning, StoreError


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        sktrack.set_store(str(tmp_path / "elsewhere"))  # let go of the mount before unmounting
        subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(disk: Path) -> Path:
    """Fill every free byte of ``disk`` with one file, and return it."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:
        chunk = b"\0" * 65536
        while True:
            try:
                f.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
    # the last pages may still take a few bytes: take them too
    with open(filler, "ab", buffering=0) as f:
        for size in (4096, 512, 64, 8, 1):
            while True:
                try:
                    f.write(b"\0" * size)
                except OSError:
                    break
    return filler


def _big_batch() -> dict[str, float]:
    """More bytes than a page, so the write can only part-fit in the segment's last page."""
    return {f"batch_metric_{i:04d}": float(i) for i in range(400)}


def test_a_failed_write_is_cut_back_and_the_next_one_reads_back(disk: Path) -> None:
    store = disk / "store"
    sktrack.set_store(str(store))
    sktrack.set_experiment("full")
    with sktrack.start_run() as run:
        for step in range(50):
            sktrack.log_metric("loss", 1.0 / (step + 1), step=step)
        filler = _fill(disk)
        with pytest.raises(StoreError) as caught:
            sktrack.log_metrics(_big_batch(), step=50)
        assert str(store) in str(caught.value) and "full" in str(caught.value)
        filler.unlink()  # space returns
        sktrack.log_metric("loss", 0.001, step=51)
    assert not (store / "tmp").exists() or list((store / "tmp").iterdir()) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error", DamagedFileWarning)
        got = sktrack.get_run(run.info.run_id)
        frame = sktrack.search_runs(experiment_names=["full"])
        loss = sktrack.get_metric_history(run.info.run_id, "loss")
    assert got.info.status == "FINISHED"
    assert got.metrics["loss"] == 0.001
    # all or nothing: none of the failed batch's metrics arrived
    assert not any(key.startswith("batch_metric_") for key in got.metrics)
    assert len(frame) == 1
    assert sorted(loss["step"]) == [*range(50), 51]  # every acknowledged value, and the next


def test_a_failed_end_run_leaves_the_run_active_to_end_again(disk: Path) -> None:
    store = disk / "store"
    sktrack.set_store(str(store))
    sktrack.set_experiment("full")
    run = sktrack.start_run()
    sktrack.log_metric("m", 1.0)
    filler = _fill(disk)
    # use up the segment's last page with small records: what is left is then shorter than one,
    # and far shorter than the run record that ending writes
    acknowledged = 0
    with pytest.raises(StoreError):
        for step in range(100_000):
            sktrack.log_metric("p", 0.0, step=step)
            acknowledged = step
    with pytest.raises(StoreError):
        sktrack.end_run()
    active = sktrack.active_run()
    assert active is not None and active.info.run_id == run.info.run_id
    filler.unlink()
    sktrack.end_run()
    assert sktrack.active_run() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", DamagedFileWarning)
        got = sktrack.get_run(run.info.run_id)
        padding = sktrack.get_metric_history(run.info.run_id, "p")
    assert got.info.status == "FINISHED"
    assert got.metrics["m"] == 1.0
    assert sorted(padding["step"]) == list(range(acknowledged + 1))
