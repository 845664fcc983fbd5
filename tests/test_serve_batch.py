"""`sktrack predict` and `predict_file`: real Parquet and CSV files scored in chunks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

import sktrack
from sktrack._cli import main
from sktrack._serve import predict_file
from sktrack.exceptions import InvalidArgumentError, SignatureError


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    frame.insert(0, "id", np.arange(n, dtype="int64"))
    return frame


@pytest.fixture
def ridge(store: sktrack._store.Store) -> Ridge:
    X = _frame(200)[["a", "b", "c"]]
    model = Ridge().fit(X, X.a - 2 * X.c)
    sktrack.log_model(model, signature=sktrack.infer_signature(X), registered_model_name="ridge")
    sktrack.registry.set_alias("ridge", "champion", 1)
    return model


def test_a_parquet_file_is_scored_in_chunks_with_progress(
    ridge: Ridge, store: sktrack._store.Store, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _frame(1000)
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pandas(data), source, row_group_size=300)
    output = tmp_path / "out.parquet"
    status = main(
        ["--store", str(store.location), "predict", "models:/ridge@champion", "--input",
         str(source), "--output", str(output), "--chunk-rows", "128", "--keep", "id"]
    )  # fmt: skip
    assert status == 0
    out, err = capsys.readouterr()
    assert "1000 rows scored by models:/ridge@champion (version 1)" in out
    assert err.splitlines()[-1] == "scored 1000 rows of 1000 (100%)"
    assert len(err.splitlines()) > 4  # one line per chunk
    scored = pd.read_parquet(output)
    assert list(scored.columns) == ["id", "prediction"]
    assert scored["id"].tolist() == list(range(1000))
    assert np.allclose(scored["prediction"], ridge.predict(data[["a", "b", "c"]]))
    chunks = pq.ParquetFile(output).metadata.num_row_groups
    assert chunks > 4  # written chunk by chunk, never as one table


def test_a_csv_file_is_scored_and_columns_are_read_in_the_signature_s_types(
    ridge: Ridge, tmp_path
) -> None:
    data = _frame(50)
    data["a"] = data["a"].round().astype("int64")  # integers in a float column: a safe cast
    source = tmp_path / "in.csv"
    data.to_csv(source, index=False)
    result = predict_file("models:/ridge/1", source, tmp_path / "out.parquet", chunk_rows=7)
    assert (result.rows, result.chunks, result.version) == (50, 8, 1)
    expected = ridge.predict(data[["a", "b", "c"]].astype("float64"))
    assert np.allclose(pd.read_parquet(tmp_path / "out.parquet")["prediction"], expected)


def test_a_file_that_breaks_the_signature_names_the_column_and_writes_nothing(
    ridge: Ridge, tmp_path
) -> None:
    data = _frame(300).drop(columns="b")
    source = tmp_path / "in.parquet"
    data.to_parquet(source)
    output = tmp_path / "out.parquet"
    with pytest.raises(SignatureError) as caught:
        predict_file("models:/ridge/1", source, output, chunk_rows=100)
    assert caught.value.problems == ["rows 0-99: missing column 'b' (float64)"]
    assert sorted(p.name for p in tmp_path.glob("*.parquet*")) == ["in.parquet"]  # no partial


def test_predict_proba_writes_one_column_per_class(store: sktrack._store.Store, tmp_path) -> None:
    X = _frame(80)[["a", "b"]]
    labels = np.where(X.a > 0, "up", "down")
    model = LogisticRegression().fit(X, labels)
    info = sktrack.log_model(model, signature=sktrack.infer_signature(X))
    X.to_parquet(tmp_path / "in.parquet")
    predict_file(
        info.model_uri, tmp_path / "in.parquet", tmp_path / "out.parquet", method="predict_proba"
    )
    scored = pd.read_parquet(tmp_path / "out.parquet")
    assert list(scored.columns) == ["prediction_down", "prediction_up"]
    assert np.allclose(scored.to_numpy(), model.predict_proba(X))


def test_refusals_name_the_fix(ridge: Ridge, tmp_path) -> None:
    (tmp_path / "in.json").write_text("{}")
    with pytest.raises(InvalidArgumentError, match=r"neither \.parquet nor \.csv"):
        predict_file("models:/ridge/1", tmp_path / "in.json", tmp_path / "o.parquet")
    with pytest.raises(InvalidArgumentError, match="has no predict_proba; it answers predict"):
        predict_file(
            "models:/ridge/1", tmp_path / "in.json", tmp_path / "o.parquet", method="predict_proba"
        )
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        predict_file("models:/ridge/1", tmp_path / "missing.csv", tmp_path / "o.parquet")
