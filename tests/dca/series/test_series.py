"""4D series: registration, pipelines over steps, change detection, tracking, invasion."""

import numpy as np
import pytest

import dca
from dca.series import Series


@pytest.fixture(scope="module")
def grey():
    truth = dca.samples.sphere_pack(64, radius=5, porosity=0.4, seed=1)
    return dca.samples.virtual_scan(truth, snr=10).grey


def _moved(volume, rotation_deg=0.0, shift_voxels=(0, 0, 0), scale=1.0):
    """``volume`` resampled through a known similarity transform (about the centre, x/y/z)."""
    import SimpleITK as sitk

    from dca.series._register import _image

    h = volume.voxel_size[0]
    t = sitk.Similarity3DTransform()
    t.SetCenter([(lo + hi) / 2 for lo, hi in volume.bounds[::-1]])
    t.SetRotation((0, 0, 1), np.radians(rotation_deg))
    t.SetTranslation((np.asarray(shift_voxels, float) * h).tolist())
    t.SetScale(scale)
    img = _image(volume.to_numpy().astype(np.float32), volume)
    out = sitk.GetArrayFromImage(sitk.Resample(img, img, t, sitk.sitkLinear, float(volume.to_numpy().mean())))
    return volume.replace(data=out.astype(np.float32), mask=None), t


def test_registration_recovers_a_known_shift_and_rotation(grey):
    moving, known = _moved(grey, rotation_deg=4.0, shift_voxels=(3.3, -2.1, 1.7))
    r = dca.series.register(moving, grey)
    # moving(T(p)) = grey(known(T(p))): known o T must be the identity
    h = grey.voxel_size[0]
    pts = np.random.default_rng(0).uniform(grey.bounds[0][0], grey.bounds[0][1], (200, 3))
    back = np.array([known.TransformPoint(tuple(q)) for q in r.map_points(pts)])
    assert np.abs(back - pts).max() < 0.5 * h
    assert r.rotation_deg == pytest.approx(4.0, abs=0.5) and r.quality > 0.9
    again = dca.series.register(moving, grey)  # deterministic
    np.testing.assert_array_equal(again.matrix, r.matrix)


def test_uniform_compression_is_recovered_as_a_scale(grey):
    moving, _ = _moved(grey, scale=1 / 0.96)  # the sample shrunk to 96 %: moving(p) = grey(p / 0.96)
    r = dca.series.register(moving, grey, scaling=True)
    assert r.scale == pytest.approx(0.96, abs=0.005)


def test_registration_that_fails_says_so_with_its_quality(grey):
    noise = grey.replace(data=np.random.default_rng(1).normal(size=grey.shape).astype(np.float32), mask=None)
    with pytest.raises(dca.ConvergenceError, match="correlation"):
        dca.series.register(noise, grey, iterations=30)


def test_series_is_lazy_registered_and_runs_a_pipeline_per_step(grey, tmp_path):
    paths = []
    for i, shift in enumerate([(0, 0, 0), (2, 0, 0), (0, -3, 1)]):
        step = grey if i == 0 else _moved(grey, shift_voxels=shift)[0]
        paths.append(str(tmp_path / f"step{i}.npy"))
        np.save(paths[-1], step.to_numpy())
    s = Series(paths, coords=[0, 1.5, 3], unit="MPa", name="load", read_options={"voxel_size": grey.voxel_size})
    assert s[1].shape == grey.shape  # read on access
    reg = s.register()
    assert reg.transforms[0] is None and all(t.quality > 0.9 for t in reg.transforms[1:])
    inner = (slice(8, -8),) * 3
    for step in reg:  # every step now lies on the reference grid
        assert dca.series.correlation(step.to_numpy()[inner], grey.to_numpy()[inner]) > 0.95
    table = reg.map(lambda v: {"mean": float(v.to_numpy().mean()), "nested": {"max": float(v.to_numpy().max())}})
    assert list(table.columns) == ["step", "load", "mean", "nested.max"] and table["load"].tolist() == [0, 1.5, 3]
    assert table.attrs["unit"] == "MPa"
    reg.plot(table, ["mean"])
    with pytest.raises(dca.InputError, match="one coordinate per step"):
        Series(paths, coords=[0, 1])
    with pytest.raises(dca.InputError, match="increasing"):
        Series(paths, coords=[0, 2, 1])


