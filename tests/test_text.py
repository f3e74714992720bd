import numpy as np
import pytest

from lib.text import sci


def test_sci_writes_a_superscript_exponent():
    assert sci(7.04e-08) == "7.0 × 10⁻⁸"
    assert sci(1.9e3, digits=2) == "1.90 × 10³"
    assert sci(-2.5e17) == "-2.5 × 10¹⁷"


def test_sci_writes_a_bare_power_of_ten_for_a_unit_mantissa_without_decimals():
    assert sci(1e-12, digits=0) == "10⁻¹²"
    assert sci(1e6, digits=0) == "10⁶"
    assert sci(-1e-6, digits=0) == "-10⁻⁶"
    assert sci(3e-7, digits=0) == "3 × 10⁻⁷"


def test_sci_writes_zero_as_zero_and_accepts_numpy_scalars():
    assert sci(0.0) == "0"
    assert sci(np.float32(1.2e-7)) == "1.2 × 10⁻⁷"
    assert sci(np.int64(0)) == "0"


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_sci_rejects_non_finite_values(bad):
    with pytest.raises(ValueError, match="value"):
        sci(bad)


def test_sci_rejects_bad_arguments_by_name():
    with pytest.raises(TypeError, match="value"):
        sci("1e-7")
    with pytest.raises(ValueError, match="digits"):
        sci(1.0, digits=-1)


def test_glue_stores_numpy_scalars_as_plain_python_numbers(monkeypatch):
    import numpy as np
    import myst_nb

    import lib.text

    stored = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: stored.update({name: value}))
    lib.text.glue("a", np.float64(0.25))
    lib.text.glue("b", np.int64(3))
    lib.text.glue("c", np.array(1.5))
    lib.text.glue("d", "7.0 × 10⁻⁸")
    assert stored == {"a": 0.25, "b": 3, "c": 1.5, "d": "7.0 × 10⁻⁸"}
    assert [type(stored[k]) for k in "abc"] == [float, int, float]
