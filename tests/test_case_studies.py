"""Every case study runs at its reduced size and reproduces expected.json; its notebook runs in a
Jupyter kernel; a report opens in a real headless browser."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import dca
from dca.run import check_expected

CASES = Path(__file__).resolve().parents[1] / "case_studies"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "case.toml").exists())


def _expected(name):
    expected = json.loads((CASES / name / "expected.json").read_text())
    if shutil.which("ccx") is None:
        for stage in ("compression", "compression_series"):  # CalculiX absent: these stages report a skip
            expected["results"].pop(stage, None)
    return expected


def _needs_data(name):
    spec = dca.run.load_case(str(CASES / name / "case.toml"))["input"]
    if "path" in spec and not (CASES / name / spec["path"]).exists():
        pytest.skip(f"{name}: its input {spec['path']} is not here (see its README)")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_case_study_reproduces_expected(name, tmp_path):
    _needs_data(name)
    expected = _expected(name)
    result = dca.run.run_case(str(CASES / name / "case.toml"), str(tmp_path), size=expected["size"], progress=False,
                              log=lambda *a: None)
    assert check_expected(result.results, expected) == []
    for f in ("results.json", "report.html"):
        assert (tmp_path / f).stat().st_size > 0
    provenance = result.results["provenance"]
    assert provenance["versions"]["dca"] and provenance["parameters"]["input"]["size"] == expected["size"]
    # each number carries its unit
    assert all("unit" in v for stage in result.results["results"].values() for v in stage.values())


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, tmp_path, monkeypatch):
    """The .ipynb, executed by a Jupyter kernel as JupyterLab would run it (nbclient)."""
    import nbformat
    from nbclient import NotebookClient

    _needs_data(name)
    monkeypatch.setenv("DCA_CASE_SIZE", str(_expected(name)["size"]))
    monkeypatch.setenv("DCA_CASE_OUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(CASES / name / "notebook.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(CASES / name)}}).execute()
    assert (tmp_path / "report.html").exists()
    assert any(o.get("output_type") == "stream" for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.parametrize("name", NAMES)
def test_each_notebook_is_paired_with_its_script(name):
    """The .ipynb (what JupyterLab opens) and the .py percent script (what reviews read) hold
    the same cells: jupytext keeps them paired, and an edit to one alone fails here."""
    import jupytext

    ipynb = jupytext.read(CASES / name / "notebook.ipynb")
    script = jupytext.read(CASES / name / "notebook.py")
    assert [(c.cell_type, c.source) for c in ipynb.cells] == [(c.cell_type, c.source) for c in script.cells]
    assert ipynb.metadata["jupytext"]["formats"] == "ipynb,py:percent"


def test_a_second_run_recomputes_only_what_a_changed_parameter_touches(tmp_path):
    case = {"case": {"name": "cache", "seed": 0},
            "input": {"sample": {"generator": "blobs", "shape": 32, "porosity": 0.4}},
            "segment": {"method": "none"}, "metrics": {"axis": "x"}, "tortuosity": {"axis": "x"}}
    first = dca.run.run_case(case, str(tmp_path), progress=False, log=lambda *a: None)
    assert not any(s["cached"] for s in first.results["stages"].values())
    case["tortuosity"] = {"axis": "y"}
    second = dca.run.run_case(case, str(tmp_path), progress=False, log=lambda *a: None)
    cached = {k: v["cached"] for k, v in second.results["stages"].items()}
    assert cached == {"input": True, "segment": True, "metrics": True, "tortuosity": False}
    assert first.results["results"]["metrics"] == second.results["results"]["metrics"]


def test_a_failing_stage_names_itself_and_keeps_earlier_results(tmp_path):
    case = {"case": {"name": "fails"}, "input": {"sample": {"generator": "blobs", "shape": 24}},
            "segment": {"method": "none"}, "tortuosity": {"phase": "no such phase"}}
    with pytest.raises(dca.run.StageError, match=r"stage \[tortuosity\] failed"):
        dca.run.run_case(case, str(tmp_path), progress=False, log=lambda *a: None)
    assert any(f.name.startswith("segment-") for f in (tmp_path / ".cache").iterdir())
    with pytest.raises(dca.InputError, match=r"needs \[segment\]"):
        dca.run.run_case({"input": {"sample": {"generator": "blobs", "shape": 24}}, "metrics": {}}, str(tmp_path),
                         progress=False, log=lambda *a: None)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_report_renders_in_a_headless_browser(tmp_path):
    from dca.demo import run_demo

    result = run_demo(str(tmp_path / "demo"), progress=False)
    shot = tmp_path / "report.png"
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2400",
                          f"--screenshot={shot}", Path(result.report).as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and shot.stat().st_size > 20_000, run.stderr[-1000:]
    # the rendered page is not blank: many distinct colours (figures), not a white sheet
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB").resize((300, 600))).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 200
    html = Path(result.report).read_text()
    assert html.count("<img") >= 6 and "Permeability along x" in html and "Stokes on the voxels" in html


def test_dca_run_command_checks_expected(tmp_path, capsys):
    from dca.cli import main

    name = "polymer_foam_compression"
    out = tmp_path / "run"
    code = main(["run", str(CASES / name / "case.toml"), "--out", str(out), "--check"])
    captured = capsys.readouterr()
    if shutil.which("ccx") is None:
        pytest.skip("CalculiX absent: expected.json's compression numbers cannot be checked")
    assert code == 0, captured.err
    assert "numbers agree" in captured.err and "report" in captured.out
