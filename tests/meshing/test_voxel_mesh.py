"""Voxel hexahedral and tetrahedral meshes: volumes, tags, frame, conformity, quality."""

import numpy as np
import pytest

import dca
import meshing


def _two_phase():
    data = np.zeros((6, 7, 8), np.uint8)
    data[:, :, 4:] = 1  # pore in x >= 4, solid below
    data[2:4, 2:5, 1:3] = 1  # an inclusion of pore inside the solid half
    return dca.Volume(data, voxel_size=(2e-6, 3e-6, 5e-6), origin=(1e-3, 2e-3, -4e-3),
                      phases={"solid": 0, "pore": 1})


@pytest.mark.parametrize("build", [meshing.hex_mesh, meshing.tet_mesh])
def test_region_volumes_are_the_voxel_volumes_and_the_mesh_spans_the_box(build):
    v = _two_phase()
    m = build(v)
    cell = np.prod(v.voxel_size)
    data = v.to_numpy()
    vols = m.region_volumes()
    assert vols["pore"] == pytest.approx((data == 1).sum() * cell, rel=1e-12)
    assert vols["solid"] == pytest.approx((data == 0).sum() * cell, rel=1e-12)
    assert np.all(m.cell_volumes() > 0)  # every element positively oriented
    lo, hi = m.points.min(axis=0), m.points.max(axis=0)
    bounds = v.bounds[::-1]  # image frame: x is the last array axis
    np.testing.assert_allclose(lo, [b[0] for b in bounds], rtol=0, atol=1e-15)
    np.testing.assert_allclose(hi, [b[1] for b in bounds], rtol=0, atol=1e-15)


@pytest.mark.parametrize("build", [meshing.hex_mesh, meshing.tet_mesh])
def test_facets_face_out_of_their_cell_and_tag_box_faces_and_interfaces(build):
    v = _two_phase()
    m = build(v)
    p = m.points[m.facets]
    if p.shape[1] == 3:
        normal = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]) / 2
    else:
        normal = np.cross(p[:, 2] - p[:, 0], p[:, 3] - p[:, 1]) / 2
    outward = p.mean(axis=1) - m.points[m.cells[m.facet_cell]].mean(axis=1)
    assert np.all(np.einsum("ij,ij->i", normal, outward) > 0)
    area = lambda name: np.linalg.norm(normal[m.facet_tags == m.facet_names[name]], axis=1).sum()  # noqa: E731
    ez, ey, ex = (n * h for n, h in zip(v.shape, v.voxel_size))
    assert area("xmin") == pytest.approx(ey * ez) and area("zmax") == pytest.approx(ex * ey)
    # the interface, named owner|other (solid is the first phase): the plane x = 4 voxels,
    # plus the inclusion's 2x3x2 box surface
    dz, dy, dx = v.voxel_size
    inclusion = 2 * (2 * dz * 3 * dy + 2 * dz * 2 * dx + 3 * dy * 2 * dx)
    assert area("solid|pore") == pytest.approx(ey * ez + inclusion)


def test_tetrahedra_conform_across_the_interface():
    m = meshing.tet_mesh(_two_phase())
    faces = np.sort(np.concatenate([m.cells[:, list(f)] for f in ((0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3))]), axis=1)
    _, counts = np.unique(faces, axis=0, return_counts=True)
    n_boundary = int(np.count_nonzero(counts == 1))
    assert counts.max() == 2  # no hanging or overlapping faces
    box = sum(np.count_nonzero(m.facet_tags == m.facet_names[f]) for f in meshing.BOX_FACES)
    assert n_boundary == box  # every face not on the box is shared by two tetrahedra
    interface = np.sort(m.facets[m.facet_tags == m.facet_names["solid|pore"]], axis=1)
    shared = {tuple(f) for f, c in zip(*np.unique(faces, axis=0, return_counts=True)) if c == 2}
    assert all(tuple(f) in shared for f in interface)


def test_one_phase_gives_walls_named_by_the_phase_pair():
    v = _two_phase()
    m = meshing.hex_mesh(v, phases="pore")
    assert set(m.cell_names) == {"pore"}
    assert "pore|solid" in m.facet_names
    assert m.counts()["cells"] == int((v.to_numpy() == 1).sum())


