"""The network, permeability and drainage commands end to end."""

import json

import pytest

from dca.cli import main


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_network_then_permeability_from_the_saved_network(tmp_path, capsys):
    import numpy as np

    import dca

    v = dca.samples.blobs(48, porosity=0.45, seed=3)
    dca.write(v, str(tmp_path / "blobs.npy"))
    assert main(["network", str(tmp_path / "blobs.npy"), "--voxel-size", "2um", "-o", str(tmp_path / "net.csv"),
                 "--json"]) == 0
    summary = _json(capsys)
    assert summary["n_pores"] > 10 and summary["mean_coordination"] > 1 and summary["n_throats"] > 0
    assert main(["permeability", str(tmp_path / "net_pores.csv"), "--axis", "x", "--json"]) == 0
    from_file = _json(capsys)
    assert main(["permeability", str(tmp_path / "blobs.npy"), "--voxel-size", "2um", "--json"]) == 0
    from_image = _json(capsys)
    assert from_file["k_m2"] == pytest.approx(from_image["k_m2"], rel=1e-12)
    assert {"axis", "method", "k_m2", "k_mD", "porosity"} <= set(from_image)
    assert from_image["method"] == "network" and from_image["k_mD"] == pytest.approx(from_image["k_m2"] / 9.869233e-16)
    # refusing to overwrite, and a missing voxel size, are one-line errors
    assert main(["network", str(tmp_path / "blobs.npy"), "--voxel-size", "2um", "-o", str(tmp_path / "net.csv")]) == 2
    np.save(tmp_path / "bare.npy", v.data)
    assert main(["permeability", str(tmp_path / "bare.npy")]) == 2
    assert "voxel" in capsys.readouterr().err


def test_drainage_command(imperial, tmp_path, capsys):
    assert main(["drainage", imperial("F42A"), "--mercury", "--plots", str(tmp_path), "--json"]) == 0
    out = _json(capsys)
    assert out["contact_angle_deg"] == 140 and 0 < out["residual_wetting_saturation"] < 1
    assert len(out["relative_permeability"]["krw"]) > 3
    assert (tmp_path / "capillary_pressure.png").stat().st_size > 10_000
