"""``dca mesh`` end to end."""

import json
import os

import pytest

import dca
from dca.cli import main


@pytest.fixture
def foam_file(tmp_path):
    path = str(tmp_path / "foam.tif")
    dca.write(dca.samples.open_cell_foam(24, cell_size=12, porosity=0.75, voxel_size=10e-6), path)
    return path


def test_mesh_surface_volume_and_openfoam(foam_file, tmp_path, capsys):
    assert main(["mesh", foam_file, "-o", str(tmp_path / "pore.stl"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "surface" and out["check"]["watertight"]
    assert out["enclosed_volume_m3"] == pytest.approx(out["voxel_volume_m3"], rel=0.01)
    assert main(["mesh", foam_file, "-o", str(tmp_path / "m.inp"), "--phase", "solid", "--kind", "hex", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cell_type"] == "hexahedron" and set(out["cells_per_tag"]) == {"solid"}
    assert out["quality"]["ok"] and out["quality"]["table"]["scaled_jacobian"]["min"] == pytest.approx(1)
    assert main(["mesh", foam_file, "-o", str(tmp_path / "case"), "--format", "openfoam", "--axis", "z"]) == 0
    capsys.readouterr()
    assert os.path.isfile(tmp_path / "case" / "constant" / "polyMesh" / "owner")


def test_mesh_errors_are_one_line_and_leave_no_file(foam_file, tmp_path, capsys):
    assert main(["mesh", foam_file, "-o", str(tmp_path / "x.msh"), "--phase", "grain"]) == 2
    assert "no phase named 'grain'" in capsys.readouterr().err
    assert main(["mesh", foam_file, "-o", str(tmp_path / "x.inp"), "--format", "openfoam", "--kind", "tet"]) == 2
    assert sorted(os.listdir(tmp_path)) == ["foam.tif"]
