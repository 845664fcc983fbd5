"""The store and experiment are process-wide; only the active-run stack is per thread or task."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import sktrack
from sktrack.exceptions import StoreError


def _log_one(i: int) -> str:
    with sktrack.start_run(run_name=f"worker-{i}") as run:
        sktrack.log_param("i", i)
        sktrack.log_metric("m", float(i))
    return run.run_id


def test_threads_and_executors_log_into_the_store_and_experiment_set_in_main(tmp_path: Path):
    store = sktrack.set_store(tmp_path / "chosen")
    sktrack.set_experiment("threads")
    ids: list[str] = []
    threads = [threading.Thread(target=lambda i=i: ids.append(_log_one(i))) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with ThreadPoolExecutor(max_workers=3) as pool:
        ids += list(pool.map(_log_one, range(3, 9)))
    assert not (tmp_path / "sktrack-store").exists()
    found = sktrack.search_runs(["threads"])
    assert sorted(found["run_id"]) == sorted(ids)
    assert sorted(found["params.i"]) == list(range(9))
    assert sktrack.get_store() is store


def test_a_store_set_in_a_thread_is_seen_by_the_main_thread(tmp_path: Path):
    done = threading.Thread(target=lambda: sktrack.set_store(tmp_path / "from-thread"))
    done.start()
    done.join()
    assert sktrack.get_store().location == str(tmp_path / "from-thread")


def test_the_active_run_stays_in_its_own_thread_and_task(store):
    seen: list[object] = []
    with sktrack.start_run() as outer:
        thread = threading.Thread(target=lambda: seen.append(sktrack.active_run()))
        thread.start()
        thread.join()

        async def task() -> object:
            with sktrack.start_run() as inner:
                return inner.info.parent_run_id

        parent = asyncio.run(task())
        assert sktrack.active_run() == outer
    assert seen == [None]
    assert parent == outer.run_id  # a task starts from its creator's stack, as a copy


@contextlib.contextmanager
def _tmpfs(folder: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a read-only file system needs root (CI runs as root)")
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)])
    if mounted.returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_read_only_file_system_refuses_a_new_store_and_reads_an_old_one(tmp_path: Path):
    with _tmpfs(tmp_path / "ro") as folder:
        sktrack.set_store(folder / "old")
        with sktrack.start_run(run_name="before") as run:
            sktrack.log_metric("m", 1.0)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        with pytest.raises(StoreError, match=r"cannot be created.*not writable"):
            sktrack.set_store(folder / "new")
        sktrack.set_store(folder / "old")
        assert sktrack.get_run(run.run_id).metrics["m"] == 1.0
        assert sktrack.search_runs()["run_name"].tolist() == ["before"]
