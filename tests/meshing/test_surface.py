"""Surfaces: watertight, volume kept, caps on the box faces, conforming multi-phase interfaces."""

import numpy as np
import pytest

import dca
import meshing


def _ball(n=40, radius=12.0, h=2e-6):
    z, y, x = np.mgrid[:n, :n, :n] - (n - 1) / 2
    return dca.Volume(x**2 + y**2 + z**2 <= radius**2, voxel_size=h)


def test_ball_is_watertight_with_its_voxel_volume_and_sphere_area():
    v = _ball()
    s = meshing.surface(v)
    check = meshing.surface_check(s)
    assert check["watertight"] and check["components"] == 1 and check["euler_characteristic"] == 2
    voxels = v.to_numpy().sum() * np.prod(v.voxel_size)
    assert s.enclosed_volume() == pytest.approx(voxels, rel=0.01)
    assert set(s.cell_names) == {"wall"}  # inside the box: no caps
    r = (3 * voxels / (4 * np.pi)) ** (1 / 3)
    assert s.cell_volumes().sum() == pytest.approx(4 * np.pi * r**2, rel=0.02)  # staircase would give +50 %
    # in the image frame: centred where the voxels are
    np.testing.assert_allclose(s.points.mean(axis=0), np.array(v.origin)[::-1] + 19.5 * 2e-6, atol=0.05 * 2e-6)


def test_smoothing_keeps_volume_and_stays_within_half_a_voxel():
    v = _ball()
    raw = meshing.surface(v)
    smooth = meshing.surface(v, smoothing=20)
    assert meshing.surface_check(smooth)["watertight"]
    assert smooth.enclosed_volume() == pytest.approx(raw.attrs["voxel_volume_m3"], rel=0.02)
    assert np.abs(smooth.points - raw.points).max() <= 0.5 * 2e-6 + 1e-18


def test_a_cylinder_cut_by_the_box_is_closed_by_named_caps():
    n, radius = 30, 9.0
    z, y, x = np.mgrid[:n, :n, :n] - (n - 1) / 2
    v = dca.Volume(np.broadcast_to(y**2 + z**2 <= radius**2, (n, n, n)).copy(), voxel_size=1e-6)
    s = meshing.surface(v)
    assert meshing.surface_check(s)["watertight"]
    assert set(s.cell_names) == {"wall", "xmin", "xmax"}
    areas = {name: s.cell_volumes()[s.cell_tags == tag].sum() for name, tag in s.cell_names.items()}
    disc = v.to_numpy()[:, :, 0].sum() * 1e-12  # voxel area of the cross-section
    assert areas["xmin"] == pytest.approx(disc, rel=0.02) and areas["xmax"] == pytest.approx(disc, rel=0.02)
    xmin = s.points[np.unique(s.cells[s.cell_tags == s.cell_names["xmin"]])]
    # caps lie on the box face, at the voxel boundary, flat within CAP_BAND voxels
    assert np.abs(xmin[:, 0] - v.bounds[2][0]).max() <= 0.0201 * 1e-6
    assert s.enclosed_volume() == pytest.approx(v.to_numpy().sum() * 1e-18, rel=0.01)


def test_a_full_box_is_its_six_faces():
    v = dca.Volume(np.ones((5, 6, 7), bool), voxel_size=(1e-6, 2e-6, 3e-6))
    s = meshing.surface(v)
    assert meshing.surface_check(s)["watertight"]
    area = {name: s.cell_volumes()[s.cell_tags == tag].sum() for name, tag in s.cell_names.items()}
    # each cap is its face, plus the bevel along the box edges (CAP_BAND voxels wide)
    assert area["xmin"] == pytest.approx(5e-6 * 12e-6, rel=0.03)
    assert area["zmax"] == pytest.approx(12e-6 * 21e-6, rel=0.03)
    assert sum(area.values()) == pytest.approx(2 * (5 * 12 + 5 * 21 + 12 * 21) * 1e-12, rel=0.01)
    assert s.enclosed_volume() == pytest.approx(5 * 6 * 7 * 6e-18, rel=0.01)


def test_decimation_keeps_it_watertight_with_fewer_triangles():
    v = _ball(48, 16.0)
    full = meshing.surface(v)
    coarse = meshing.surface(v, decimate=0.25)
    assert meshing.surface_check(coarse)["watertight"]
    assert 0.15 < coarse.n_cells / full.n_cells < 0.35
    assert coarse.enclosed_volume() == pytest.approx(full.attrs["voxel_volume_m3"], rel=0.02)


def test_multiphase_surfaces_share_their_interfaces():
    v = dca.samples.electrode(40, particle_radius=6, seed=2)
    s = meshing.surfaces(v)
    box = np.prod([b[1] - b[0] for b in v.bounds])
    total = 0.0
    for phase in ("pore", "active", "binder"):
        closed = meshing.phase_surface(s, phase)
        check = meshing.surface_check(closed)
        assert check["open_edges"] == 0 and check["misoriented_edges"] == 0 and check["nonmanifold_edges"] == 0
        total += closed.enclosed_volume()
    # shared triangles: the phase volumes add up to the box exactly, smoothing or not
    assert total == pytest.approx(box, rel=1e-9)
    raw = meshing.surfaces(v, smoothing=0)
    assert raw.attrs["voxels_changed_for_pinches"] == s.attrs["voxels_changed_for_pinches"]  # smoothing comes after
    assert {"pore|active", "pore|binder", "active|binder"} <= set(s.cell_names)


@pytest.mark.slow
def test_berea_pore_surface(berea):
    s = meshing.surface(berea)
    check = meshing.surface_check(s)
    assert check["watertight"]
    assert s.enclosed_volume() == pytest.approx(s.attrs["voxel_volume_m3"], rel=0.01)
    assert {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"} <= set(s.cell_names)


def test_surface_bad_input():
    v = dca.Volume(np.zeros((4, 4, 4), np.uint8), voxel_size=1e-6, phases={"solid": 0, "pore": 1})
    with pytest.raises(dca.InputError, match="has no voxels"):
        meshing.surface(v)
    with pytest.raises(dca.InputError, match="decimate"):
        meshing.surface(_ball(), decimate=1.5)