def test_phase_changes_count_what_went_where():
    before = np.zeros((10, 10, 10), np.uint8)  # 0 grain, 1 pore
    before[:, :, 5:] = 1
    after = before.copy()
    after[:4, :, 5:] = 2  # water fills 4 slices of the pore space
    after[9, 9, 0] = 1  # one grain voxel dissolved
    a = dca.Volume(before, voxel_size=1e-6, phases={"grain": 0, "pore": 1})
    b = dca.Volume(after, voxel_size=1e-6, phases={"grain": 0, "pore": 1, "water": 2})
    c = dca.series.phase_changes(a, b)
    assert c.volume("pore", "water") == pytest.approx(4 * 10 * 5 * 1e-18)
    assert c.where("grain", "pore").sum() == 1 and c.counts.sum() == 1000
    assert c.changed_fraction == pytest.approx(201 / 1000)
    with pytest.raises(dca.InputError, match="register"):
        dca.series.phase_changes(a, a[1:])


def test_a_growing_crack_is_one_track_with_its_volume_history():
    steps, lengths = [], [4, 9, 15, 22]
    for length in lengths:
        crack = np.zeros((30, 30, 30), bool)
        crack[14:16, 5:5 + length, 10:20] = True  # grows along y
        crack[2:5, 2:5, 2:5] = True  # a pore that stays
        steps.append(dca.series.label_features(dca.Volume(crack, voxel_size=2e-6), phase=None))
    table = dca.series.track(steps, voxel_volume=8e-18)
    assert table["track"].nunique() == 2
    crack_track = table.loc[table["voxels"].idxmax(), "track"]
    history = table[table["track"] == crack_track].sort_values("step")
    assert history["voxels"].tolist() == [2 * n * 10 for n in lengths]
    assert history["volume_m3"].tolist() == pytest.approx([2 * n * 10 * 8e-18 for n in lengths])


def test_invasion_saturations_add_up_and_a_front_advances_a_known_distance():
    n = 40
    pore = np.ones((n, n, n), bool)
    pore[:, ::4, ::4] = False  # solid pillars along z
    steps = []
    for front in (5, 10, 20, 30):
        lab = np.where(pore, 1, 0).astype(np.uint8)  # 0 solid, 1 water
        lab[:front][pore[:front]] = 2  # oil invades from z = 0
        steps.append(dca.Volume(lab, voxel_size=5e-6, phases={"solid": 0, "water": 1, "oil": 2}))
    s = Series(steps, coords=[1, 2, 4, 6], unit="uL", name="injected")
    table = dca.series.invasion(s, nonwetting="oil", wetting="water", surface_tension=0.03)
    pore_slice = pore[0].sum()
    for (front, row) in zip((5, 10, 20, 30), table.itertuples()):
        assert row.nonwetting_volume_m3 == pytest.approx(front * pore_slice * 125e-18)
        assert row.nonwetting_saturation * n == pytest.approx(front)  # the front position, in slices
        assert row.nonwetting_volume_m3 + row.wetting_volume_m3 == pytest.approx(pore.sum() * 125e-18)


def test_interface_curvature_of_a_drop_gives_young_laplace():
    n, radius, h = 64, 14.0, 2e-6
    z, y, x = np.mgrid[:n, :n, :n] - (n - 1) / 2
    lab = np.where(x**2 + y**2 + z**2 <= radius**2, 2, 1).astype(np.uint8)
    v = dca.Volume(lab, voxel_size=h, phases={"water": 1, "oil": 2})
    c = dca.series.interface_curvature(v, nonwetting="oil", wetting="water", surface_tension=0.03)
    assert c.capillary_pressure == pytest.approx(2 * 0.03 / (radius * h), rel=0.05)


def test_steps_of_another_shape_are_registered_onto_the_reference_grid(grey):
    moved, _ = _moved(grey, shift_voxels=(1.5, 0, -2))
    cropped = moved[4:60, 2:62, 3:58]  # another shape, and an origin of its own
    s = Series([grey, cropped]).register()
    assert s[1].shape == grey.shape and s.transforms[1].quality > 0.9
    inner = (slice(10, -10),) * 3
    assert dca.series.correlation(s[1].to_numpy()[inner], grey.to_numpy()[inner]) > 0.95


def test_step_metrics_of_a_lazy_step_are_those_in_memory(grey, monkeypatch):
    import dask.array as da

    import dca._chunks

    monkeypatch.setattr(dca._chunks, "SLAB_VOXELS", 5 * 64 * 64)
    step = grey.replace(data=np.round(np.clip(grey.to_numpy(), 0, None) * 1000).astype(np.uint16), mask=None)  # uint16
    lazy = step.replace(data=da.from_array(step.to_numpy(), chunks=(24, 30, 64)))
    assert lazy.is_lazy
    memory, streamed = dca.series.step_metrics(step), dca.series.step_metrics(lazy)
    assert streamed.keys() == memory.keys()
    for key, value in memory.items():
        assert streamed[key] == (pytest.approx(value, rel=1e-12) if isinstance(value, float) else value), key
    assert 0.3 < memory["porosity"] < 0.6 and memory["connected_porosity"] > 0.9 * memory["porosity"]
