"""dca.util: the one input rule, natural order, short reprs, progress by default."""

import subprocess
import sys

import numpy as np
import pytest

import dca
import flow


def test_as_volume_takes_a_volume_or_an_array_with_its_voxel_size():
    v = dca.Volume(np.ones((2, 3, 4), bool), voxel_size=2e-6)
    assert dca.util.as_volume(v) is v
    assert dca.util.as_volume(v, voxel_size=2e-6) is v  # repeating the Volume's own is fine
    assert dca.util.as_volume(np.ones((2, 3, 4)), voxel_size="2um").voxel_size == (2e-6,) * 3
    with pytest.raises(dca.VoxelSizeError, match="contradicts the Volume's own"):
        dca.util.as_volume(v, voxel_size=1e-6)  # never silently replaced
    with pytest.raises(dca.VoxelSizeError, match="voxel_size is missing"):
        dca.util.as_volume(np.ones((2, 3, 4)))
    with pytest.raises(dca.InputError, match="read it with dca.read"):
        dca.util.as_volume("scan.tif", voxel_size=1e-6)
    with pytest.raises(dca.InputError, match="3-D"):
        dca.util.as_volume(np.ones((3, 4)), voxel_size=1e-6)


@pytest.mark.parametrize("call", [
    lambda a, **k: dca.metrics.porosity(a, **k),
    lambda a, **k: dca.metrics.specific_surface(a, **k),
    lambda a, **k: dca.segment.remove_islands(a, min_size=2, **k),
    lambda a, **k: flow.tortuosity(a, axis="x", **k),
    lambda a, **k: flow.stokes(a, axis="x", **k),
])
def test_every_stage_takes_the_same_inputs(call):
    # the contract: an array with voxel_size= gives what the Volume gives; a bare array is refused
    data = dca.samples.blobs(20, porosity=0.5, seed=4, voxel_size=1e-6).to_numpy()
    volume = dca.Volume(data, voxel_size=1e-6)
    a, b = call(volume), call(data, voxel_size=1e-6)
    same = (lambda x, y: x == y) if isinstance(a, float) else (lambda x, y: repr(x) == repr(y))
    if hasattr(a, "to_numpy"):
        assert np.array_equal(a.to_numpy(), b.to_numpy())
    elif hasattr(a, "to_dict"):
        strip = lambda r: {k: v for k, v in r.to_dict().items() if k != "seconds"}  # noqa: E731
        assert strip(a) == strip(b)
    else:
        assert same(a, b)
    with pytest.raises(dca.VoxelSizeError, match="voxel_size is missing"):
        call(data)
    with pytest.raises(dca.VoxelSizeError, match="contradicts"):
        call(volume, voxel_size=2e-6)


def test_natural_order_numbers_the_steps_as_people_do():
    assert dca.util.natural_order(["a/s10.tif", "a/s9.tif", "a/s100.tif"]) == ["a/s9.tif", "a/s10.tif", "a/s100.tif"]
    with pytest.raises(dca.InputError, match="number the same step"):
        dca.util.natural_order(["s1.tif", "s01.tif"])


def test_results_have_a_short_repr_with_their_arrays_by_shape():
    v = dca.samples.blobs(32, porosity=0.35, seed=1, voxel_size=5e-6)
    net = dca.network.extract(v)
    results = [flow.drainage(net, axis="x"), flow.formation_factor(net, axis="x"), net.health("x"),
               flow.upscale(v, 16, axis="x"), dca.metrics.minkowski(v), dca.metrics.pore_size_distribution(v),
               dca.segment.score(v, v), dca.series.phase_changes(v, v)]
    for r in results:
        text = repr(r)
        assert len(text) < 400 and text.count("\n") <= 4, text
        assert text.startswith(f"<{type(r).__name__}")
    assert "<array 32 x 32 x 32>" in repr(results[-1])


def test_progress_is_on_by_default_only_where_someone_watches(monkeypatch):
    assert dca.util.show_progress(True) and not dca.util.show_progress(False)
    assert not dca.util.show_progress(None)  # under pytest
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    monkeypatch.setattr(sys, "ps1", ">>> ", raising=False)  # an interactive shell
    assert dca.util.show_progress(None)
    monkeypatch.delattr(sys, "ps1")
    script = "import dca, sys; sys.exit(0 if not dca.util.show_progress(None) else 3)"
    assert subprocess.run([sys.executable, "-c", script]).returncode == 0  # a script: quiet
