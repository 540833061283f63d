"""``dca series``, ``dca register`` and ``dca permeability --microporous``."""

import json

import numpy as np
import pytest

import dca
from dca.cli import main


def test_series_command_measures_every_step(tmp_path, capsys):
    paths = []
    for i, porosity in enumerate((0.3, 0.35, 0.4)):
        v = dca.samples.blobs(32, porosity=porosity, seed=5, voxel_size=2e-6)
        paths.append(str(tmp_path / f"s{i}.npy"))
        np.save(paths[-1], v.to_numpy())
    assert main(["series", *paths, "--voxel-size", "2um", "--coord", "0,1,2", "--unit", "MPa", "--name", "load",
                 "--csv", str(tmp_path / "t.csv"), "--plots", str(tmp_path / "fig"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [s["load"] for s in out["steps"]] == [0, 1, 2] and out["unit"] == "MPa"
    assert [s["porosity"] for s in out["steps"]] == pytest.approx([0.3, 0.35, 0.4], abs=0.01)
    assert (tmp_path / "t.csv").exists() and (tmp_path / "fig" / "series.png").exists()
    assert main(["series", *paths, "--voxel-size", "2um", "--coord", "0,1"]) == 2
    assert "one coordinate per step" in capsys.readouterr().err


def test_series_takes_the_steps_in_natural_order_whatever_the_shell_gives(tmp_path, capsys):
    porosities = {0: 0.3, 5: 0.35, 10: 0.4}
    for step, porosity in porosities.items():
        v = dca.samples.blobs(24, porosity=porosity, seed=5, voxel_size=2e-6)
        np.save(tmp_path / f"step{step}.npy", v.to_numpy())
    shell_order = sorted(str(p) for p in tmp_path.glob("step*.npy"))  # step0, step10, step5
    assert [p.rsplit("/", 1)[1] for p in shell_order] == ["step0.npy", "step10.npy", "step5.npy"]
    assert main(["series", *shell_order, "--voxel-size", "2um", "--coord", "0,5,10", "--unit", "MPa",
                 "--name", "load", "--json"]) == 0
    captured = capsys.readouterr()
    steps = json.loads(captured.out)["steps"]
    assert [(s["file"], s["load"]) for s in steps] == [("step0.npy", 0), ("step5.npy", 5), ("step10.npy", 10)]
    assert [s["porosity"] for s in steps] == pytest.approx([0.3, 0.35, 0.4], abs=0.01)
    assert "step10.npy -> load 10 MPa" in captured.err  # the pairing is printed
    np.save(tmp_path / "step05.npy", np.load(tmp_path / "step5.npy"))
    assert main(["series", str(tmp_path / "step5.npy"), str(tmp_path / "step05.npy"), "--voxel-size", "2um"]) == 2
    assert "number the same step" in capsys.readouterr().err


def test_register_command_finds_a_shift(tmp_path, capsys):
    truth = dca.samples.sphere_pack(48, radius=5, porosity=0.4, seed=1)
    grey = dca.samples.virtual_scan(truth, snr=10).grey.to_numpy()
    np.save(tmp_path / "a.npy", grey)
    np.save(tmp_path / "b.npy", np.roll(grey, (2, -3, 1), axis=(0, 1, 2)))
    assert main(["register", str(tmp_path / "b.npy"), str(tmp_path / "a.npy"), "--voxel-size", "5um", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # b(p) = a(p - shift): a point of a sits at p + shift in b (x, y, z order, metres)
    np.testing.assert_allclose(out["shift_m"], np.array([1, -3, 2]) * 5e-6, atol=0.5 * 5e-6)
    assert out["quality"] > 0.9 and out["rotation_deg"] < 0.5


def test_register_finds_a_crop_of_the_reference_at_the_same_voxel_size(tmp_path, capsys):
    truth = dca.samples.sphere_pack(64, radius=5, porosity=0.4, seed=1)
    grey = dca.samples.virtual_scan(truth, snr=10).grey
    crop = grey[10:42, 5:45, 20:56]  # its file keeps no origin: where it sits must be found
    np.save(tmp_path / "full.npy", grey.to_numpy())
    np.save(tmp_path / "crop.npy", crop.to_numpy())
    assert main(["register", str(tmp_path / "crop.npy"), str(tmp_path / "full.npy"), "--voxel-size",
                 f"{grey.voxel_size[0]}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # p_moving = p_fixed + offset: the crop's first voxel sits at -offset in the reference (x, y, z)
    np.testing.assert_allclose(out["offset_m"], -np.array(crop.origin[::-1]), atol=0.2 * grey.voxel_size[0])
    assert out["quality"] > 0.99 and out["rotation_deg"] < 0.2


def test_permeability_with_and_without_microporosity(tmp_path, capsys):
    data = np.ones((12, 12, 12), np.uint8)
    data[:, 4:8, :] = 2  # a microporous layer along x, beside free channels
    data[:, :2, :] = 0
    v = dca.Volume(data, voxel_size=1e-6, phases={"solid": 0, "pore": 1, "micro": 2})
    dca.write(v, str(tmp_path / "m.npz"))
    assert main(["permeability", str(tmp_path / "m.npz"), "--method", "stokes", "--microporous", "micro=1e-14",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["k_m2"] > out["k_without_microporosity_m2"] > 0 and out["microporous_m2"] == {"micro": 1e-14}
    assert main(["permeability", str(tmp_path / "m.npz"), "--microporous", "micro=abc"]) == 2
