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


def test_stokes_permeability_and_tortuosity_commands(tmp_path, capsys):
    import numpy as np

    import dca

    v = dca.samples.blobs(32, porosity=0.45, seed=3)
    path = str(tmp_path / "blobs.npy")
    dca.write(v, path)
    common = [path, "--voxel-size", "2um", "--json"]
    assert main(["permeability", *common, "--method", "network"]) == 0
    network = _json(capsys)
    assert main(["permeability", *common, "--method", "stokes", "--fields", str(tmp_path / "flow.vti")]) == 0
    stokes = _json(capsys)
    shared = set(network) - {"pores_used", "pores_excluded", "formation_factor"}
    assert shared <= set(stokes) and stokes["method"] == "stokes" and stokes["k_m2"] > 0
    assert stokes["mass_balance"] < 1e-6 and stokes["iterations"] > 0 and (tmp_path / "flow.vti").exists()
    assert main(["permeability", *common, "--method", "all"]) == 0
    both = _json(capsys)
    assert both["ratio_network_to_stokes"] == pytest.approx(network["k_m2"] / stokes["k_m2"], rel=1e-6)
    assert main(["tortuosity", *common, "--axis", "y"]) == 0
    t = _json(capsys)
    assert {"tau", "effective_diffusivity_ratio", "formation_factor", "porosity"} <= set(t)
    assert t["tau"] == pytest.approx(t["porosity"] / t["effective_diffusivity_ratio"])
    # bad input: a solid block, an unknown axis, a network file where an image is needed
    np.save(tmp_path / "solid.npy", np.zeros((8, 8, 8), bool))
    capsys.readouterr()
    assert main(["permeability", str(tmp_path / "solid.npy"), "--voxel-size", "1um", "--method", "stokes",
                 "--json"]) == 0  # not an error: k = 0 with the reason, as in the library
    solid = json.loads(capsys.readouterr().out)
    assert solid["k_m2"] == 0 and "empty" in solid["reason"]
    with pytest.raises(SystemExit) as exit_:
        main(["tortuosity", path, "--voxel-size", "2um", "--axis", "w"])
    assert exit_.value.code != 0


def test_permeability_in_pnflows_measurement_box_from_the_command_line(imperial, capsys):
    assert main(["permeability", imperial("Berea"), "--box", "0.2", "0.9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["k_mD"] == pytest.approx(1197.12, rel=1e-3) and out["box"] == [0.2, 0.9]
    assert out["formation_factor"] == pytest.approx(14.3724, rel=1e-3)
    assert main(["permeability", imperial("Berea"), "--box", "0.2", "0.9", "--method", "stokes"]) == 2
    assert "--method network" in capsys.readouterr().err


def test_scal_from_the_command_line(imperial, tmp_path, capsys):
    argv = ["scal", imperial("F42A"), "--cycles", "drainage,waterflood,drainage", "--receding", "0:10",
            "--wettability", "mixed", "--points", "20", "--plots", str(tmp_path), "--json"]
    assert main(argv) == 0
    out = _json(capsys)
    assert list(out["cycles"]) == ["primary drainage", "waterflood", "secondary drainage"]
    assert out["settings"]["wettability"] == "mixed-large" and (tmp_path / "scal.png").exists()
    flood = out["cycles"]["waterflood"]["table"]
    assert flood["Sw"][-1] > flood["Sw"][0] and all(0 <= k <= 1 for k in flood["krw"] + flood["kro"])
    assert main(["scal", imperial("F42A"), "--contact-angle", "a:b"]) == 2
    assert "--contact-angle takes degrees or MIN:MAX" in capsys.readouterr().err
