"""The Stokes solve split into z-slabs over MPI ranks gives the one-process k to the solver
tolerance, through the API and through ``mpiexec -n N dca permeability``. Runs where mpiexec
and mpi4py are installed (the test extra installs both from the package index)."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

import dca
import flow

BIN = os.path.dirname(sys.executable)
MPIEXEC = shutil.which("mpiexec", path=BIN) or shutil.which("mpiexec")
pytestmark = pytest.mark.skipif(MPIEXEC is None or importlib.util.find_spec("mpi4py") is None,
                                reason="needs mpiexec and mpi4py (pip install 'dca[mpi]')")

CASES = [("x", "reservoir", "sealed"), ("z", "reservoir", "sealed"), ("z", "periodic", "periodic")]
SCRIPT = f"""
import json, dca, flow
image = dca.samples.blobs(36, porosity=0.35, seed=1).data
comm = flow.world()
k = [flow.stokes(image, axis=a, voxel_size=1e-6, inlet=i, lateral=s, comm=comm).k_m2 for a, i, s in {CASES!r}]
if comm.Get_rank() == 0:
    print(json.dumps([comm.Get_size()] + k))
"""


def _mpiexec(ranks, *command):
    env = {k: v for k, v in os.environ.items() if k not in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE")}
    run = subprocess.run([MPIEXEC, "-n", str(ranks), *command], capture_output=True, text=True, timeout=600,
                         env={**env, "NUMBA_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


@pytest.mark.parametrize("ranks", [2, 4])
def test_ranks_give_the_one_process_k(ranks):
    image = dca.samples.blobs(36, porosity=0.35, seed=1).data
    one = [flow.stokes(image, axis=a, voxel_size=1e-6, inlet=i, lateral=s, solver="multigrid").k_m2
           for a, i, s in CASES]
    size, *split = json.loads(_mpiexec(ranks, sys.executable, "-c", SCRIPT).strip().splitlines()[-1])
    assert size == ranks
    assert split == pytest.approx(one, rel=2e-5)  # both to a relative residual of 1e-6 (k to ~1e-5)


def test_mpiexec_dca_permeability_prints_the_one_process_k_once(tmp_path):
    path = str(tmp_path / "blobs.npy")
    dca.write(dca.samples.blobs(32, porosity=0.4, seed=3), path)
    command = [os.path.join(BIN, "dca"), "permeability", path, "--voxel-size", "2um", "--method", "stokes", "--json"]
    one = json.loads(subprocess.run(command + ["--solver", "multigrid"], capture_output=True, text=True,
                                    check=True).stdout)
    out = _mpiexec(2, *command)
    assert out.count('"k_m2"') == 1  # rank 0 speaks for all
    split = json.loads(out)
    assert split["k_m2"] == pytest.approx(one["k_m2"], rel=2e-5)
    assert split["ranks"] == 2 and split["solver"] == "multigrid"


def test_slabs_cover_the_planes_from_even_starts_and_too_many_ranks_is_a_clear_error():
    from flow._lean_stokes import slab_bounds

    for nz, ranks in ((10, 2), (36, 4), (129, 3)):
        bounds = slab_bounds(nz, ranks)
        assert bounds[0][0] == 0 and bounds[-1][1] == nz and len(bounds) == ranks
        assert all(z1 == next_z0 for (_, z1), (next_z0, _) in zip(bounds, bounds[1:]))
        assert all(z0 % 2 == 0 and z1 - z0 >= 2 for z0, z1 in bounds)
    with pytest.raises(dca.InputError, match="at least 8 z-planes"):
        slab_bounds(7, 4)
