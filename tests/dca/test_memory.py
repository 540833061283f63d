"""The memory guard: a stage that would not fit says so before it starts, with what it needs."""

import re

import pytest

import dca
import flow
import meshing
from dca.cli import main


@pytest.fixture
def blobs():
    return dca.samples.blobs(32, porosity=0.3, seed=1, voxel_size=1e-6)


@pytest.mark.parametrize("stage, call", [
    ("Stokes solve", lambda v: flow.stokes(v, axis="x", solver="amg")),
    ("Stokes solve (multigrid)", lambda v: flow.stokes(v, axis="x")),  # by itself where amg would not fit
    ("tortuosity solve", lambda v: flow.tortuosity(v, axis="x")),
    ("local thickness", lambda v: dca.metrics.local_thickness(v)),
    ("surface mesh", lambda v: meshing.surface(v)),
    ("voxel mesh", lambda v: meshing.hex_mesh(v)),
])
def test_a_stage_that_would_not_fit_is_refused_before_it_starts(blobs, monkeypatch, stage, call):
    per_voxel = dca._memory.BYTES_PER_VOXEL[stage]
    voxels = int(blobs.to_numpy().sum()) if stage.startswith("Stokes") else blobs.size
    monkeypatch.setenv("DCA_MEMORY_LIMIT", str(voxels * per_voxel - 1))  # one byte short
    expected = re.escape(f"the {stage} of a 32 x 32 x 32 volume needs about")
    with pytest.raises(dca.MemoryLimitError, match=expected) as err:
        call(blobs)
    assert "representative elementary volume" in str(err.value) and "\n" not in str(err.value)
    assert ("flow.upscale" in str(err.value)) == stage.startswith("Stokes")  # a solve also maps k in REV blocks
    monkeypatch.setenv("DCA_MEMORY_LIMIT", str(voxels * per_voxel))  # just enough
    call(blobs)


def test_the_stokes_solver_that_fits_is_chosen_and_gives_the_same_k(blobs, monkeypatch):
    pore_voxels = int(blobs.to_numpy().sum())
    assembled = flow.stokes(blobs, axis="x")
    assert assembled.permeability.extra["solver"] == "amg"
    monkeypatch.setenv("DCA_MEMORY_LIMIT", str(pore_voxels * dca._memory.BYTES_PER_VOXEL["Stokes solve"] - 1))
    lean = flow.stokes(blobs, axis="x")
    assert lean.permeability.extra["solver"] == "multigrid"
    assert lean.k_m2 == pytest.approx(assembled.k_m2, rel=2e-5)


@pytest.mark.parametrize("stage, call", [
    ("metrics summary", lambda v: {k: x for k, x in dca.metrics.summary(v).items() if isinstance(x, float)}),
    ("network extraction", lambda v: len(dca.network.extract(v).pores)),
    ("local thickness", lambda v: dca.metrics.pore_size_distribution(v).summary),
])
def test_a_stage_that_would_not_fit_in_memory_runs_chunk_by_chunk(blobs, monkeypatch, stage, call):
    expected = call(blobs)
    monkeypatch.setenv("DCA_MEMORY_LIMIT", str(blobs.size * dca._memory.BYTES_PER_VOXEL[stage] - 1))
    assert dca._memory.chunked(blobs, stage).is_lazy
    got = call(blobs)
    assert got == (pytest.approx(expected, rel=1e-12) if stage == "metrics summary" else expected)


def test_the_command_line_says_it_in_one_line(blobs, tmp_path, monkeypatch, capsys):
    dca.write(blobs, tmp_path / "b.npz")
    monkeypatch.setenv("DCA_MEMORY_LIMIT", "100kB")
    assert main(["mesh", str(tmp_path / "b.npz"), "-o", str(tmp_path / "m.vtu")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "MB and 0.1 MB is available" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.npz"]  # nothing written


def test_the_limit_takes_units_and_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("DCA_MEMORY_LIMIT", "1.5GiB")
    assert dca.util.available_memory() == int(1.5 * 2 ** 30)
    monkeypatch.setenv("DCA_MEMORY_LIMIT", "8GB")
    assert dca.util.available_memory() == 8 * 10 ** 9
    monkeypatch.setenv("DCA_MEMORY_LIMIT", "lots")
    with pytest.raises(dca.DcaError, match="DCA_MEMORY_LIMIT"):
        dca.util.available_memory()
    monkeypatch.delenv("DCA_MEMORY_LIMIT")
    assert 0 < dca.util.available_memory() < 2 ** 50


def test_a_lazy_volume_too_big_for_memory_is_not_loaded(monkeypatch):
    import dask.array as da
    import numpy as np

    big = dca.Volume(da.zeros((64, 64, 64), dtype=np.uint16, chunks=32), voxel_size=1e-6)
    monkeypatch.setenv("DCA_MEMORY_LIMIT", "100kB")
    with pytest.raises(dca.MemoryLimitError, match=r"loading into memory of a 64 x 64 x 64 volume needs about"):
        big.to_numpy()
    assert dca.metrics.porosity(big.replace(data=big.data.astype(bool))) == 0.0  # streamed stages still run
