"""A typical MLflow scikit-learn script: autolog, a plain run, a grid search with a nested
run, searching, registering, a stage and an alias, loading back and predicting.

It runs as it is under real MLflow, and with its import line changed to
``import sktrack.mlflow as mlflow`` under sktrack (tests/test_mlflow_compat.py runs both, and
compares what they print):

    python typical_script.py TRACKING_URI WORK_FOLDER
"""

import json
import os
import sys
import warnings

import mlflow
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.tree import DecisionTreeRegressor

warnings.filterwarnings("ignore")
tracking_uri, work = sys.argv[1], sys.argv[2]

mlflow.set_tracking_uri(tracking_uri)
experiment = mlflow.set_experiment("diabetes")
mlflow.sklearn.autolog(max_tuning_runs=3)

X, y = load_diabetes(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

with mlflow.start_run(run_name="baseline", description="ridge on every feature") as baseline:
    mlflow.log_param("features", "all")
    mlflow.log_params({"split_seed": 0, "test_size": 0.25})
    ridge = Ridge(alpha=1.0).fit(X_train, y_train)
    mlflow.log_metric("test_r2", ridge.score(X_test, y_test))
    for step in range(5):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    mlflow.log_metrics({"a": 1.0, "b": 2.0})
    mlflow.set_tag("team", "pricing")
    mlflow.set_tags({"owner": "ana", "kind": "baseline"})
    train = mlflow.data.from_pandas(X_train.assign(target=y_train), targets="target", name="train")
    mlflow.log_input(train, context="training")
    mlflow.log_dict({"features": list(X.columns)}, "features.json")
    mlflow.log_text("ridge, alpha 1\n", "notes/readme.txt")
    os.makedirs(os.path.join(work, "extra"), exist_ok=True)
    with open(os.path.join(work, "extra", "coefs.csv"), "w") as fh:
        fh.write(
            "name,coef\n"
            + "".join(f"{c},{v}\n" for c, v in zip(X.columns, ridge.coef_, strict=True))
        )
    mlflow.log_artifact(os.path.join(work, "extra", "coefs.csv"))
    mlflow.log_artifacts(os.path.join(work, "extra"), artifact_path="more")

grid = {"max_depth": [2, 3, 4], "min_samples_leaf": [5, 20]}
with mlflow.start_run(run_name="tree-search") as search_run:
    search = GridSearchCV(DecisionTreeRegressor(random_state=0), grid, cv=3)
    search.fit(X_train, y_train)
    with mlflow.start_run(run_name="holdout", nested=True) as holdout:
        mlflow.log_metric("test_r2", search.score(X_test, y_test))

children = mlflow.search_runs(
    experiment_names=["diabetes"],
    filter_string=f"tags.mlflow.parentRunId = '{search_run.info.run_id}' and params.max_depth != ''",
    order_by=["metrics.mean_test_score DESC"],
)
with_train = mlflow.search_runs(
    experiment_names=["diabetes"], filter_string="datasets.name = 'train'"
)
by_id = mlflow.search_runs(
    [experiment.experiment_id], filter_string="attributes.status = 'FINISHED'"
)
three = mlflow.search_runs(
    experiment_names=["diabetes"], filter_string="params.max_depth = '3'", output_format="list"
)
baseline_run = mlflow.get_run(baseline.info.run_id)
history = mlflow.MlflowClient().get_metric_history(baseline.info.run_id, "loss")

client = mlflow.MlflowClient()
version = mlflow.register_model(f"runs:/{search_run.info.run_id}/model", "diabetes-tree")
client.transition_model_version_stage("diabetes-tree", version.version, "Staging")
client.set_registered_model_alias("diabetes-tree", "champion", version.version)
client.update_model_version("diabetes-tree", version.version, description="depth search")
champion = client.get_model_version_by_alias("diabetes-tree", "champion")
staged = client.get_latest_versions("diabetes-tree", stages=["Staging"])

model = mlflow.sklearn.load_model("models:/diabetes-tree@champion")
pyfunc = mlflow.pyfunc.load_model("models:/diabetes-tree/Staging")
predictions = pyfunc.predict(X_test.head(5))

print(
    json.dumps(
        {
            "experiment": mlflow.get_experiment_by_name("diabetes").name,
            "children": len(children),
            "child_param_types": sorted({type(v).__name__ for v in children["params.max_depth"]}),
            "best_child_depth": children["params.max_depth"].iloc[0],
            "best_params": {k: str(v) for k, v in search.best_params_.items()},
            "finished_by_id": len(by_id),
            "with_train": with_train["tags.mlflow.runName"].tolist(),
            "depth_three": sorted(r.data.params["max_depth"] for r in three),
            "baseline_params": dict(baseline_run.data.params),
            "baseline_tags": {k: baseline_run.data.tags[k] for k in ("team", "owner", "kind")},
            "baseline_name": baseline_run.info.run_name,
            "baseline_note": baseline_run.data.tags["mlflow.note.content"],
            "loss_steps": [m.step for m in sorted(history, key=lambda m: m.step)],
            "holdout_parent": mlflow.MlflowClient().get_parent_run(holdout.info.run_id).info.run_id
            == search_run.info.run_id,
            "version": str(version.version),
            "stage": staged[0].current_stage,
            "champion": str(champion.version),
            "description": client.get_model_version("diabetes-tree", version.version).description,
            "same_predictions": bool(
                np.allclose(model.predict(X_test.head(5)), np.asarray(predictions))
            ),
            "search_predictions": bool(
                np.allclose(search.predict(X_test.head(5)), np.asarray(predictions))
            ),
            "model_class": type(model).__name__,
            "frame": isinstance(children, pd.DataFrame),
        },
        sort_keys=True,
    )
)
