"""Runs, model versions and registered models show as compact, escaped HTML in notebooks."""

from __future__ import annotations

from pathlib import Path

from sklearn.linear_model import LinearRegression

import sktrack
from sktrack import registry


def test_run_model_version_and_registered_model_have_compact_escaped_html(
    tmp_path: Path,
) -> None:
    sktrack.set_store(tmp_path / "store")
    with sktrack.start_run(run_name="<b>bold</b>") as run:
        sktrack.log_params({"alpha": 0.5, "max_depth": None})
        sktrack.log_metrics({"r2": 0.123456, "loss": float("nan")})
        sktrack.set_tag("team", "<script>x</script>")
        sktrack.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]))
    html = sktrack.get_run(run.run_id)._repr_html_()
    assert "Run &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script" not in html
    assert ">0.1235</td>" in html and ">-</td>" in html  # NaN reads as missing
    assert ">None</td>" in html  # a param whose value is None
    assert run.run_id in html and "sktrack.user" not in html  # system tags left out

    mv = registry.register_model(f"runs:/{run.run_id}/model", "prices", description="<i>x</i>")
    registry.set_alias("prices", "champion", mv.version)
    version_html = registry.get_model_version("prices", 1)._repr_html_()
    assert "prices v1" in version_html and "@champion" in version_html
    assert "&lt;i&gt;x&lt;/i&gt;" in version_html
    model_html = registry.get_registered_model("prices")._repr_html_()
    assert "Registered model prices" in model_html and ">v1</td>" in model_html
    assert model_html.count("<table") == 2  # newest per stage, aliases; no empty tags table
