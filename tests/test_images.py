"""`log_image` (`sktrack/_tracking/_images.py`) and metric ``timestamp=``: the two logging
calls of MLflow's that sktrack lacked.  Images are read back from the store's real files."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import sktrack
from sktrack._store import Store

# -- metric timestamp= ----------------------------------------------------------------------


def test_log_metric_keeps_the_timestamp_given(store: Store) -> None:
    with sktrack.start_run() as run:
        sktrack.log_metric("loss", 0.9, step=0, timestamp=1_600_000_000_000)
        sktrack.log_metric("loss", 0.5, step=1, timestamp=1_600_000_001_000)
        sktrack.log_metric("loss", 0.4, step=2)  # stamped now
    history = sktrack.get_metric_history(run.run_id, "loss")
    assert history["timestamp"].tolist()[:2] == [1_600_000_000_000, 1_600_000_001_000]
    assert history["timestamp"].iloc[2] > 1_700_000_000_000
    assert sktrack.get_run(run.run_id).metrics["loss"] == 0.4


def test_log_metrics_stamps_every_value_and_survives_compaction(store: Store) -> None:
    with sktrack.start_run() as run:
        sktrack.log_metrics({"a": 1.0, "b": 2.0}, step=3, timestamp=123)
    sktrack.compact()
    for key in ("a", "b"):
        history = sktrack.get_metric_history(run.run_id, key)
        assert history[["step", "timestamp"]].values.tolist() == [[3, 123]]


def test_the_latest_value_at_one_step_is_the_one_with_the_latest_timestamp(store: Store) -> None:
    # MLflow's rule: highest step, then latest timestamp, whatever order they were logged in
    with sktrack.start_run() as run:
        run.log_metric("r2", 0.7, step=5, timestamp=2_000)
        run.log_metric("r2", 0.1, step=5, timestamp=1_000)
    assert sktrack.get_run(run.run_id).metrics["r2"] == 0.7


def test_a_numpy_integer_timestamp_is_taken(store: Store) -> None:
    with sktrack.start_run() as run:
        sktrack.log_metric("x", 1.0, timestamp=np.int64(42))
    assert sktrack.get_metric_history(run.run_id, "x")["timestamp"].tolist() == [42]


@pytest.mark.parametrize(
    ("timestamp", "match"),
    [
        (1_600_000_000.5, r"timestamp 1600000000\.5 \(float\) must be a whole number of milli"),
        ("1600000000000", r"timestamp '1600000000000' \(str\) must be a whole number"),
        (True, r"timestamp True \(bool\) must be a whole number"),
        (-1, r"timestamp -1 must be milliseconds since the epoch, from 0"),
        (2**63, r"timestamp 9223372036854775808 must be milliseconds since the epoch"),
    ],
)
def test_a_bad_timestamp_is_refused_and_nothing_of_the_batch_is_written(
    store: Store, timestamp: object, match: str
) -> None:
    with sktrack.start_run() as run:
        with pytest.raises(sktrack.InvalidArgumentError, match=match):
            sktrack.log_metrics({"a": 1.0, "b": 2.0}, timestamp=timestamp)  # type: ignore[arg-type]
        sktrack.log_metric("c", 3.0)
    assert sktrack.get_run(run.run_id).metrics == {"c": 3.0}


def test_a_datetime_timestamp_says_how_to_convert_it(store: Store) -> None:
    import datetime

    with sktrack.start_run(), pytest.raises(sktrack.InvalidArgumentError, match=r"time\.time"):
        sktrack.log_metric("a", 1.0, timestamp=datetime.datetime.now())  # type: ignore[arg-type]


def test_the_compatibility_module_passes_mlflow_timestamps_through(store: Store) -> None:
    import sktrack.mlflow as mlflow
    from sktrack.mlflow.entities import Metric

    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0, step=1, timestamp=1_000)
        mlflow.log_metrics({"n": 2.0}, timestamp=2_000)
    mlflow.MlflowClient().log_batch(run.info.run_id, metrics=[Metric("o", 3.0, 3_000, 7)])
    client = mlflow.MlflowClient()
    stamps = {k: [m.timestamp for m in client.get_metric_history(run.info.run_id, k)]
              for k in "mno"}  # fmt: skip
    assert stamps == {"m": [1_000], "n": [2_000], "o": [3_000]}


# -- log_image --------------------------------------------------------------------------------


def _pixels(store: Store, run_id: str, path: str) -> np.ndarray:
    mpimg = pytest.importorskip("matplotlib.image")
    return mpimg.imread(io.BytesIO(store.read_artifact(run_id, path)), format="png")


def test_an_rgb_array_arrives_pixel_for_pixel(store: Store) -> None:
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    with sktrack.start_run() as run:
        assert sktrack.log_image(image, "images/noise.png") == "images/noise.png"
    back = _pixels(store, run.run_id, "images/noise.png")
    assert back.shape[:2] == (5, 7)
    assert (np.round(back[:, :, :3] * 255).astype(np.uint8) == image).all()


def test_gray_rgba_bool_and_float_arrays(store: Store) -> None:
    pytest.importorskip("matplotlib")
    gray = np.array([[0, 128], [255, 7]], dtype=np.int64)
    with sktrack.start_run() as run:
        sktrack.log_image(gray, "gray")  # no suffix: .png added
        sktrack.log_image(np.ones((2, 2, 4)) * 0.5, "rgba.png")
        sktrack.log_image(np.eye(2, dtype=bool), "mask.PNG")
        sktrack.log_image(gray[:, :, None].astype(np.uint8), "one-channel.png")
    back = _pixels(store, run.run_id, "gray.png")
    assert (np.round(back[:, :, 0] * 255) == gray).all()
    assert (np.round(_pixels(store, run.run_id, "rgba.png") * 255) == 128).all()
    assert (_pixels(store, run.run_id, "mask.PNG")[:, :, 0] == np.eye(2)).all()
    assert (np.round(_pixels(store, run.run_id, "one-channel.png")[:, :, 1] * 255) == gray).all()


def test_a_matplotlib_figure_is_saved_as_png(store: Store) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1), dpi=50)
    fig.subplots().plot([0, 1], [1, 0])
    with sktrack.start_run() as run:
        sktrack.log_image(fig, "plots/line.png")
    assert _pixels(store, run.run_id, "plots/line.png").shape[:2] == (50, 100)


def test_a_pil_image_is_saved_as_png(store: Store) -> None:
    pil = pytest.importorskip("PIL.Image")
    image = pil.new("RGB", (3, 2), color=(10, 20, 30))
    with sktrack.start_run() as run:
        sktrack.log_image(image, "pil.png")
    back = pil.open(io.BytesIO(store.read_artifact(run.run_id, "pil.png")))
    assert back.format == "PNG"
    assert back.size == (3, 2)
    assert back.getpixel((2, 1)) == (10, 20, 30)


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.zeros((2, 2, 2)), r"shape \(2, 2, 2\); an image is \(height, width\)"),
        (np.zeros((2,)), r"shape \(2,\)"),
        (np.zeros((0, 3)), r"shape \(0, 3\)"),
        (np.full((2, 2), 300), r"integers from 300 to 300 \(shape \(2, 2\)\); integer pixels"),
        (np.full((2, 2), 1.5), r"floats from 1\.5 to 1\.5 .*go from 0 to 1"),
        (np.array([[np.nan, 0.0]]), r"NaN refused"),
        (np.array([["a", "b"]]), r"dtype <U1; use uint8"),
        ([[0, 1], [1, 0]], r"cannot save a list; pass a numpy array"),
    ],
)
def test_what_is_no_image_is_refused_and_nothing_is_written(
    store: Store, image: object, match: str
) -> None:
    with sktrack.start_run() as run, pytest.raises(sktrack.InvalidArgumentError, match=match):
        sktrack.log_image(image, "x.png")
    assert sktrack.list_artifacts(run.run_id) == []


def test_another_suffix_is_refused(store: Store) -> None:
    with sktrack.start_run(), pytest.raises(sktrack.InvalidArgumentError, match=r"ends in '.jpg'"):
        sktrack.log_image(np.zeros((2, 2), dtype=np.uint8), "x.jpg")


def test_without_matplotlib_an_array_names_the_extra(tmp_path: object) -> None:
    # a real interpreter in which matplotlib cannot be imported
    code = textwrap.dedent(
        """
        import sys, tempfile
        sys.modules["matplotlib"] = None  # import matplotlib now raises ImportError
        import numpy as np, sktrack
        sktrack.set_store(tempfile.mkdtemp())
        with sktrack.start_run():
            try:
                sktrack.log_image(np.zeros((2, 2), dtype=np.uint8), "x.png")
            except sktrack.InvalidArgumentError as exc:
                print(exc)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'sktrack[plots]'" in out.stdout


def test_the_compatibility_module_logs_images(store: Store) -> None:
    pytest.importorskip("matplotlib")
    import sktrack.mlflow as mlflow

    with mlflow.start_run() as run:
        mlflow.log_image(np.zeros((3, 3, 3), dtype=np.uint8), artifact_file="img/zero.png")
    assert _pixels(store, run.info.run_id, "img/zero.png").shape[:2] == (3, 3)
