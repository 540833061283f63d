"""The runner's [series] and [series_flow] stages: steps from files or a generator, registered,
segmented, measured per step, checked against what made them."""

import json
from pathlib import Path

import numpy as np
import pytest

import dca
from dca.run import check_expected


def _run(case, out, case_dir=None):
    return dca.run.run_case(case, str(out), progress=False, log=lambda *a: None, case_dir=str(case_dir or out))


def test_grey_steps_from_files_are_registered_segmented_and_measured(tmp_path):
    truth = dca.samples.sphere_pack(48, radius=5, porosity=0.35, seed=3)
    grey = dca.samples.virtual_scan(truth, snr=12, field_of_view=False, seed=0).grey
    data = grey.to_numpy()
    for i, shift in enumerate([(0, 0, 0), (0, 2, 0), (1, 0, -2)]):  # the same sample, remounted
        dca.write(grey.replace(data=np.roll(data, shift, axis=(0, 1, 2))), str(tmp_path / f"step_{i}.tif"))
    case = {"case": {"name": "files"}, "input": {"path": "step_0.tif"},
            "series": {"paths": "step_*.tif", "coords": [0, 5, 10], "unit": "MPa", "name": "load",
                       "register": True, "segment": {"method": "otsu", "denoise": "median"}, "axis": "x"}}
    r = _run(case, tmp_path / "out", tmp_path)
    assert sorted(r.results["provenance"]["inputs"]["series"]) == ["step_0.tif", "step_1.tif", "step_2.tif"]
    series = r.results["results"]["series"]
    assert series["load"] == {"value": [0, 5, 10], "unit": "MPa"}
    # nothing changed but the mounting: the same porosity, and few voxels change phase once registered
    assert np.allclose(series["porosity"]["value"], 0.35, atol=0.015)  # Otsu of the blurred scan: 0.337
    box = 48 ** 3 * truth.voxel_volume
    for change in ("pore_to_solid_m3", "solid_to_pore_m3"):  # the rolled-over edge slabs: 0.5 % of the box
        changed = np.array(series[change]["value"]) / box
        assert changed[0] == 0 and changed.max() < 0.01
    assert series["specific_surface_1_per_m"]["unit"] == "1/m"
    html = Path(r.report).read_text()
    assert "Metric histories" in html and "What changed from the first to the last step" in html


def test_a_generated_charge_cycle_series_and_its_transport(tmp_path):
    case = {"case": {"name": "cycles"}, "input": {"sample": {"generator": "electrode", "shape": 32}},
            "series": {"sample": {"generator": "electrode_cycles", "shape": 32, "cycles": [0, 30, 60],
                                  "particle_radius": 5}, "phase": "pore", "axis": "z", "sizes": "active"},
            "series_flow": {"tortuosity": {"phase": "pore", "axis": "z"}}}
    r = _run(case, tmp_path)
    s, f = r.results["results"]["series"], r.results["results"]["series_flow"]
    opened, cracks = np.array(s["active_to_pore_m3"]["value"]), np.array(s["truth.crack_volume_m3"]["value"])
    assert opened[0] == cracks[0] == 0
    np.testing.assert_allclose(opened[1:], cracks[1:], rtol=0.1)  # the cracks, seen as active -> electrolyte
    thickness = s["active_mean_thickness_m"]["value"]
    assert thickness[2] < thickness[0]  # cracks split the particles
    # each step's tortuosity is that of the step measured on its own
    step = dca.samples.electrode_cycles(32, cycles=[0, 30, 60], particle_radius=5)[2]
    import flow

    assert f["tau"]["value"][2] == pytest.approx(flow.tortuosity(step, axis="z", phase="pore").tau, rel=1e-9)
    assert f["tau_bruggeman"]["value"][0] == pytest.approx(f["porosity"]["value"][0] ** -0.5)
    # the report says whether step 0 is the [input] sample: here the input's particles are another size
    from pathlib import Path

    report = Path(r.report).read_text(encoding="utf-8")
    assert "The first step and the [input] sample" in report and "different samples" in report


def test_a_series_whose_first_step_is_the_input_says_so(tmp_path):
    sample = {"generator": "electrode", "shape": 32, "particle_radius": 5}
    case = {"case": {"name": "same"}, "input": {"sample": sample},
            "series": {"sample": {**sample, "generator": "electrode_cycles", "cycles": [0, 10]}, "phase": "pore"}}
    from pathlib import Path

    report = Path(_run(case, tmp_path).report).read_text(encoding="utf-8")
    assert "the same sample: step 0 and [input] hold identical voxels" in report


def test_a_series_stage_says_what_is_missing(tmp_path):
    base = {"case": {"name": "bad"}, "input": {"sample": {"generator": "blobs", "shape": 16}}}
    with pytest.raises(dca.run.StageError, match="paths"):
        _run({**base, "series": {}}, tmp_path)
    with pytest.raises(dca.run.StageError, match="match no file"):
        _run({**base, "series": {"paths": "nothing_*.tif"}}, tmp_path)
    with pytest.raises(dca.run.StageError, match="not a series"):
        _run({**base, "series": {"sample": {"generator": "blobs", "shape": 16}}}, tmp_path)


def test_histories_are_checked_element_by_element():
    results = {"results": {"series": {"tau": {"value": [2.0, 2.1, 2.2], "unit": "1"}}}}
    want = lambda v, rel: {"results": {"series": {"tau": {"value": v, "rel": rel}}}}  # noqa: E731
    assert check_expected(results, want([2.0, 2.1, 2.2], 1e-9)) == []
    assert check_expected(results, want([2.0, 2.1, 2.3], 0.01)) != []
    assert check_expected(results, want([2.0, 2.1], 0.5)) != []  # a step missing
    assert json.dumps(results)  # histories stay plain JSON
