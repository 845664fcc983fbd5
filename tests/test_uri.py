"""Model URIs: every form parses into its typed value; malformed ones and bad names raise."""

from __future__ import annotations

import pathlib

import pytest

import sktrack
from sktrack._models import resolve_model_uri
from sktrack._models._uri import (
    AliasURI,
    FolderURI,
    LatestURI,
    RunModelURI,
    StageURI,
    VersionURI,
    check_name,
    parse_model_uri,
    parse_stage,
)
from sktrack._store import Stage
from sktrack.exceptions import (
    ArtifactNotFoundError,
    InvalidArgumentError,
    InvalidURIError,
    RunNotFoundError,
)

FORMS = "Accepted forms: runs:/<run_id>/<name>, models:/<name>/<version|stage|latest>, models:/<name>@<alias>, or a model folder path."


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("runs:/abc123/model", RunModelURI("abc123", "model")),
        ("models:/prices/3", VersionURI("prices", 3)),
        ("models:/prices/Staging", StageURI("prices", Stage.STAGING)),
        ("models:/prices/staging", StageURI("prices", Stage.STAGING)),
        ("models:/prices/PRODUCTION", StageURI("prices", Stage.PRODUCTION)),
        ("models:/prices/archived", StageURI("prices", Stage.ARCHIVED)),
        ("models:/prices/none", StageURI("prices", Stage.NONE)),
        ("models:/prices/latest", LatestURI("prices")),
        ("models:/prices/LATEST", LatestURI("prices")),
        ("models:/prices@champion", AliasURI("prices", "champion")),
        ("models:/dt_amz.prices-2@v2-candidate", AliasURI("dt_amz.prices-2", "v2-candidate")),
        ("/srv/models/rf", FolderURI("/srv/models/rf")),
        ("relative/folder", FolderURI("relative/folder")),
        ("file:///srv/models/rf", FolderURI("/srv/models/rf")),
    ],
)
def test_every_form_parses_into_its_typed_value(uri, expected):
    assert parse_model_uri(uri) == expected


def test_a_path_object_is_a_folder():
    assert parse_model_uri(pathlib.Path("/srv/m")) == FolderURI("/srv/m")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (RunModelURI("r1", "model"), "runs:/r1/model"),
        (VersionURI("m", 2), "models:/m/2"),
        (StageURI("m", Stage.PRODUCTION), "models:/m/Production"),
        (LatestURI("m"), "models:/m/latest"),
        (AliasURI("m", "champion"), "models:/m@champion"),
    ],
)
def test_str_gives_back_a_uri_that_parses_to_the_same_value(value, text):
    assert str(value) == text
    assert parse_model_uri(text) == value


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("", "the URI is empty"),
        ("runs:abc/model", "a run URI starts with 'runs:/'"),
        ("runs:/", "a run URI is runs:/<run_id>/<name>"),
        ("runs:/abc123", "a run URI is runs:/<run_id>/<name>"),
        ("runs:/abc123/", "a run URI is runs:/<run_id>/<name>"),
        ("runs:/abc/sub/model", "a run URI is runs:/<run_id>/<name>"),
        ("models:prices/1", "a registry URI starts with 'models:/'"),
        (
            "models:/",
            "a registry URI is models:/<name>/<version|stage|latest> or models:/<name>@<alias>",
        ),
        (
            "models:/prices",
            "a registry URI is models:/<name>/<version|stage|latest> or models:/<name>@<alias>",
        ),
        (
            "models:/prices/",
            "a registry URI is models:/<name>/<version|stage|latest> or models:/<name>@<alias>",
        ),
        (
            "models:/prices/1/2",
            "a registry URI is models:/<name>/<version|stage|latest> or models:/<name>@<alias>",
        ),
        ("models:/prices/0", "versions start at 1"),
        (
            "models:/prices/Prod",
            "'Prod' is neither a version number, 'latest', nor a stage (None, Staging, Production, Archived)",
        ),
        (
            "models:/prices/-1",
            "'-1' is neither a version number, 'latest', nor a stage (None, Staging, Production, Archived)",
        ),
        ("s3://bucket/model", "the scheme 's3://' is not a model URI"),
    ],
)
def test_malformed_uris_raise_naming_the_problem(uri, problem):
    with pytest.raises(InvalidURIError) as caught:
        parse_model_uri(uri)
    assert str(caught.value) == f"cannot resolve model URI {uri!r}: {problem}. {FORMS}"
    assert caught.value.uri == uri


