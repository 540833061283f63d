"""The real programs open and solve on our exports: Gmsh, CalculiX, OpenFOAM.

Each test skips when its program is absent; CI installs them (.ci/run).
"""

import os
import re
import shutil
import subprocess

import meshio
import numpy as np
import pytest

import dca
import meshing

needs = lambda tool: pytest.mark.skipif(shutil.which(tool) is None, reason=f"{tool} not installed")  # noqa: E731


@needs("gmsh")
def test_gmsh_reads_our_msh_with_the_same_counts_and_groups(tmp_path):
    v = dca.samples.electrode(24, particle_radius=5, seed=1)
    m = meshing.tet_mesh(v)
    m.write(tmp_path / "m.msh")
    # Gmsh parses our 4.1 file and writes it again in its own 2.2 writer; meshio reads that back
    run = subprocess.run(["gmsh", str(tmp_path / "m.msh"), "-0", "-format", "msh22", "-o", str(tmp_path / "g.msh")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    back = meshio.read(tmp_path / "g.msh")
    assert {k: int(v[0]) for k, v in back.field_data.items()} == {**dict(m.cell_names), **dict(m.facet_names)}
    physical = np.concatenate(back.cell_data["gmsh:physical"])
    kinds = np.concatenate([[c.type] * len(c.data) for c in back.cells])
    assert np.count_nonzero(kinds == "tetra") == m.n_cells and np.count_nonzero(kinds == "triangle") == len(m.facets)
    for name, tag in m.cell_names.items():
        assert np.count_nonzero((kinds == "tetra") & (physical == tag)) == np.count_nonzero(m.cell_tags == tag)


@needs("ccx")
@pytest.mark.parametrize("build", [meshing.hex_mesh, meshing.tet_mesh, meshing.graded_tet_mesh,
                                   lambda v, **kw: meshing.graded_tet_mesh(v, **kw).quadratic()])
def test_calculix_compression_of_a_solid_block_returns_its_modulus(build):
    # Poisson ratio 0: the held and the loaded face do not constrain the lateral strain, so
    # uniaxial compression is exact and E* = E for linear elements
    block = dca.Volume(np.zeros((6, 5, 4), bool), voxel_size=1e-3)
    r = meshing.uniaxial_compression(build(block, phases="solid"), youngs_modulus=2e9, poisson_ratio=0.0, strain=0.01)
    assert r.effective_modulus == pytest.approx(2e9, rel=1e-6)
    assert r.reaction_force == pytest.approx(2e9 * 0.01 * 4e-3 * 5e-3, rel=1e-6)


@needs("ccx")
def test_calculix_foam_follows_gibson_ashby():
    # open-cell foam: E*/Es = C (rho*/rho_s)^2 with C ~ 1 (Gibson & Ashby, Cellular Solids)
    ratios = []
    for porosity in (0.8, 0.7):
        foam = dca.samples.open_cell_foam(32, cell_size=16, porosity=porosity, voxel_size=20e-6)
        r = meshing.uniaxial_compression(meshing.hex_mesh(foam, phases="solid"), youngs_modulus=1e9, poisson_ratio=0.3)
        c = r.relative_modulus / r.solid_fraction**2
        assert 0.3 < c < 3, (porosity, c)
        ratios.append(r.relative_modulus)
    assert ratios[1] > ratios[0]  # denser is stiffer


def _foam_env():
    """OpenFOAM's environment (Debian's package needs its bashrc sourced)."""
    bashrc = "/usr/share/openfoam/etc/bashrc"
    env = dict(os.environ)
    if os.path.exists(bashrc):
        out = subprocess.run(["bash", "-c", f"source {bashrc} >/dev/null 2>&1; env -0"], capture_output=True).stdout
        env.update(kv.split("=", 1) for kv in out.decode().split("\0") if "=" in kv)
    return env


def _outlet_flux(case):
    last = max((d for d in os.listdir(case) if re.fullmatch(r"[\d.]+", d) and d != "0"), key=float)
    with open(os.path.join(case, last, "phi")) as f:
        text = f.read()
    block = text[text.index("outlet"):]
    block = block[block.index("List<scalar>"):]
    return float(np.array(block[block.index("(") + 1:block.index(")")].split(), float).sum())


@needs("simpleFoam")
@pytest.mark.slow
def test_openfoam_checkmesh_and_simplefoam_permeability_match_the_voxel_stokes_solver(tmp_path):
    import flow

    n, h = 24, 1e-5
    v = dca.samples.sphere_pack(n, radius=5, porosity=0.45, seed=3).replace(voxel_size=(h, h, h))
    mesh = meshing.hex_mesh(v, phases="pore", pinches="keep")  # the same voxels the Stokes solver sees
    case = str(tmp_path / "case")
    nu, dp = 1e-6, 1e-3
    mesh.write(case, format="openfoam", axis="x", viscosity=nu, pressure_drop=dp, iterations=4000)
    env = _foam_env()
    check = subprocess.run(["checkMesh", "-case", case], capture_output=True, text=True, env=env, timeout=300)
    assert check.returncode == 0 and "Mesh OK." in check.stdout, check.stdout[-3000:]
    solve = subprocess.run(["simpleFoam", "-case", case], capture_output=True, text=True, env=env, timeout=600)
    assert solve.returncode == 0 and "SIMPLE solution converged" in solve.stdout, solve.stdout[-2000:]
    length, area = n * h, (n * h) ** 2
    k_foam = _outlet_flux(case) * nu * length / (area * dp)
    assert meshing.openfoam_permeability(case).k_m2 == pytest.approx(k_foam, rel=1e-12)  # the shipped reader
    k_stokes = flow.stokes(v, axis="x").permeability.k_m2
    assert k_foam == pytest.approx(k_stokes, rel=0.10)  # no reservoirs here: the pressure sits on the faces


@needs("simpleFoam")
@pytest.mark.slow
def test_the_shipped_openfoam_case_run_as_written_gives_the_stokes_k(shared_data, tmp_path, capsys):
    # Berea crop through the command line: the case is creeping flow (Re << 1) and has the
    # Stokes solver's reservoirs, so k agrees to the discretisation (was 12-15 % low at Re ~ 1.3)
    import json

    import flow
    from dca.cli import main

    berea = dca.read(shared_data / "berea_200.npz", voxel_size=5.345e-6)[:48, :48, :48]
    dca.write(berea, tmp_path / "crop.npz")
    case = tmp_path / "case"
    assert main(["mesh", str(tmp_path / "crop.npz"), "-o", str(case), "--format", "openfoam", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["reynolds_estimate"] == pytest.approx(0.01)
    assert "k = Q nu L / (A dp)" in (case / "README.txt").read_text()
    solve = subprocess.run(["simpleFoam", "-case", str(case)], capture_output=True, text=True, env=_foam_env(),
                           timeout=600)
    assert solve.returncode == 0 and "SIMPLE solution converged" in solve.stdout, solve.stdout[-2000:]
    assert main(["permeability", str(case), "--json"]) == 0
    foam = json.loads(capsys.readouterr().out)
    assert foam["reynolds"] < 0.01
    assert foam["k_m2"] == pytest.approx(flow.stokes(berea, axis="x").k_m2, rel=0.05)


@needs("simpleFoam")
def test_octree_polymesh_passes_checkmesh_and_gives_the_voxel_mesh_k_with_fewer_cells(tmp_path):
    # the same walls (voxel faces), larger cells in the middle of the pores: the octree case's
    # k is the voxel case's to the discretisation, with polyhedral cells OpenFOAM accepts
    import json

    n, h = 32, 1e-5
    v = dca.samples.sphere_pack(n, radius=9, porosity=0.5, seed=4).replace(voxel_size=(h, h, h))
    env = _foam_env()
    k, cells = {}, {}
    for graded in (True, False):
        case = tmp_path / f"case{graded}"
        meshing.openfoam_case(v, case, axis="x", graded=graded, grading=2.0, max_size=16, iterations=3000)
        check = subprocess.run(["checkMesh", "-case", str(case)], capture_output=True, text=True, env=env, timeout=300)
        assert check.returncode == 0 and "Mesh OK." in check.stdout, check.stdout[-3000:]
        solve = subprocess.run(["simpleFoam", "-case", str(case)], capture_output=True, text=True, env=env,
                               timeout=600)
        assert solve.returncode == 0 and "SIMPLE solution converged" in solve.stdout, solve.stdout[-2000:]
        k[graded] = meshing.openfoam_permeability(case).k_m2
        cells[graded] = int(re.search(r"cells:\s+(\d+)", check.stdout).group(1))
    facts = json.loads((tmp_path / "caseTrue" / meshing.export.CASE_FILE).read_text())
    assert cells[True] == facts["cells"] and cells[True] < 0.5 * cells[False]  # measured 10688 against 22315
    assert k[True] == pytest.approx(k[False], rel=0.03)  # measured +1.6 %


@needs("ccx")
def test_octree_bricks_tie_their_hanging_nodes_in_calculix():
    # bricks of 1-2 voxels around a cavity: its displacements are a subset of the voxel mesh's,
    # so it may only be as stiff or stiffer, and close; a homogeneous graded block stays exact
    solid = np.zeros((8, 8, 8), bool)
    solid[3:5, 3:5, 3:5] = True
    v = dca.Volume(solid, voxel_size=1e-3)
    octree = meshing.octree_hex_mesh(v, phases="solid", max_size=2)
    assert octree.n_cells < 0.6 * solid.size and octree.attrs["constraints"]
    e_oct = meshing.uniaxial_compression(octree, youngs_modulus=2e9, poisson_ratio=0.0).effective_modulus
    e_vox = meshing.uniaxial_compression(meshing.hex_mesh(v, phases="solid", pinches="keep"), youngs_modulus=2e9,
                                         poisson_ratio=0.0).effective_modulus
    assert e_vox <= e_oct <= 1.01 * e_vox  # measured +0.35 %; without the ties it was 20 % softer
    both = dca.Volume(np.pad(np.ones((2, 2, 2), bool), 5), voxel_size=1e-3)  # two phases, one material
    r = meshing.uniaxial_compression(meshing.octree_hex_mesh(both, max_size=4), youngs_modulus=2e9, poisson_ratio=0.0)
    assert r.effective_modulus == pytest.approx(2e9, rel=1e-9)
