"""The command layer: ``sktrack`` on the command line.

It owns the argument parser and the commands (argparse; the logic stays in the library), what
the commands print (plain-text tables, JSON values, runs, models, doctor reports), and
``sktrack demo``.

It sits at the top: it may import every layer below and `sktrack.ui`; nothing imports it but
``sktrack.__main__`` and the ``sktrack`` console script.
"""

from __future__ import annotations

from ._demo import EXPERIMENT, MODEL_NAME, run_demo
from ._format import format_table, runs_table
from ._main import build_parser, main

__all__ = [
    "EXPERIMENT",
    "MODEL_NAME",
    "build_parser",
    "format_table",
    "main",
    "run_demo",
    "runs_table",
]