NAME_RULE = "use 1 to 255 letters, digits, '-', '_' or '.', not only dots (a name is never a path)"


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("models:/../1", f"model name '..' is not allowed: {NAME_RULE}"),
        ("models:/./latest", f"model name '.' is not allowed: {NAME_RULE}"),
        ("models:/a b/1", f"model name 'a b' is not allowed: {NAME_RULE}"),
        ("models:/prices@", f"alias '' is not allowed: {NAME_RULE}"),
        ("models:/@champion", f"model name '' is not allowed: {NAME_RULE}"),
        ("models:/prices@a/b", f"alias 'a/b' is not allowed: {NAME_RULE}"),
        ("models:/a/b@c", f"model name 'a/b' is not allowed: {NAME_RULE}"),
        ("runs:/../model", f"run id '..' is not allowed: {NAME_RULE}"),
        ("runs:/abc/..", f"model name '..' is not allowed: {NAME_RULE}"),
        (
            "models:/" + "n" * 256 + "/1",
            f"model name {'n' * 40!r}... is 256 characters long; the limit is 255. Choose a shorter name.",
        ),
    ],
)
def test_bad_names_inside_uris_raise(uri, problem):
    with pytest.raises(InvalidURIError) as caught:
        parse_model_uri(uri)
    assert str(caught.value) == f"cannot resolve model URI {uri!r}: {problem}. {FORMS}"


def test_check_name_accepts_the_allowed_characters_up_to_255():
    assert check_name("Model_1.v-2") == "Model_1.v-2"
    assert check_name("a" * 255) == "a" * 255
    assert check_name("..a") == "..a"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a/b", f"model name 'a/b' is not allowed: {NAME_RULE}"),
        ("..", f"model name '..' is not allowed: {NAME_RULE}"),
        ("", f"model name '' is not allowed: {NAME_RULE}"),
        ("a\\b", f"model name 'a\\\\b' is not allowed: {NAME_RULE}"),
        (
            "x" * 256,
            f"model name {'x' * 40!r}... is 256 characters long; the limit is 255. Choose a shorter name.",
        ),
        (7, "model name must be a str, got int 7"),
    ],
)
def test_check_name_rejects_paths_and_long_names(name, message):
    with pytest.raises(InvalidArgumentError) as caught:
        check_name(name)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "stage"),
    [("staging", Stage.STAGING), ("Production", Stage.PRODUCTION), ("ARCHIVED", Stage.ARCHIVED),
     ("none", Stage.NONE), (None, Stage.NONE), (Stage.STAGING, Stage.STAGING)],
)  # fmt: skip
def test_parse_stage_is_case_insensitive(text, stage):
    assert parse_stage(text) is stage


def test_parse_stage_rejects_unknown_stages():
    with pytest.raises(InvalidArgumentError) as caught:
        parse_stage("prod")
    assert (
        str(caught.value)
        == "unknown stage 'prod'; the stages are None, Staging, Production, Archived"
    )


# -- resolution against a store ------------------------------------------------------------


def test_resolving_an_unknown_run_raises_run_not_found(store):
    with pytest.raises(RunNotFoundError):
        resolve_model_uri("runs:/0123abc/model")


def test_resolving_a_run_without_that_model_names_the_run_and_model(store):
    with sktrack.start_run() as run:
        pass
    with pytest.raises(ArtifactNotFoundError) as caught:
        resolve_model_uri(f"runs:/{run.run_id}/model")
    assert str(caught.value) == (
        f"run {run.run_id} has no model named 'model' (no artifacts/{run.run_id}/model/model.json "
        f"in store {store.fs.location}); log one with sktrack.log_model(estimator, 'model') "
        "inside that run"
    )


def test_resolving_a_missing_folder_raises_artifact_not_found(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(ArtifactNotFoundError) as caught:
        resolve_model_uri(str(missing))
    assert (
        str(caught.value) == f"model folder {str(missing)!r} does not exist (looked at {missing})"
    )
