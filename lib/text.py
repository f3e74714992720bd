"""Numbers for the prose: scientific notation a reader can read aloud.

Glued into a chapter with ``glue(key, sci(value), display=False)`` and shown with
``{glue:text}`key` ``: ``sci(7.0e-08)`` reads "7.0 × 10⁻⁸" instead of "7.0e-08".
"""

import math

import numpy as np

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(value, digits=1):
    """`value` as "m × 10ⁿ" with `digits` decimals in m; "10ⁿ" when m is exactly 1 and
    digits is 0; "0" for zero. Plain notation for 0.01 <= |value| < 1000 is left to the caller's
    format spec: this is for numbers that need an exponent."""
    is_number = isinstance(value, (int, float)) or hasattr(value, "__float__")
    if isinstance(value, bool) or not is_number:
        raise TypeError(f"value must be a real number, got {type(value).__name__}")
    if not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a non-negative int, got {digits!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value}")
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    if digits == 0 and mantissa.lstrip("-") == "1":
        return mantissa[:-1] + power
    return f"{mantissa} × {power}"


def glue(name, value, display=False):
    """myst-nb's ``glue``, with NumPy scalars turned into plain Python numbers.

    myst-nb formats a glued value with the format spec of ``{glue:text}`key:.3g` ``, and that
    fails on a NumPy scalar (its text is ``np.float64(...)``, not a number). Chapters glue
    through this function, so ``glue("gd_loss", losses[-1])`` just works.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # a notebook run outside the book (a student's bundle): nothing to glue
        return

    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        value = value.item()
    myst_glue(name, value, display=display)
