import json
import os
import subprocess
import sys

import numpy as np
import pytest

import dca
from dca.cli import main


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def nrrd(tmp_path):
    v = dca.Volume(np.arange(4 * 5 * 6, dtype=np.uint16).reshape(4, 5, 6), voxel_size=(2e-6, 1e-6, 1e-6))
    dca.write(v, tmp_path / "v.nrrd")
    return tmp_path / "v.nrrd"


def test_info_json_has_shape_voxel_size_and_grey_levels(nrrd, capsys):
    code, out, _ = _run(["info", str(nrrd), "--json"], capsys)
    info = json.loads(out)
    assert code == 0
    assert info["shape"] == [4, 5, 6] and info["voxel_size"] == [2e-6, 1e-6, 1e-6]
    assert info["extent"] == pytest.approx([8e-6, 5e-6, 6e-6])
    grey = info["grey_levels"]
    assert (grey["min"], grey["max"], grey["p50"]) == (0, 119, 59)
    assert grey["mean"] == pytest.approx(59.5)


def test_info_table_is_human_readable(nrrd, capsys):
    code, out, _ = _run(["info", str(nrrd)], capsys)
    assert code == 0 and "4 × 5 × 6" in out and "2 µm × 1 µm × 1 µm" in out and "grey mean" in out


def test_voxel_size_with_unit_suffix(tmp_path, capsys):
    np.save(tmp_path / "a.npy", np.zeros((2, 3, 4), np.uint8))
    code, out, _ = _run(["info", str(tmp_path / "a.npy"), "--voxel-size", "5.345um", "--json", "--no-stats"], capsys)
    assert code == 0 and json.loads(out)["voxel_size"] == [5.345e-6] * 3


