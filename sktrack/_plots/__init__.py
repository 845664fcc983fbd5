"""Figures for notebooks and reports: matplotlib drawings of the curves a run logged.

It owns `plot`, which reads the tables under ``curves/<split>/`` through the tracking layer
and returns a matplotlib ``Figure``; matplotlib comes with the ``plots`` extra and is imported
only when `plot` is called.  It imports `sktrack.exceptions` and `sktrack._tracking`; the UI
never imports it.
"""

from __future__ import annotations

from ._figures import CURVES, plot

__all__ = ["CURVES", "plot"]
