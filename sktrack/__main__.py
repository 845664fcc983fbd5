"""``python -m sktrack``: the same command as ``sktrack``."""

from __future__ import annotations

from ._cli import main

__all__: list[str] = []

if __name__ == "__main__":
    raise SystemExit(main())
