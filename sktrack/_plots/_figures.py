"""`plot(run_id, curve, split)`: one logged curve as a matplotlib figure."""

from __future__ import annotations

from typing import Any

from ..exceptions import ArtifactNotFoundError, InvalidArgumentError

__all__ = ["CURVES", "plot"]

#: The curves `plot` draws, by the name of their table.
CURVES = (
    "roc",
    "precision_recall",
    "calibration",
    "confusion_matrix",
    "per_class",
    "probability_histogram",
    "predicted_actual",
    "residuals",
    "residual_histogram",
    "validation_curve",
    "fit_time_score",
)
# residuals are drawn from the predicted_actual table
_TABLE = {"residuals": "predicted_actual"}


def plot(run_id: str, curve: str = "roc", split: str = "test", *, ax: Any = None) -> Any:
    """Draw a curve a run logged (``evaluate`` or a tracked fit) with matplotlib.

    Parameters
    ----------
    run_id : str
        The run.
    curve : str, default="roc"
        One of `CURVES`: ``"roc"``, ``"precision_recall"``, ``"calibration"``,
        ``"confusion_matrix"``, ``"per_class"``, ``"probability_histogram"``,
        ``"predicted_actual"``, ``"residuals"``, ``"residual_histogram"``,
        ``"validation_curve"`` and ``"fit_time_score"`` (the last two with ``split="cv"``).
    split : str, default="test"
        The evaluated split: ``"test"``, ``"training"``, ``"cv"``...
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InvalidArgumentError
        For a curve name not in `CURVES`.
    ArtifactNotFoundError
        If the run logged no such curve for that split.
    ImportError
        Without matplotlib (``pip install 'sktrack[plots]'``).

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LogisticRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> X, y = [[i] for i in range(80)], [i % 2 for i in range(80)]
    >>> est = sktrack.TrackedEstimator(LogisticRegression(), log_model=False).fit(X, y)
    >>> fig = sktrack.plot(est.run_id_, "roc", split="training")
    >>> fig.axes[0].get_xlabel()
    'false positive rate'
    """
    from .._tracking import load_table

    if curve not in CURVES:
        raise InvalidArgumentError(f"plot cannot draw {curve!r}: pass one of {', '.join(CURVES)}")
    plt = _pyplot()
    try:
        table = load_table(run_id, f"curves/{split}/{_TABLE.get(curve, curve)}")
    except ArtifactNotFoundError:
        raise ArtifactNotFoundError(
            f"run {run_id} logged no {curve!r} curve for split {split!r}: call "
            f"evaluate(X, y, split={split!r}) on its estimator first"
        ) from None
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    _DRAW[curve](ax, table)
    ax.set_title(f"{curve.replace('_', ' ')} ({split})")
    return ax.figure


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("sktrack.plot needs matplotlib: pip install 'sktrack[plots]'") from error
    return plt


def _lines(x: str, y: str, value: str | None, xlabel: str, ylabel: str, diagonal: bool) -> Any:
    def draw(ax: Any, table: Any) -> None:
        for label, part in table.groupby("class", sort=False):
            name = f"class {label}"
            if value is not None:
                name += f" ({value.replace('_', ' ')} {part[value].iloc[0]:.3f})"
            ax.plot(part[x], part[y], label=name, drawstyle="default")
        if diagonal:
            ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", linewidth=1)
        ax.set(xlabel=xlabel, ylabel=ylabel, xlim=(0, 1), ylim=(0, 1.02))
        ax.legend(loc="best", fontsize="small")

    return draw


def _confusion(ax: Any, table: Any) -> None:
    matrix = table.pivot(index="true", columns="predicted", values="count")
    labels = list(dict.fromkeys(table["true"]))
    matrix = matrix.loc[labels, labels]
    ax.imshow(matrix.to_numpy(), cmap="Blues")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    for (i, j), count in _cells(matrix.to_numpy()):
        ax.text(j, i, f"{count:g}", ha="center", va="center")
    ax.set(xlabel="predicted", ylabel="true")


def _cells(values: Any) -> Any:
    for i, row in enumerate(values):
        for j, count in enumerate(row):
            yield (i, j), count


def _per_class(ax: Any, table: Any) -> None:
    table.set_index("class")[["precision", "recall", "f1"]].plot.bar(ax=ax, rot=0)
    ax.set(ylabel="score", ylim=(0, 1.05))


def _histogram(ax: Any, table: Any) -> None:
    groups = table.groupby("class", sort=False) if "class" in table else [("", table)]
    for label, part in groups:
        ax.bar(
            part["left"],
            part["count"],
            width=part["right"] - part["left"],
            align="edge",
            alpha=0.6,
            label=f"class {label}" if label != "" else None,
        )
    ax.set(ylabel="rows")


def _predicted_actual(ax: Any, table: Any) -> None:
    ax.scatter(table["actual"], table["predicted"], s=6, alpha=0.5)
    low, high = (
        table[["actual", "predicted"]].min().min(),
        table[["actual", "predicted"]].max().max(),
    )
    ax.plot([low, high], [low, high], linestyle="--", color="0.6", linewidth=1)
    ax.set(xlabel="actual", ylabel="predicted")


def _residuals(ax: Any, table: Any) -> None:
    ax.scatter(table["predicted"], table["actual"] - table["predicted"], s=6, alpha=0.5)
    ax.axhline(0.0, linestyle="--", color="0.6", linewidth=1)
    ax.set(xlabel="predicted", ylabel="actual - predicted")


def _validation(ax: Any, table: Any) -> None:
    for param, part in table.groupby("param", sort=False):
        ax.errorbar(
            part["value"],
            part["mean_test_score"],
            yerr=part["std_test_score"],
            marker="o",
            capsize=3,
            label=f"{param} (test)",
        )
        if "mean_train_score" in part:
            ax.plot(
                part["value"],
                part["mean_train_score"],
                marker=".",
                linestyle=":",
                label=f"{param} (train)",
            )
    ax.set(xlabel="value", ylabel="mean score")
    ax.legend(fontsize="small")


def _fit_time(ax: Any, table: Any) -> None:
    ax.scatter(table["mean_fit_time"], table["mean_test_score"], s=14)
    ax.set(xlabel="mean fit time (s)", ylabel="mean test score")


_DRAW = {
    "roc": _lines("fpr", "tpr", "auc", "false positive rate", "true positive rate", True),
    "precision_recall": _lines(
        "recall", "precision", "average_precision", "recall", "precision", False
    ),
    "calibration": _lines(
        "prob_pred", "prob_true", None, "mean predicted probability", "fraction of positives", True
    ),
    "confusion_matrix": _confusion,
    "per_class": _per_class,
    "probability_histogram": _histogram,
    "predicted_actual": _predicted_actual,
    "residuals": _residuals,
    "residual_histogram": _histogram,
    "validation_curve": _validation,
    "fit_time_score": _fit_time,
}