def test_pinched_voxels_are_joined_through_a_face():
    data = np.zeros((3, 3, 3), bool)
    data[1, 0, 0] = data[1, 1, 1] = True  # touch along an edge only
    v = dca.Volume(data, voxel_size=1e-6)
    m = meshing.hex_mesh(v, phases="pore")
    assert m.attrs["voxels_changed_for_pinches"] == 1 and m.n_cells == 3
    kept = meshing.hex_mesh(v, phases="pore", pinches="keep")
    assert kept.n_cells == 2 and kept.attrs["voxels_changed_for_pinches"] == 0
    corner = np.zeros((2, 2, 2), bool)
    corner[0, 0, 0] = corner[1, 1, 1] = True  # touch at a corner only: two voxels fill the path
    assert meshing.hex_mesh(dca.Volume(corner, voxel_size=1e-6), phases="pore").n_cells == 4


def test_coarsening_merges_blocks_by_majority():
    data = np.zeros((8, 8, 8), bool)
    data[:, :, :4] = True
    v = dca.Volume(data, voxel_size=1e-6)
    m = meshing.hex_mesh(v, coarsen=2)
    assert m.n_cells == 64 and m.counts()["cells_per_tag"] == {"pore": 32, "solid": 32}
    assert m.region_volumes()["pore"] == pytest.approx(256e-18)
    assert m.points.min(axis=0) == pytest.approx([-0.5e-6] * 3) and m.points.max(axis=0) == pytest.approx([7.5e-6] * 3)


def test_quality_of_voxel_elements():
    v = dca.Volume(np.ones((3, 3, 3), bool), voxel_size=(1e-6, 1e-6, 2e-6))
    q = meshing.hex_mesh(v).quality()
    t = q.table()
    assert t["scaled_jacobian"]["min"] == pytest.approx(1) and t["aspect_ratio"]["max"] == pytest.approx(2)
    assert t["min_dihedral_deg"]["min"] == pytest.approx(90) and q.ok
    cube = meshing.tet_mesh(dca.Volume(np.ones((2, 2, 2), bool), voxel_size=1e-6)).quality().table()
    assert cube["min_dihedral_deg"]["min"] == pytest.approx(45) and cube["max_dihedral_deg"]["max"] == pytest.approx(90)
    # R / 3r of the Kuhn simplex: R = sqrt(3)/2, r = 3V/A = 0.5/(1 + sqrt(2))
    assert cube["radius_ratio"]["max"] == pytest.approx(np.sqrt(3) * (1 + np.sqrt(2)) / 3)
    flagged = meshing.tet_mesh(dca.Volume(np.ones((2, 2, 2), bool), voxel_size=1e-6)).quality(min_dihedral_deg=50)
    assert not flagged.ok and flagged.flagged["min_dihedral_deg"] == 48


def test_regular_tetrahedron_scores_one():
    from meshing._quality import _tet_metrics

    p = np.array([[[1, 1, 1], [-1, 1, -1], [1, -1, -1], [-1, -1, 1]]], float)
    m = _tet_metrics(p)
    for key in ("radius_ratio", "scaled_jacobian", "aspect_ratio"):
        assert m[key][0] == pytest.approx(1)
    assert m["min_dihedral_deg"][0] == pytest.approx(np.degrees(np.arccos(1 / 3)))


def test_bad_input_names_the_problem():
    v = _two_phase()
    with pytest.raises(dca.InputError, match="no phase named 'grain'"):
        meshing.hex_mesh(v, phases="grain")
    empty = dca.Volume(np.zeros((4, 4, 4), np.uint8), voxel_size=1e-6, phases={"solid": 0, "pore": 1})
    with pytest.raises(dca.InputError, match="phase 'pore' .* has no voxels"):
        meshing.tet_mesh(empty, phases="pore")
    with pytest.raises(dca.InputError, match="grey levels"):
        meshing.hex_mesh(dca.Volume(np.zeros((4, 4, 4), np.float32), voxel_size=1e-6))
    with pytest.raises(dca.InputError, match="voxel_size is missing"):
        meshing.hex_mesh(np.ones((4, 4, 4), bool))
    with pytest.raises(dca.InputError, match="coarsen"):
        meshing.hex_mesh(v, coarsen=0)
