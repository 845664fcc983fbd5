"""Signatures: inference, the JSON round-trip, and checking input before predict."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from sktrack._models import (
    ColumnSpec,
    Signature,
    TableSpec,
    TensorSpec,
    infer_signature,
)
from sktrack.exceptions import ExtraColumnsWarning, InvalidArgumentError, SignatureError

# pandas 3 gives text its own dtype, "str", and creates datetimes in microseconds; pandas 2 keeps
# text as object and datetimes in nanoseconds
PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3
STR = "str" if PANDAS_3 else "object (strings)"
UNIT = "us" if PANDAS_3 else "ns"

SUFFIX = ". Pass data with the columns and dtypes the model was trained on."


def problems_of(signature: Signature, X: object) -> list[str]:
    with pytest.raises(SignatureError) as caught:
        signature.check(X)
    return caught.value.problems


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "i": np.array([1, 2, 3], dtype="int64"),
            "f": [1.5, np.nan, 3.0],
            "b": [True, False, True],
            "I": pd.array([1, None, 3], dtype="Int64"),
            "B": pd.array([True, False, True], dtype="boolean"),
            "s": pd.Series(["a", None, "c"], dtype="str"),
            "o": pd.Series(["x", "y", "z"], dtype=object),
            "c": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "mid", "hi"], ordered=True),
            "t": pd.date_range("2024-01-01", periods=3, tz="Europe/Paris", unit="ns"),
            "m": pd.Series([1, "two", None], dtype=object),
        }
    )


# --- inference ------------------------------------------------------------------------------


def test_infer_records_each_column(frame: pd.DataFrame) -> None:
    assert infer_signature(frame).to_rows() == [
        ("i", "int64", False),
        ("f", "float64", True),
        ("b", "bool", False),
        ("I", "Int64", True),
        ("B", "boolean", False),
        ("s", STR, True),
        ("o", "object (strings)", False),
        ("c", "ordered category ('lo', 'mid', 'hi')", False),
        ("t", "datetime64[ns, Europe/Paris]", False),
        ("m", "object", True),
    ]


def test_infer_logical_types(frame: pd.DataFrame) -> None:
    spec = infer_signature(frame).inputs
    assert isinstance(spec, TableSpec)
    assert [c.type for c in spec.columns] == [
        "integer",
        "float",
        "boolean",
        "integer",
        "boolean",
        "string",
        "string",
        "category",
        "datetime",
        "object",
    ]


def test_infer_numpy_sparse_series_and_list() -> None:
    assert infer_signature(np.zeros((5, 3), dtype=np.float32)).inputs == TensorSpec(
        "float32", (-1, 3)
    )
    assert infer_signature(np.zeros((5, 3, 2))).inputs == TensorSpec("float64", (-1, 3, 2))
    assert infer_signature(sparse.random(4, 6, format="csc")).inputs == TensorSpec(
        "float64", (-1, 6), format="csc"
    )
    assert infer_signature([[1, 2], [3, 4]]).inputs == TensorSpec("int64", (-1, 2))
    series = infer_signature(pd.Series([1.0, 2.0], name="x")).inputs
    assert series == TableSpec((ColumnSpec("x", "float", "float64"),), series=True)


def test_infer_outputs() -> None:
    signature = infer_signature(np.zeros((4, 2)), np.array([0, 1, 1, 0]))
    assert signature.outputs == TensorSpec("int64", (-1,))
    assert signature.to_rows("outputs") == [("(array)", "int64 (-1,)", False)]
    assert infer_signature(np.zeros((4, 2))).to_rows("outputs") == []


def test_str_renders_inputs_and_outputs() -> None:
    signature = infer_signature(
        pd.DataFrame({"age": [30, 40], "city": pd.Categorical(["NY", None])}),
        pd.Series([1.0, 2.0], name="price"),
    )
    assert str(signature) == (
        "inputs:\n  age: int64\n  city: category ('NY'), nullable\noutputs:\n  price: float64"
    )


def test_infer_refuses_duplicate_and_unstorable_names() -> None:
    duplicated = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(InvalidArgumentError) as caught:
        infer_signature(duplicated)
    assert str(caught.value) == (
        "cannot record a signature for a DataFrame with duplicate column names ('a'): "
        "rename the columns so each name appears once"
    )
    with pytest.raises(InvalidArgumentError) as caught:
        infer_signature(pd.DataFrame({("a", "b"): [1]}))
    assert str(caught.value) == (
        "cannot record column name ('a', 'b') (a tuple) in a signature: only str or int "
        "column names can be stored. Rename the columns."
    )


def test_infer_refuses_a_scalar() -> None:
    with pytest.raises(InvalidArgumentError, match=r"cannot record a signature for a scalar"):
        infer_signature(3.0)


# --- JSON -----------------------------------------------------------------------------------


def test_json_round_trip_keeps_everything(frame: pd.DataFrame) -> None:
    signature = infer_signature(frame, pd.Series([0.1, 0.2, 0.3], name="y"))
    restored = Signature.from_json(signature.to_json())
    assert restored == signature
    columns = {c.name: c for c in restored.inputs.columns}  # type: ignore[union-attr]
    assert columns["c"].categories == ("lo", "mid", "hi")
    assert columns["c"].ordered is True
    assert columns["f"].nullable is True
    assert columns["t"].pandas_dtype == pd.DatetimeTZDtype("ns", "Europe/Paris")
    assert restored.check(frame).dtypes.tolist() == frame.dtypes.tolist()


def test_json_has_version_and_plain_fields() -> None:
    signature = infer_signature(pd.DataFrame({"c": pd.Categorical([2, 1], categories=[1, 2])}))
    assert json.loads(signature.to_json()) == {
        "version": 1,
        "inputs": {
            "kind": "table",
            "series": False,
            "columns": [
                {
                    "name": "c",
                    "type": "category",
                    "dtype": "category",
                    "nullable": False,
                    "categories": [1, 2],
                    "categories_dtype": "int64",
                    "ordered": False,
                }
            ],
        },
        "outputs": None,
    }


def test_json_keeps_level_types_apart() -> None:
    ints = infer_signature(pd.DataFrame({"c": pd.Categorical([1, 2])}))
    texts = infer_signature(pd.DataFrame({"c": pd.Categorical(["1", "2"])}))
    assert Signature.from_json(ints.to_json()) != Signature.from_json(texts.to_json())
    days = pd.Categorical(pd.to_datetime(["2024-01-01", "2024-02-01"]))
    signature = infer_signature(pd.DataFrame({"d": days}))
    restored = Signature.from_json(signature.to_json())
    assert restored == signature
    assert restored.inputs.columns[0].pandas_dtype == pd.Series(days).dtype  # type: ignore[union-attr]


def test_json_round_trip_tensor_and_sparse() -> None:
    for signature in (
        infer_signature(np.zeros((3, 4), dtype=np.float32), np.zeros(3)),
        infer_signature(sparse.random(3, 9, format="csr")),
    ):
        assert Signature.from_dict(json.loads(signature.to_json())) == signature


@pytest.mark.parametrize("version", [None, 2, "1"])
def test_from_dict_refuses_unknown_versions(version: object) -> None:
    data = infer_signature(np.zeros((2, 2))).to_dict() | {"version": version}
    with pytest.raises(InvalidArgumentError) as caught:
        Signature.from_dict(data)
    assert str(caught.value) == (
        f"cannot read a signature with format version {version!r}: this sktrack reads "
        "versions [1]. Upgrade sktrack to read signatures written by a newer one."
    )


def test_from_dict_refuses_malformed() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        Signature.from_dict({"version": 1, "inputs": {"kind": "table"}})
    assert str(caught.value) == (
        "malformed signature (version 1): KeyError('columns'). It should be the output of "
        "Signature.to_dict(); infer a new one with infer_signature()."
    )


# --- checking tables: safe casts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("trained", "received"),
    [
        (pd.Series([1.0, 2.0]), pd.Series([1, 2], dtype="int64")),
        (pd.Series([1.0, 2.0]), pd.Series([1.0, 2.0], dtype="float32")),
        (pd.Series([1, 2], dtype="int64"), pd.Series([1, 2], dtype="int8")),
        (pd.Series([1, 2], dtype="int64"), pd.Series([1, 2], dtype="int32")),
        (pd.Series([1, 2], dtype="int64"), pd.Series([1, 2], dtype="uint16")),
        (pd.Series([1, 2], dtype="int64"), pd.Series([1, 2], dtype="Int64")),
        (pd.Series([1, None], dtype="Int64"), pd.Series([1, 2], dtype="int32")),
        (pd.Series([1.0, 2.0]), pd.Series([1, None], dtype="Int64")),
        (pd.Series([True, False]), pd.Series([True, False], dtype="boolean")),
        (pd.Series([True, None], dtype="boolean"), pd.Series([True, False])),
        (pd.Series(["a", "b"], dtype=object), pd.Series(["a", "b"], dtype="str")),
        (pd.Series(["a", "b"], dtype="str"), pd.Series(["a", None], dtype=object)),
        (pd.Series(["a", "b"], dtype="str"), pd.Series([None, None], dtype=object)),
        (pd.Series(["a", "b"], dtype="str"), pd.Series(["a", "b"], dtype="category")),
        (pd.Series(["a", "b"], dtype="category"), pd.Series(["b", "b"], dtype="category")),
        (pd.Series(["a", "b"], dtype="category"), pd.Series(["b", "a"], dtype="str")),
        (
            pd.Series(pd.date_range("2024", periods=2, unit="ns")),
            pd.Series(pd.date_range("2024", periods=2, unit="s")),
        ),
        (
            pd.Series(pd.date_range("2024", periods=2, tz="UTC")),
            pd.Series(pd.date_range("2024", periods=2, tz="Asia/Tokyo")),
        ),
        (pd.Series(pd.to_timedelta([1, 2], unit="s")), pd.Series(pd.to_timedelta([3], "ms"))),
        (pd.Series([1, "a"], dtype=object), pd.Series([1.5, 2.5])),
    ],
    ids=lambda s: str(s.dtype),
)
def test_safe_casts_pass_and_are_applied(trained: pd.Series, received: pd.Series) -> None:
    signature = infer_signature(trained.to_frame("x"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = signature.check(received.to_frame("x"))
    assert out["x"].dtype == trained.dtype
    assert out["x"].astype(object).where(out["x"].notna(), None).tolist() == (
        received.astype(out["x"].dtype).astype(object).where(received.notna(), None).tolist()
    )


def test_bool_stays_bool() -> None:
    signature = infer_signature(pd.DataFrame({"b": [True, False]}))
    received = pd.DataFrame({"b": [False, True]})
    assert signature.check(received) is received


def test_matching_input_is_returned_as_is(frame: pd.DataFrame) -> None:
    assert infer_signature(frame).check(frame) is frame


def test_casting_never_modifies_the_callers_frame() -> None:
    signature = infer_signature(pd.DataFrame({"x": [1.0], "y": [2.0]}))
    received = pd.DataFrame({"x": np.array([1], dtype="int64"), "y": [2.0]})
    out = signature.check(received)
    assert out["x"].dtype == np.float64
    assert received["x"].dtype == np.int64


# --- checking tables: what is refused --------------------------------------------------------


@pytest.mark.parametrize(
    ("trained", "received", "problem"),
    [
        (
            pd.Series([1, 2], dtype="int64"),
            pd.Series([1.0, 2.0]),
            "column 'x': expected int64, got float64",
        ),
        (
            pd.Series([1, 2], dtype="int32"),
            pd.Series([1, 2], dtype="int64"),
            "column 'x': expected int32, got int64",
        ),
        (
            pd.Series([1.0], dtype="float32"),
            pd.Series([1.0], dtype="float64"),
            "column 'x': expected float32, got float64",
        ),
        (
            pd.Series([1, 2], dtype="int64"),
            pd.Series([True, False]),
            "column 'x': expected int64, got bool",
        ),
        (
            pd.Series([1.0, 2.0]),
            pd.Series([True, False]),
            "column 'x': expected float64, got bool",
        ),
        (
            pd.Series([True, False]),
            pd.Series([1, 0]),
            "column 'x': expected bool, got int64",
        ),
        (
            pd.Series([1.0, 2.0]),
            pd.Series(["1", "2"], dtype="str"),
            f"column 'x': expected float64, got {STR}",
        ),
        (
            pd.Series(["a", "b"], dtype=object),
            pd.Series([1, 2], dtype=object),
            "column 'x': expected object (strings), got object (integer values)",
        ),
        (
            pd.Series(["a", "b"], dtype="str"),
            pd.Series([1, 2]),
            f"column 'x': expected {STR}, got int64",
        ),
        (
            pd.Series(pd.date_range("2024", periods=2, tz="UTC")),
            pd.Series(pd.date_range("2024", periods=2)),
            f"column 'x': expected datetime64[{UNIT}, UTC], got datetime64[{UNIT}]",
        ),
        (
            pd.Series(pd.date_range("2024", periods=2)),
            pd.Series(["2024-01-01", "2024-01-02"], dtype="str"),
            f"column 'x': expected datetime64[{UNIT}], got {STR}",
        ),
        (
            pd.Series([1, 2], dtype="int64"),
            pd.Series([1, None], dtype="Int64"),
            "column 'x': expected int64 without nulls, got 1 null",
        ),
        (
            pd.Series([True, False], dtype="boolean"),
            pd.Series([None, None], dtype="boolean"),
            "column 'x': expected boolean without nulls, got 2 nulls",
        ),
        (
            pd.Series(["NY", "SF"], dtype="category"),
            pd.Series(["NY", "LA", "TX", "LA"], dtype="category"),
            "column 'x': unknown category level(s) 'LA', 'TX' (known: 'NY', 'SF')",
        ),
        (
            pd.Series(["NY", "SF"], dtype="category"),
            pd.Series(["NY", "LA", None], dtype="str"),
            "column 'x': unknown category level(s) 'LA' (known: 'NY', 'SF')",
        ),
        (
            pd.Series([1, 2], dtype="category"),
            pd.Series(["1"], dtype="str"),
            "column 'x': unknown category level(s) '1' (known: 1, 2)",
        ),
        (
            pd.Series([1 + 1j]),
            pd.Series([1.0]),
            "column 'x': expected complex128, got float64",
        ),
    ],
    ids=lambda v: str(getattr(v, "dtype", v))[:40],
)
def test_unsafe_changes_raise_naming_the_column(
    trained: pd.Series, received: pd.Series, problem: str
) -> None:
    signature = infer_signature(trained.to_frame("x"))
    with pytest.raises(SignatureError) as caught:
        signature.check(received.to_frame("x"))
    assert caught.value.problems == [problem]
    assert str(caught.value) == f"input does not match the model's signature: {problem}{SUFFIX}"


def test_every_problem_is_named_at_once(frame: pd.DataFrame) -> None:
    bad = frame.drop(columns=["b", "s"]).assign(i=frame["i"].astype(float), c=["lo", "max", "lo"])
    assert problems_of(infer_signature(frame), bad) == [
        "column 'i': expected int64, got float64",
        "missing column 'b' (bool)",
        f"missing column 's' ({STR})",
        "column 'c': unknown category level(s) 'max' (known: 'lo', 'mid', 'hi')",
    ]


def test_many_levels_are_listed_briefly() -> None:
    signature = infer_signature(pd.DataFrame({"c": pd.Categorical(list("abcdefghijkl"))}))
    assert problems_of(signature, pd.DataFrame({"c": ["z"]})) == [
        "column 'c': unknown category level(s) 'z' (known: 'a', 'b', 'c', 'd', 'e', 'f', 'g', "
        "'h', 'i', 'j', ... (2 more))"
    ]


def test_duplicate_input_columns_are_refused() -> None:
    signature = infer_signature(pd.DataFrame({"a": [1], "b": [2]}))
    received = pd.DataFrame([[1, 2, 3]], columns=["a", "a", "b"])
    assert problems_of(signature, received) == ["column 'a' appears 2 times"]


def test_nulls_in_non_integer_columns_pass() -> None:
    signature = infer_signature(
        pd.DataFrame({"f": [1.0], "s": ["a"], "t": pd.to_datetime(["2024-01-01"])})
    )
    received = pd.DataFrame({"f": [np.nan], "s": [None], "t": pd.to_datetime([None])})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = signature.check(received)
    assert out.isna().all().all()


def test_nullable_integer_column_takes_nulls() -> None:
    signature = infer_signature(pd.DataFrame({"n": pd.array([1, None], dtype="Int64")}))
    out = signature.check(pd.DataFrame({"n": pd.array([None, 4], dtype="Int16")}))
    assert out["n"].dtype == "Int64"
    assert out["n"].isna().tolist() == [True, False]


def test_unknown_levels_unused_by_the_rows_pass() -> None:
    signature = infer_signature(pd.DataFrame({"c": pd.Categorical(["a", "b"])}))
    received = pd.DataFrame({"c": pd.Categorical(["b"], categories=["b", "zz"])})
    out = signature.check(received)
    assert out["c"].dtype == pd.CategoricalDtype(["a", "b"])
    assert out["c"].tolist() == ["b"]


# --- extra columns and order ----------------------------------------------------------------


def test_extra_columns_warn_and_are_dropped() -> None:
    signature = infer_signature(pd.DataFrame({"a": [1], "b": [2.0]}))
    received = pd.DataFrame({"z": [0], "b": [3.0], "a": [4], "y": ["?"]})
    with pytest.warns(ExtraColumnsWarning) as record:
        out = signature.check(received)
    assert [str(w.message) for w in record] == [
        "input columns not in the model's signature are dropped: 'z', 'y'"
    ]
    assert list(out.columns) == ["a", "b"]
    assert out.to_dict("list") == {"a": [4], "b": [3.0]}


def test_columns_are_reordered() -> None:
    signature = infer_signature(pd.DataFrame({"a": [1], "b": [2.0], "c": ["x"]}))
    out = signature.check(pd.DataFrame({"c": ["y"], "a": [5], "b": [6.0]}, index=[7]))
    assert list(out.columns) == ["a", "b", "c"]
    assert out.index.tolist() == [7]


def test_integer_column_names() -> None:
    X = pd.DataFrame(np.zeros((2, 3)))
    signature = Signature.from_json(infer_signature(X).to_json())
    assert signature.input_names == [0, 1, 2]
    assert signature.check(X[[2, 0, 1]]).columns.tolist() == [0, 1, 2]


# --- tables given other things --------------------------------------------------------------


def test_table_signature_refuses_an_array() -> None:
    signature = infer_signature(pd.DataFrame({"a": [1.0], "b": [2.0]}))
    assert problems_of(signature, np.zeros((3, 2))) == [
        "expected a DataFrame with columns 'a', 'b', got a numpy array of shape (3, 2); "
        "build one with pd.DataFrame(X, columns=signature.input_names)"
    ]
    assert problems_of(signature, sparse.csr_matrix(np.zeros((3, 2)))) == [
        "expected a DataFrame with columns 'a', 'b', got a sparse csr matrix of shape (3, 2); "
        "build one with pd.DataFrame(X, columns=signature.input_names)"
    ]
    assert problems_of(signature, [[1.0, 2.0]]) == [
        "expected a DataFrame with columns 'a', 'b', got a list; "
        "build one with pd.DataFrame(X, columns=signature.input_names)"
    ]


def test_series_signature_takes_a_series_list_or_frame() -> None:
    signature = infer_signature(pd.Series(["good movie", "bad plot"], name="text"))
    from_list = signature.check(["fine", "dull"])
    assert isinstance(from_list, pd.Series)
    assert (from_list.name, from_list.tolist()) == ("text", ["fine", "dull"])
    renamed = signature.check(pd.Series(["ok"], name="review"))
    assert (renamed.name, renamed.tolist()) == ("text", ["ok"])
    with pytest.warns(ExtraColumnsWarning):
        from_frame = signature.check(pd.DataFrame({"text": ["meh"], "id": [3]}))
    assert isinstance(from_frame, pd.Series)
    assert from_frame.tolist() == ["meh"]


def test_one_column_table_takes_a_named_series() -> None:
    signature = infer_signature(pd.DataFrame({"x": [1.0, 2.0]}))
    out = signature.check(pd.Series([3, 4], name="x"))
    assert isinstance(out, pd.DataFrame)
    assert out["x"].tolist() == [3.0, 4.0]


# --- arrays and sparse matrices -------------------------------------------------------------


def test_array_of_the_same_kind_passes_unchanged() -> None:
    signature = infer_signature(np.zeros((4, 3)))
    for received in (np.ones((2, 3), dtype=np.float32), np.ones((2, 3), dtype=np.int8)):
        assert signature.check(received) is received


def test_array_list_is_converted() -> None:
    out = infer_signature(np.zeros((4, 2))).check([[1.0, 2.0]])
    assert isinstance(out, np.ndarray)
    assert out.tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize(
    ("trained", "received", "problems"),
    [
        (
            np.zeros((4, 3)),
            np.zeros((2, 5)),
            ["expected 3 features (shape (-1, 3)), got 5 (shape (2, 5))"],
        ),
        (np.zeros((4, 3)), np.zeros(3), ["expected an array of shape (-1, 3), got shape (3,)"]),
        (
            np.zeros((4, 3, 2)),
            np.zeros((4, 3, 5)),
            ["expected an array of shape (-1, 3, 2), got shape (4, 3, 5)"],
        ),
        (np.zeros((4, 3), dtype=int), np.zeros((2, 3)), ["expected dtype int64, got float64"]),
        (np.zeros((4, 3)), np.zeros((2, 3), dtype=bool), ["expected dtype float64, got bool"]),
        (
            np.zeros((4, 3)),
            np.zeros((2, 4), dtype=complex),
            [
                "expected 3 features (shape (-1, 3)), got 4 (shape (2, 4))",
                "expected dtype float64, got complex128",
            ],
        ),
        (
            np.array(["a", "b"]),
            np.array([1, "x"], dtype=object),
            ["expected dtype <U1, got an object array holding non-strings"],
        ),
    ],
    ids=str,
)
def test_array_problems(trained: np.ndarray, received: np.ndarray, problems: list[str]) -> None:
    assert problems_of(infer_signature(trained), received) == problems


def test_string_array_signature_takes_strings_of_any_length() -> None:
    signature = infer_signature(np.array(["a", "b"]))
    assert signature.check(["a much longer text"]).tolist() == ["a much longer text"]
    objects = np.array(["x", "y"], dtype=object)
    assert signature.check(objects) is objects


def test_object_array_signature_takes_anything() -> None:
    signature = infer_signature(np.array([[1, "a"]], dtype=object))
    assert signature.check(np.zeros((1, 2))).shape == (1, 2)


def test_dataframe_given_to_an_array_signature_becomes_its_values() -> None:
    signature = infer_signature(np.zeros((4, 2)))
    out = signature.check(pd.DataFrame({"p": [1.0], "q": [2]}))
    assert isinstance(out, np.ndarray)
    assert out.tolist() == [[1.0, 2.0]]
    assert problems_of(signature, pd.DataFrame({"p": [1.0], "q": ["x"]})) == [
        "expected dtype float64, got object"
    ]


def test_dense_signature_refuses_sparse() -> None:
    signature = infer_signature(np.zeros((4, 3)))
    assert problems_of(signature, sparse.csr_matrix(np.zeros((2, 3)))) == [
        "expected a dense array float64 (-1, 3), got a sparse csr matrix; "
        "convert it with X.toarray()"
    ]


def test_sparse_signature_takes_any_format_and_dense() -> None:
    signature = infer_signature(sparse.random(5, 4, format="csr"))
    csc = sparse.random(2, 4, format="csc")
    assert signature.check(csc) is csc
    dense = np.zeros((2, 4))
    assert signature.check(dense) is dense
    assert problems_of(signature, sparse.random(2, 6, format="csr")) == [
        "expected 4 features (shape (-1, 4)), got 6 (shape (2, 6))"
    ]
    assert signature.to_rows() == [("(csr matrix)", "float64 (-1, 4)", False)]


def test_check_is_vectorised_on_a_large_frame() -> None:
    # Safe casts on a million rows go through pandas, never a Python loop per row: this
    # finishes in well under a second; a per-row loop would take many.
    n = 1_000_000
    signature = infer_signature(
        pd.DataFrame({"x": [1.0], "c": pd.Categorical(["a"], categories=["a", "b"])})
    )
    received = pd.DataFrame({"c": np.where(np.arange(n) % 2, "a", "b"), "x": np.arange(n)})
    out = signature.check(received)
    assert out["x"].dtype == np.float64
    assert out["c"].value_counts().to_dict() == {"a": n // 2, "b": n // 2}


def test_ragged_lists_are_recorded_as_objects() -> None:
    signature = infer_signature([["good", "movie"], ["bad"]])
    assert signature.inputs == TensorSpec("object", (-1,))
