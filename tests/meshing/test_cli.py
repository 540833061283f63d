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


def test_a_0_1_tiff_is_pore_and_solid_for_every_command(tmp_path, capsys):
    # a binary image stored as 0/1 uint8: 'dca permeability' read it, 'dca mesh' once did not
    v = dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=2e-6)
    path = str(tmp_path / "pores.tif")
    dca.write(v.replace(data=v.to_numpy().astype("uint8")), path)
    assert main(["mesh", path, "-o", str(tmp_path / "case"), "--kind", "hex", "--format", "openfoam", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["porosity"] > 0 and os.path.isfile(tmp_path / "case" / "constant" / "polyMesh" / "owner")
    assert main(["mesh", path, "-o", str(tmp_path / "solid.vtu"), "--kind", "hex", "--phase", "solid", "--json"]) == 0
    cells = json.loads(capsys.readouterr().out)["cells_per_tag"]
    assert list(cells) == ["solid"] and cells["solid"] >= int((~v.to_numpy()).sum())  # plus pinch-joining voxels


def test_phases_name_the_labels_on_the_command_line(tmp_path, capsys):
    import numpy as np

    labels = np.zeros((16, 16, 16), np.uint8)
    labels[:, 4:12, :] = 1
    labels[:, :, 6:9] = 2  # a microporous wall across x
    np.save(tmp_path / "lab.npy", labels)
    argv = ["permeability", str(tmp_path / "lab.npy"), "--voxel-size", "1um", "--method", "stokes",
            "--microporous", "micro=2mD", "--json"]
    assert main(argv) == 2 and "names no 'pore' phase" in capsys.readouterr().err
    assert main(argv + ["--phases", "0=solid,1=pore,2=micro"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["k_m2"] > 0 and out["k_without_microporosity_m2"] == 0  # only the micro wall connects the faces


def test_graded_tet_and_octree_openfoam_from_the_command_line(foam_file, tmp_path, capsys):
    out = tmp_path / "graded.vtu"
    assert main(["mesh", foam_file, "-o", str(out), "--kind", "tet", "--graded", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert out.exists() and result["cell_type"] == "tetra"
    assert set(result["size_field"]["cubes_per_size_voxels"]) == {"1", "2", "4", "8", "16"}
    assert all(abs(e) < 0.05 for e in result["volume_error"].values())
    assert result["quality"]["ok"] and result["quality"]["table"]["min_dihedral_deg"]["min"] >= 10
    case = tmp_path / "case"
    assert main(["mesh", foam_file, "-o", str(case), "--format", "openfoam", "--graded", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["kind"] == "octree" and facts["cells"] < facts["voxel_cells"]
    assert (case / "constant" / "polyMesh" / "faces").exists()
    assert main(["mesh", foam_file, "-o", str(tmp_path / "s.stl"), "--graded"]) == 2
    assert "--graded" in capsys.readouterr().err
    deck = tmp_path / "foam.inp"
    assert main(["mesh", foam_file, "-o", str(deck), "--kind", "tet", "--graded", "--order", "2", "--phase", "solid",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cell_type"] == "tetra10" and "TYPE=C3D10" in deck.read_text()
    assert main(["mesh", foam_file, "-o", str(tmp_path / "h.inp"), "--kind", "hex", "--order", "2"]) == 2
    assert "--order 2" in capsys.readouterr().err


def test_octree_bricks_from_the_command_line(foam_file, tmp_path, capsys):
    deck = tmp_path / "bricks.inp"
    assert main(["mesh", foam_file, "-o", str(deck), "--kind", "hex", "--graded", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["cell_type"] == "hexahedron" and "*EQUATION" in deck.read_text()


def test_graded_mesh_of_a_volume_too_big_for_memory_is_streamed_block_by_block(foam_file, tmp_path, capsys,
                                                                               monkeypatch):
    import numpy as np

    # 24^3 voxels at 1250 B each need 17 MB in one piece: with 12 MB, blocks of 8^3 (1.6 MB with their halo)
    monkeypatch.setenv("DCA_MEMORY_LIMIT", "12MB")
    out = tmp_path / "big.xdmf"
    assert main(["mesh", foam_file, "-o", str(tmp_path / "big.vtu"), "--kind", "tet", "--graded"]) == 2
    assert "OUT.xdmf" in capsys.readouterr().err and not (tmp_path / "big.vtu").exists()
    assert main(["mesh", foam_file, "-o", str(out), "--kind", "tet", "--graded", "--max-size", "8", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["streamed"] and result["blocks"] > 1 and result["block_shape"][0] % 8 == 0
    assert not any(result["quality"]["flagged"].values())
    import meshio

    mesh = meshio.read(out)
    assert len(mesh.cells[0].data) == result["cells"] == sum(result["cells_per_tag"].values())
    assert np.isin(np.unique(mesh.cell_data["tags"][0]), [1, 2]).all()
