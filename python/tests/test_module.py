"""pytest for the Python module `marketsim` (python/module.cpp): run a scenario dict or file,
results as pandas DataFrames equal to the command line's files; a sweep; list(); bad input as
ValueError with the one-line message."""
import json
import os
import pathlib
import subprocess

import pandas as pd
import pytest

import marketsim

SOURCE = pathlib.Path(os.environ.get("MARKETSIM_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
SCENARIO = SOURCE / "scenarios" / "reference-market.json"


def small(path=SCENARIO, consumers=3000, horizon=10, replications=2):
    """A shipped scenario as a dict, shrunk (comments stripped)."""
    text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("//"))
    doc = json.loads(text)
    doc["market"]["segments"][0]["consumers"] = consumers
    doc["horizon_days"] = horizon
    doc["replications"] = replications
    return doc


def test_run_returns_data_frames_of_every_output():
    out = marketsim.run(small(), threads=2)
    for name in ("runs", "daily", "cohorts", "sellers", "sellers_daily", "breakdown", "gauges", "monitor", "events"):
        assert isinstance(out[name], pd.DataFrame), name
    runs = out["runs"]
    assert list(runs.columns[:4]) == ["arm", "replication", "visits", "conversions"]
    assert len(runs) == 2 * len(small()["arms"])
    assert (runs["visits"] > 0).all()
    assert out["summary"]["replications"] == 2


def test_run_equals_the_command_line(tmp_path):
    doc = small()
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    from_path = marketsim.run(str(path), threads=1)
    from_dict = marketsim.run(doc, threads=2)
    pd.testing.assert_frame_equal(from_path["runs"], from_dict["runs"])
    binary = os.environ.get("MARKETSIM_BINARY")
    if binary:  # the command line's runs.csv, read by pandas, is the same frame
        subprocess.run([binary, "run", str(path), "--quiet", "--threads", "2", "--out", str(tmp_path / "out")],
                       check=True, capture_output=True)
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "out" / "runs.csv"), from_dict["runs"])


def test_overrides_seed_and_replications():
    a = marketsim.run(small(), seed=5, replications=1)["runs"]
    b = marketsim.run(small(), seed=6, replications=1)["runs"]
    assert len(a) == len(small()["arms"])
    assert not a.equals(b)


def test_sweep_returns_its_files(tmp_path):
    spec = {"scenario": small(replications=1),
            "factors": [{"name": "horizon", "pointer": "/horizon_days", "levels": [5, 8]}],
            "replications": 2}
    out = marketsim.sweep(spec, str(tmp_path / "sw"), threads=2)
    runs = out["runs"]
    assert list(runs.columns[:4]) == ["point", "horizon", "arm", "replication"]
    assert sorted(runs["horizon"].unique()) == [5, 8]
    assert len(out["failed"]) == 0
    assert out["metadata"]["points"] == 2
    assert set(out["sweep"]["metric"]) >= {"units", "revenue"}
    again = marketsim.sweep(spec, str(tmp_path / "sw"))  # resumes: everything from the store
    assert again["metadata"]["units_run"] == 0
    pd.testing.assert_frame_equal(again["runs"], runs)


def test_list_names_the_registries():
    names = marketsim.list()
    assert "percent_off" in names["promotion"]
    assert "membership" in names["behaviour"]
    assert "revenue" in names["metrics"]
    assert "runs.csv" in names["outputs"]


def test_bad_input_is_a_value_error_with_one_line():
    doc = small()
    doc["horizon_days"] = -3
    with pytest.raises(ValueError) as e:
        marketsim.run(doc)
    assert "/horizon_days" in str(e.value)
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError):
        marketsim.run(str(SOURCE / "no-such-file.json"))
    with pytest.raises(ValueError):
        marketsim.sweep({"scenario": small()}, "/tmp/never")


def test_run_with_parameter_uncertainty():
    """A scenario with uncertain values: runs has each row's draw and drawn values, shared by a draw's
    replications and the arms; the summary decomposes the variance over draws."""
    doc = small(SOURCE / "scenarios" / "summer-sale-uncertain.json", consumers=1500, horizon=20, replications=None)
    del doc["replications"]
    doc["warmup_days"] = 0
    doc["arms"][1]["promotions"][0].update(start=5, end=12)
    doc["uncertainty"] = {"draws": 3, "replications_per_draw": 2}
    out = marketsim.run(doc, threads=2)
    runs = out["runs"]
    assert list(runs.columns[:3]) == ["arm", "replication", "draw"]
    assert len(runs) == 2 * 6
    assert (runs["draw"] == runs["replication"] // 2).all()
    per_draw = runs.groupby("draw")["bargain_sensitivity"].nunique()
    assert (per_draw == 1).all()
    assert runs["bargain_sensitivity"].between(0.03, 0.08).all()
    assert runs.groupby("draw")["bargain_sensitivity"].first().nunique() == 3
    u = out["summary"]["uncertainty"]
    assert u["draws"] == 3
    share = u["paired_differences"][0]["metrics"]["contribution"]["between_share"]
    assert 0.0 <= share <= 1.0
