"""Network extraction: tubes, the real Berea crop, invariants, bad input."""

import numpy as np
import pytest

import dca
from dca import InputError


def _tube(radius=8, n=(40, 40, 80), voxel=1e-6):
    z, y = np.mgrid[:n[0], :n[1]] - (np.array(n[:2])[:, None, None] - 1) / 2
    disc = z ** 2 + y ** 2 < radius ** 2
    return dca.Volume(np.repeat(disc[:, :, None], n[2], axis=2), voxel_size=voxel)


def test_tube_is_one_pore_with_a_boundary_pore_on_each_end():
    net = dca.network.extract(_tube())
    assert net.internal.sum() == 1
    assert sorted(net.pores["boundary"][~net.internal]) == ["xmax", "xmin"]
    tube = net.pores[net.internal].iloc[0]
    assert tube["volume"] == pytest.approx(np.count_nonzero(_tube().data) * 1e-18)
    assert tube["x"] == pytest.approx(39.5e-6) and tube["y"] == pytest.approx(19.5e-6)
    inlet = net.throats[net.throats["pore2"] == net.boundary_pores("xmin")[0]].iloc[0]
    assert inlet["cross_section_area"] == pytest.approx(np.count_nonzero(_tube().data[:, :, 0]) * 1e-12)
    from scipy import ndimage

    deepest = ndimage.distance_transform_edt(_tube().data)[:, :, 0].max()
    assert inlet["inscribed_diameter"] == pytest.approx(2 * deepest * 1e-6, rel=1e-6)


def test_pore_centres_are_in_the_image_frame_with_x_the_last_axis():
    im = np.zeros((30, 30, 60), bool)
    im[10:20, 10:20, 5:25] = True  # a box pore near x = 15
    im[12:18, 12:18, 25:40] = True
    im[8:22, 8:22, 40:55] = True  # a bigger one near x = 47
    v = dca.Volume(im, voxel_size=2e-6, origin=(1e-3, 2e-3, 3e-3))
    net = dca.network.extract(v, boundary_faces=())
    xs = np.sort(net.pores["x"].to_numpy())
    assert xs[0] > 3e-3 + 2e-6 * 5 and xs[-1] < 3e-3 + 2e-6 * 55
    assert np.allclose(net.pores["z"], 1e-3 + 2e-6 * 14.5, atol=3e-6)
    (x0, y0, z0), (x1, y1, z1) = net.box
    assert (x0, y0, z0) == pytest.approx((3e-3 - 1e-6, 2e-3 - 1e-6, 1e-3 - 1e-6))
    assert x1 - x0 == pytest.approx(120e-6) and z1 - z0 == pytest.approx(60e-6)


def test_berea_network_is_healthy_and_matches_the_image(berea, berea_network):
    net = berea_network
    assert 1000 < net.internal.sum() < 1500  # PoreSpy's serial SNOW finds 1240 on this crop
    assert net.porosity == pytest.approx(dca.metrics.porosity(berea), abs=0.002)  # pore volumes are voxel counts
    health = net.health("x")
    assert health.percolates and health.spanning.sum() > 0.95 * net.n_pores
    trimmed = net.trim_to_spanning("x")
    assert trimmed.health("x").disconnected_pores == 0 and trimmed.health("x").isolated_pores == 0
    assert trimmed.n_pores == health.spanning.sum()
    assert np.all(net.throats["shape_factor"] <= 1 / (4 * np.pi) + 1e-12)
    assert np.all(net.throats["total_length"] > 0)
    lengths = net.throats[["pore1_length", "throat_length", "pore2_length"]].sum(axis=1)
    np.testing.assert_allclose(lengths, net.throats["total_length"], rtol=1e-9)


def test_extraction_scales_with_voxel_size():
    v = dca.samples.blobs(48, porosity=0.4, seed=2)
    a = dca.network.extract(v)
    b = dca.network.extract(v.replace(voxel_size=(3 * v.voxel_size[0],) * 3, origin=(0.0, 0.0, 0.0)))
    assert a.n_pores == b.n_pores and a.n_throats == b.n_throats
    np.testing.assert_allclose(b.pores["volume"], 27 * a.pores["volume"], rtol=1e-9)
    np.testing.assert_allclose(b.throats["cross_section_area"], 9 * a.throats["cross_section_area"], rtol=1e-9)


def test_bad_input_is_named():
    with pytest.raises(InputError, match="fills the whole volume"):
        dca.network.extract(dca.Volume(np.ones((10, 10, 10), bool), voxel_size=1e-6))
    with pytest.raises(InputError, match="cubic voxels"):
        dca.network.extract(dca.Volume(np.ones((10, 10, 10), bool), voxel_size=(1e-6, 1e-6, 2e-6)))
    with pytest.raises(InputError, match="boundary faces"):
        dca.network.extract(_tube(), boundary_faces=("left",))


def test_several_phases_give_pores_of_each_and_interface_throats():
    v = dca.samples.electrode(48, seed=0)  # 0 pore, 1 active, 2 binder
    net = dca.network.extract(v, phase=["pore", "active"], boundary_faces=())
    phases = set(net.pores["phase"])
    assert phases == {v.phase("pore"), v.phase("active")}
    interface = net.throats["interface"].to_numpy()
    assert 0 < interface.sum() < net.n_throats
    ends = net.pores["phase"].to_numpy()[net.conns]
    np.testing.assert_array_equal(interface, ends[:, 0] != ends[:, 1])
    total = sum(np.count_nonzero(v.data == v.phase(p)) for p in ("pore", "active"))
    assert net.pores["volume"].sum() / v.voxel_volume == pytest.approx(total, rel=0.01)