def test_raw_options_on_the_command_line(tmp_path, capsys):
    (tmp_path / "s.raw").write_bytes(np.arange(24, dtype=">i2").tobytes())
    code, out, _ = _run(["info", str(tmp_path / "s.raw"), "--shape", "2,3,4", "--dtype", "int16",
                         "--byte-order", "big", "--voxel-size", "1um,2um,2um", "--json"], capsys)
    info = json.loads(out)
    assert code == 0 and info["shape"] == [2, 3, 4] and info["grey_levels"]["max"] == 23


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    np.save(tmp_path / "a.npy", np.zeros((2, 3, 4), np.uint8))
    code, out, err = _run(["info", str(tmp_path / "a.npy")], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "voxel_size is missing" in err and "--voxel-size" in err
    code, _, err = _run(["info", str(tmp_path / "missing.tif")], capsys)
    assert code == 2 and "no such file" in err and "Traceback" not in err


def test_convert_keeps_voxel_size_and_refuses_to_overwrite(nrrd, tmp_path, capsys):
    out_path = tmp_path / "out.ome.tif"
    code, out, _ = _run(["convert", str(nrrd), str(out_path), "--json"], capsys)
    assert code == 0 and json.loads(out)["written"] == [str(out_path)]
    back = dca.read(out_path)
    assert back.voxel_size == (2e-6, 1e-6, 1e-6)
    np.testing.assert_array_equal(back.data, dca.read(nrrd).data)
    code, _, err = _run(["convert", str(nrrd), str(out_path)], capsys)
    assert code == 2 and "--overwrite" in err
    assert _run(["convert", str(nrrd), str(out_path), "--overwrite"], capsys)[0] == 0


def test_formats_lists_every_registered_format(capsys):
    code, out, _ = _run(["formats", "--json"], capsys)
    names = {f["name"] for f in json.loads(out)["formats"]}
    assert code == 0 and {"tiff", "raw", "mhd", "nrrd", "hdf5", "zarr", "npy", "npz", "txrm", "avizo", "vti"} <= names


def test_demo_writes_its_outputs(tmp_path, capsys):
    code, out, _ = _run(["demo", "--out", str(tmp_path / "demo"), "--json"], capsys)
    result = json.loads(out)
    assert code == 0
    for name in ("scan.ome.tif", "scan.vti", "truth.vti", "segmentation.vti", "quicklook.png",
                 "pore_size_distribution.png", "summary.json"):
        assert (tmp_path / "demo" / name).stat().st_size > 0
    assert abs(result["segmentation"]["porosity_error"]) < 0.01
    assert result["metrics"]["porosity"] == pytest.approx(result["segmentation"]["porosity_segmented"])
    truth = dca.read(tmp_path / "demo" / "truth.vti")
    assert truth.voxel_size == (5e-6,) * 3
    assert result["sample"]["porosity_true"] == pytest.approx(truth.data.mean())
    assert result["sample"]["porosity_true"] == pytest.approx(0.30, abs=0.01)
    scan = dca.read(tmp_path / "demo" / "scan.ome.tif")
    assert scan.shape == truth.shape and scan.voxel_size == truth.voxel_size
    # same seed, same bits: a second run writes identical files
    assert _run(["demo", "--out", str(tmp_path / "again"), "--json"], capsys)[0] == 0
    for name in ("scan.ome.tif", "scan.vti", "truth.vti", "summary.json"):
        assert (tmp_path / "demo" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_console_script_help_runs_fast_and_clean():
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    proc = subprocess.run([sys.executable, "-m", "dca", "--help"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "info" in proc.stdout and "convert" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "dca", "info", "/nonexistent.tif"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("name", ["v.ome.tif", "v.mhd", "v.mha", "v.nrrd", "v.h5", "v.zarr", "v.npz", "v.vti",
                                  "v.txm", "v.am", "slices"])
def test_info_reports_shape_and_voxel_size_for_every_format(tmp_path, capsys, name):
    from tests.helpers.amira import write_am
    from tests.helpers.cfb import write_txm

    data = np.arange(3 * 4 * 5, dtype=np.uint16).reshape(3, 4, 5)
    path = tmp_path / name
    if name == "v.txm":
        write_txm(path, data, pixel_size_um=0.75)
        expected = [0.75e-6] * 3
    elif name == "v.am":
        write_am(path, data, spacing=(3.0, 2.0, 1.0))
        expected = [3e-6, 2e-6, 1e-6]
    elif name == "slices":
        import tifffile

        path.mkdir()
        for i, plane in enumerate(data):
            tifffile.imwrite(path / f"s{i}.tif", plane, imagej=True, resolution=(1.0, 1.0),
                             metadata={"spacing": 3.0, "unit": "um"})
        expected = [3e-6, 1e-6, 1e-6]
    else:
        expected = [3e-6, 2e-6, 1e-6]
        dca.write(dca.Volume(data, voxel_size=expected), path)
    code, out, _ = _run(["info", str(path), "--json"], capsys)
    info = json.loads(out)
    assert code == 0 and info["shape"] == [3, 4, 5]
    assert info["voxel_size"] == pytest.approx(expected, rel=1e-12)
    assert info["grey_levels"]["max"] == 59


def test_grey_summary_is_the_same_for_lazy_and_loaded_float_volumes(tmp_path):
    from dca._summary import grey_summary

    data = np.random.default_rng(0).normal(size=(8, 9, 10)).astype(np.float32)
    data[0, 0, 0] = np.nan
    dca.write(dca.Volume(data, voxel_size=1e-6), tmp_path / "f.nrrd")
    eager, lazy = dca.read(tmp_path / "f.nrrd"), dca.read(tmp_path / "f.nrrd", lazy=True)
    a, b = grey_summary(eager), grey_summary(lazy)
    assert a["non_finite"] == b["non_finite"] == 1
    assert a == pytest.approx(b)


def test_run_lists_the_stages_a_case_may_declare(capsys):
    code, out, _ = _run(["run", "--stages"], capsys)
    assert code == 0
    for section in ("[input]", "[segment]", "[series]", "[series_flow]", "[permeability]", "[mesh]"):
        assert section in out
    assert "needs [series]" in out and "``register = true``" in out  # what each needs, and its keys
    code, _, err = _run(["run"], capsys)
    assert code != 0 and "case.toml" in err
