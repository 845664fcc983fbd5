"""Dataset fingerprints: descriptions, and a hash that sees every cell and nothing else."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from sktrack._sklearn import _dataset, dataset_fingerprint

# pandas 3 gives text its own dtype, "str", and times in microseconds; pandas 2 keeps text as
# object and times in nanoseconds
PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3
STR = "str" if PANDAS_3 else "object"
UNIT = "us" if PANDAS_3 else "ns"


def digest(X: object, y: object = None) -> str:
    return dataset_fingerprint(X, y)["hash"]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "f": [1.5, np.nan, -0.25],
            "i": np.array([1, 2, 3], dtype="int64"),
            "b": [True, False, True],
            "I": pd.array([1, None, 3], dtype="Int64"),
            "s": pd.Series(["a", None, "ccc"], dtype="str"),
            "o": pd.Series(["x", "", None], dtype=object),
            "m": pd.Series([1, "two", 3.0], dtype=object),
            "c": pd.Categorical(["lo", "hi", "lo"]),
            "t": pd.date_range("2024-01-01", periods=3, tz="Europe/Paris"),
            "d": pd.to_timedelta([1, 2, 3], unit="s"),
        }
    )


# --- descriptions ---------------------------------------------------------------------------


def test_describes_a_frame_and_its_target(frame: pd.DataFrame) -> None:
    fingerprint = dataset_fingerprint(frame, pd.Series([0, 1, 0], name="label"))
    assert fingerprint == {
        "kind": "dataframe",
        "shape": [3, 10],
        "columns": ["f", "i", "b", "I", "s", "o", "m", "c", "t", "d"],
        "dtypes": [
            "float64",
            "int64",
            "bool",
            "Int64",
            STR,
            "object",
            "object",
            "category",
            f"datetime64[{UNIT}, Europe/Paris]",
            f"timedelta64[{UNIT}]",
        ],
        "y": {"kind": "series", "shape": [3], "columns": ["label"], "dtypes": ["int64"]},
        "hash": fingerprint["hash"],
        "hash_version": 1,
    }
    assert len(fingerprint["hash"]) == 64
    int(fingerprint["hash"], 16)


def test_describes_arrays_sparse_and_lists() -> None:
    array = dataset_fingerprint(np.zeros((4, 2), dtype=np.float32))
    assert {k: v for k, v in array.items() if k != "hash"} == {
        "kind": "ndarray",
        "shape": [4, 2],
        "columns": None,
        "dtypes": ["float32"],
        "y": None,
        "hash_version": 1,
    }
    matrix = dataset_fingerprint(sparse.random(5, 3, density=0.5, format="coo"))
    assert (matrix["kind"], matrix["format"], matrix["shape"]) == ("sparse", "coo", [5, 3])
    assert dataset_fingerprint([[1, 2], [3, 4]])["dtypes"] == ["int64"]


# --- same data, same hash -------------------------------------------------------------------


def test_same_data_same_hash(frame: pd.DataFrame) -> None:
    assert digest(frame) == digest(frame.copy(deep=True))
    rebuilt = pd.DataFrame({name: column.copy() for name, column in frame.items()})
    assert digest(frame) == digest(rebuilt)


def test_the_index_is_not_data(frame: pd.DataFrame) -> None:
    assert digest(frame) == digest(frame.set_axis([10, 20, 30]))


def test_memory_layout_does_not_matter() -> None:
    values = np.random.RandomState(0).rand(50, 7)
    fortran = np.asfortranarray(values)
    strided = np.random.RandomState(0).rand(100, 7)[::2]
    assert digest(values) == digest(fortran)
    assert digest(strided) == digest(np.ascontiguousarray(strided))
    assert digest(pd.DataFrame(values)) == digest(pd.DataFrame(fortran))


def test_chunked_hashing_of_non_contiguous_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    values = np.random.RandomState(0).rand(100, 3)
    expected = digest(values)
    monkeypatch.setattr(_dataset, "_CHUNK_BYTES", 50)  # two rows per chunk
    assert digest(np.asfortranarray(values)) == expected


def test_string_storage_does_not_matter_within_a_dtype() -> None:
    texts = ["a", "bb", None, "ccc"]
    sliced = pd.Series(["zz", *texts], dtype="str").iloc[1:].reset_index(drop=True)
    assert digest(pd.Series(texts, dtype="str")) == digest(sliced)


def test_sparse_canonical_form() -> None:
    dense = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]])
    canonical = sparse.csr_matrix(dense)
    duplicated = sparse.csr_matrix(
        (np.array([2.0, 0.5, 0.5, 3.0]), np.array([1, 0, 0, 2]), np.array([0, 1, 4])),
        shape=(2, 3),
    )
    assert not duplicated.has_canonical_format
    assert digest(canonical) == digest(duplicated)
    assert duplicated.nnz == 4  # the caller's matrix is left as it was
    wide = canonical.copy()
    wide.indices = wide.indices.astype(np.int64)
    wide.indptr = wide.indptr.astype(np.int64)
    assert digest(canonical) == digest(wide)
    assert digest(sparse.coo_matrix(dense)) == digest(sparse.coo_matrix(dense))


# --- any change, another hash ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("f", 1.5000001),
        ("f", -0.0),
        ("i", 4),
        ("b", False),
        ("I", 0),
        ("s", ""),
        ("o", "y"),
        ("o", "None"),
        ("m", "1"),
        ("c", "hi"),
        ("t", pd.Timestamp("2024-01-01 00:00:01", tz="Europe/Paris")),
        ("d", pd.Timedelta(seconds=9)),
    ],
)
def test_any_changed_cell_changes_the_hash(frame: pd.DataFrame, column: str, value: object) -> None:
    changed = frame.copy()
    row = 1 if column in ("f", "I", "s") else 0  # replace a null, or a value
    changed.loc[row, column] = value
    assert changed.dtypes.equals(frame.dtypes)
    assert digest(changed) != digest(frame)


def test_nulls_differ_from_empty_strings_and_nan_text() -> None:
    hashes = {
        digest(pd.Series(values, dtype=object))
        for values in ([None, "a"], ["", "a"], ["None", "a"], ["nan", "a"])
    }
    assert len(hashes) == 4


def test_string_boundaries_are_hashed() -> None:
    assert digest(pd.Series(["ab", "c"], dtype="str")) != digest(
        pd.Series(["a", "bc"], dtype="str")
    )
    assert digest(np.array(["ab", "c"])) != digest(np.array(["a", "bc"]))


def test_column_order_names_and_dtypes_matter(frame: pd.DataFrame) -> None:
    base = digest(frame)
    assert digest(frame[list(reversed(frame.columns))]) != base
    assert digest(frame.rename(columns={"f": "g"})) != base
    assert digest(frame.astype({"i": "int32"})) != base
    assert digest(frame.astype({"s": "string"})) != base
    if PANDAS_3:  # pandas 2 has no text dtype besides object and "string"
        assert digest(frame.astype({"s": object})) != base
    assert digest(frame.iloc[:2]) != base


def test_category_levels_are_part_of_the_data() -> None:
    values = ["a", "b", "a"]
    assert digest(pd.Series(pd.Categorical(values, categories=["a", "b"]))) != digest(
        pd.Series(pd.Categorical(values, categories=["b", "a"]))
    )


def test_y_is_hashed_and_kept_apart_from_X(frame: pd.DataFrame) -> None:
    y = pd.Series([0, 1, 0])
    assert digest(frame, y) == digest(frame.copy(), y.copy())
    assert digest(frame, y) != digest(frame)
    assert digest(frame, y) != digest(frame, pd.Series([0, 1, 1]))
    with_target = frame.assign(y=y)
    assert digest(with_target) != digest(frame, y.rename("y"))


def test_arrays_of_every_kind_change_with_a_cell() -> None:
    arrays = [
        np.arange(6, dtype=np.int16).reshape(3, 2),
        np.array([["a", "b"], ["c", "d"]]),
        np.array([[1, "x"], [None, 2.5]], dtype=object),
        np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]"),
        np.array([True, False]),
    ]
    for array in arrays:
        changed = array.copy()
        changed.flat[-1] = array.flat[0]
        assert digest(changed) != digest(array), array.dtype


def test_sparse_changes() -> None:
    matrix = sparse.random(20, 10, density=0.3, format="csr", random_state=0)
    changed = matrix.copy()
    changed.data[3] += 1.0
    assert digest(changed) != digest(matrix)
    assert digest(matrix.tocsc()) != digest(matrix)  # the format is recorded
    moved = matrix.copy()
    moved.indices[0] = (moved.indices[0] + 1) % 10
    moved.sort_indices()
    assert digest(moved) != digest(matrix)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(allow_nan=False), min_size=1, max_size=30),
    st.lists(st.text(max_size=5), min_size=1, max_size=30),
    st.data(),
)
def test_property_any_changed_cell(
    numbers: list[float], texts: list[str], data: st.DataObject
) -> None:
    n = min(len(numbers), len(texts))
    frame = pd.DataFrame({"x": numbers[:n], "s": pd.Series(texts[:n], dtype=object)})
    row = data.draw(st.integers(0, n - 1))
    changed = frame.copy()
    if data.draw(st.booleans()):
        new = data.draw(st.floats(allow_nan=False).filter(lambda v: v != frame.at[row, "x"]))
        changed.loc[row, "x"] = new
    else:
        new_text = data.draw(st.text(max_size=5).filter(lambda v: v != frame.at[row, "s"]))
        changed.loc[row, "s"] = new_text
    assert digest(frame) == digest(frame.copy())
    if changed.equals(frame):  # 0.0 vs -0.0 compare equal but are other bytes
        return
    assert digest(changed) != digest(frame)


def test_texts_and_ragged_lists() -> None:
    texts = ["good movie", "bad plot"]
    assert digest(texts) == digest(np.array(texts))
    assert digest(texts) != digest(["good movie", "bad plots"])
    tokens = [["good", "movie"], ["bad"]]
    assert dataset_fingerprint(tokens)["dtypes"] == ["object"]
    assert digest(tokens) != digest([["good", "movie"], ["sad"]])
