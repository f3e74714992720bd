"""benchmarks/optimizer_step.py keeps working: a tiny run of every implementation and the table."""

import json

import pytest
from book_env import load_script


@pytest.fixture(scope="module")
def bench():
    return load_script("benchmarks/optimizer_step.py")


@pytest.fixture(scope="module")
def results(bench):
    return bench.run(sizes=[1000], repeat=1, min_time=0.001, bandwidth_elements=2**16)


def test_every_optimizer_and_implementation_is_timed(bench, results):
    assert [row["optimizer"] for row in results["rows"]] == list(bench.OPTIMIZERS)
    for row in results["rows"]:
        assert row["size"] == 1000
        assert list(row["seconds"]) == list(bench.IMPLEMENTATIONS)
        for implementation, seconds in row["seconds"].items():
            if implementation == "torch fused" and row["optimizer"] == "RMSProp":
                continue  # torch has no fused RMSprop; n/a is allowed there
            assert seconds is not None and seconds > 0, implementation
    assert results["copy_bandwidth_bytes_per_s"] > 0


def test_the_bytes_a_step_must_move_are_the_arrays_it_reads_and_writes(bench):
    assert {name: bench.bytes_per_param(name) for name in bench.OPTIMIZERS} == {
        "GD": 12, "Momentum": 20, "RMSProp": 20, "Adam": 28}


def test_the_table_has_a_line_per_measurement_and_the_results_are_json(bench, results):
    table = bench.format_table(results)
    assert table.count("\n| 1e3 |") == len(bench.OPTIMIZERS)
    assert "copy bandwidth" in table
    json.dumps(results)


def test_the_command_line_writes_json(bench, tmp_path, capsys):
    out = tmp_path / "out.json"
    assert bench.main(["--sizes", "500", "--repeat", "1", "--quick", "--implementations", "lib",
                       "torch foreach", "--optimizers", "Adam", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [(row["size"], row["optimizer"], list(row["seconds"])) for row in rows] == [
        (500, "Adam", ["lib", "torch foreach"])]
    assert "| 5e2 |" in capsys.readouterr().out
