"""Homework checks that tell a student which mistake they made.

One module per chapter (``lib.checks.gd``, ``lib.checks.momentum``, ...), all built on
:func:`lib.checks.core.run_check`.
"""

from .core import CheckResult, Mistake, run_check

__all__ = ["CheckResult", "Mistake", "run_check"]
