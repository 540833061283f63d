"""Graded meshes: the balanced octree, graded tetrahedra with smooth interfaces, the octree polyMesh."""

import json

import numpy as np
import pytest
from scipy import ndimage as ndi

import dca
import meshing
from meshing._octree import allowed_levels, face_polygons, octree
from meshing._voxel_mesh import TET_FACES


def _ball(n=32, radius=9.5):
    z, y, x = np.indices((n,) * 3) - (n - 1) / 2
    return (z ** 2 + y ** 2 + x ** 2) <= radius ** 2


def test_octree_is_balanced_covers_every_cell_once_and_its_faces_close_every_leaf():
    pore = ~_ball(32, 9.5)
    pore[:, :3, :5] = False  # a corner of solid as well
    d = ndi.distance_transform_edt(pore)
    tree = octree(pore.astype(np.int32), allowed_levels(d, grading=1.0, max_level=3), max_level=3)
    size = tree.size
    assert (size ** 3).sum() == pore.sum()  # the leaves tile the pore cells exactly
    assert tree.level.max() >= 2  # and it did coarsen
    owner = np.zeros((pore.size,), np.int64)
    for i, (o, s) in enumerate(zip(tree.origin, size)):
        block = np.zeros(pore.shape, bool)
        block[o[0]:o[0] + s, o[1]:o[1] + s, o[2]:o[2] + s] = True
        owner[block.ravel()] += 1
    assert owner[pore.ravel()].max() == 1
    f = tree.faces
    inner = f[:, 8] == 0
    assert (np.abs(tree.level[f[inner, 0]] - tree.level[f[inner, 1]]) <= 1).all()  # 2:1 across faces
    # each leaf's faces (as either side) add up to its six sides: every cell is closed
    area = f[:, 7].astype(float) ** 2
    total = np.bincount(f[:, 0], weights=area, minlength=tree.n_leaves)
    total += np.bincount(f[inner, 1], weights=area[inner], minlength=tree.n_leaves)
    assert np.allclose(total, 6 * size.astype(float) ** 2)
    # polygons: a hanging node sits on an edge midpoint only where a smaller leaf put one
    points, poly = face_polygons(tree)
    assert (poly[:, ::2] >= 0).all() and (poly[:, 1::2] >= 0).any()


def _conforming(mesh):
    faces = np.sort(mesh.cells[:, np.array(TET_FACES)].reshape(-1, 3), axis=1)
    _, counts = np.unique(faces, axis=0, return_counts=True)
    return counts.max() <= 2


def test_graded_tet_mesh_of_a_ball_is_conforming_graded_smooth_and_keeps_the_volume():
    n, h, radius = 40, 1e-5, 12.3
    ball = _ball(n, radius)
    v = dca.Volume(~ball, voxel_size=h)  # pore outside, a solid grain in the middle
    mesh = meshing.graded_tet_mesh(v)
    voxel_tets = 6 * n ** 3
    assert mesh.n_cells * 5 < voxel_tets  # graded: well under a fifth of the voxel tetrahedra
    assert _conforming(mesh)
    volumes = mesh.region_volumes()
    assert sum(volumes.values()) == pytest.approx((n * h) ** 3, rel=1e-12)  # the box, exactly
    exact = 4 / 3 * np.pi * (radius * h) ** 3
    assert volumes["solid"] == pytest.approx(ball.sum() * h ** 3, rel=0.01)
    assert volumes["solid"] == pytest.approx(exact, rel=0.01)
    q = mesh.quality().table()
    assert q["min_dihedral_deg"]["min"] >= 10 and q["radius_ratio"]["p99"] <= 3
    assert q["scaled_jacobian"]["min"] > 0.2
    # smooth: the interface nodes lie on the sphere, not on the voxel staircase
    tag = mesh.facet_names["pore|solid"]
    nodes = np.unique(mesh.facets[mesh.facet_tags == tag])
    r = np.linalg.norm(mesh.points[nodes] / h - (n - 1) / 2, axis=1)
    moved = mesh.attrs["interface_nodes_moved_fully"] / mesh.attrs["interface_nodes"]
    assert moved > 0.5
    assert np.median(np.abs(r - radius)) < 0.15
    staircase = meshing.graded_tet_mesh(v, snap=False)
    stair_nodes = np.unique(staircase.facets[staircase.facet_tags == tag])
    r0 = np.linalg.norm(staircase.points[stair_nodes] / h - (n - 1) / 2, axis=1)
    assert np.median(np.abs(r - radius)) < 0.5 * np.median(np.abs(r0 - radius))
    # facets face out of their cells and name the box faces
    assert {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax", "pore|solid"} <= set(mesh.facet_names)
    p = mesh.points[mesh.facets]
    normal = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    inside = mesh.points[mesh.cells[mesh.facet_cell]].mean(axis=1)
    assert (np.einsum("ij,ij->i", normal, p[:, 0] - inside) > 0).all()


def test_graded_tet_mesh_is_deterministic_and_three_phases_conform():
    v = dca.samples.electrode(32, particle_radius=6, seed=2)
    a, b = meshing.graded_tet_mesh(v), meshing.graded_tet_mesh(v)
    assert np.array_equal(a.points, b.points) and np.array_equal(a.cells, b.cells)
    assert len(a.cell_names) == 3 and _conforming(a)
    pairs = {k for k in a.facet_names if "|" in k}
    assert len(pairs) == 3  # every pair of the three phases meets somewhere
    voxels = {name: np.count_nonzero(v.to_numpy() == label) * np.prod(v.voxel_size)
              for name, label in dca.util.phase_names(v).items()}
    for name, vol in a.region_volumes().items():
        assert vol == pytest.approx(voxels[name], rel=0.05), name
    q = a.quality().table()
    assert q["min_dihedral_deg"]["min"] >= 10 and q["scaled_jacobian"]["min"] > 0.2


def test_graded_mesh_of_one_phase_names_the_dropped_side_and_rejects_bad_sizes():
    foam = dca.samples.open_cell_foam(32, cell_size=16, porosity=0.8, voxel_size=20e-6)
    solid = meshing.graded_tet_mesh(foam, phases="solid")
    assert set(solid.cell_names) == {"solid"} and "solid|pore" in solid.facet_names
    assert _conforming(solid)
    with pytest.raises(dca.InputError, match="power of two"):
        meshing.graded_tet_mesh(foam, min_size=3)
    with pytest.raises(dca.InputError, match="max_size"):
        meshing.graded_tet_mesh(foam, min_size=4, max_size=2)
    with pytest.raises(dca.InputError, match="cubic voxels"):
        meshing.graded_tet_mesh(foam.replace(voxel_size=(2e-5, 1e-5, 1e-5)))


def test_octree_openfoam_case_has_fewer_cells_closed_faces_and_the_same_walls(tmp_path):
    n, h = 32, 1e-5
    v = dca.samples.sphere_pack(n, radius=10, porosity=0.5, seed=3).replace(voxel_size=(h, h, h))
    case = tmp_path / "case"
    meshing.openfoam_case(v, case, axis="x", graded=True, max_size=8)
    facts = json.loads((case / meshing.export.CASE_FILE).read_text())
    assert facts["cells"] < facts["voxel_cells"]
    assert int(facts["cells_per_size_voxels"]["4"]) > 0
    voxel = tmp_path / "voxel"
    meshing.openfoam_case(v, voxel, axis="x")
    same = json.loads((voxel / meshing.export.CASE_FILE).read_text())
    # the octree keeps the voxel walls: same pore volume (porosity) and wall area (hydraulic diameter)
    assert facts["porosity"] == pytest.approx(same["porosity"], rel=1e-12)
    assert facts["hydraulic_diameter_m"] == pytest.approx(same["hydraulic_diameter_m"], rel=1e-12)
    # every cell closed: the face area vectors of each cell add up to zero
    points, faces, owner, neighbour = _read_polymesh(case)
    area = np.zeros((len(faces), 3))
    for i, face in enumerate(faces):
        p = points[face]
        area[i] = 0.5 * np.cross(p - p.mean(axis=0), np.roll(p, -1, axis=0) - p.mean(axis=0)).sum(axis=0)
    total = np.zeros((owner.max() + 1, 3))
    np.add.at(total, owner, area)
    np.add.at(total, neighbour, -area[:len(neighbour)])
    assert np.abs(total).max() < 1e-9 * h ** 2
    assert (owner[:len(neighbour)] < neighbour).all()


def _read_polymesh(case):
    def body(name):
        text = (case / "constant" / "polyMesh" / name).read_text()
        return text[text.index("(", text.index("}")) + 1:text.rindex(")")]
    rows = [row for row in body("points").split("\n") if "(" in row]
    points = np.array([[float(c) for c in row.strip("() ").split()] for row in rows])
    faces = [np.array(row[row.index("(") + 1:row.index(")")].split(), int) for row in body("faces").split("\n")
             if "(" in row]
    owner = np.array(body("owner").split(), int)
    neighbour = np.array(body("neighbour").split(), int)
    return points, faces, owner, neighbour


def test_quadratic_tetrahedra_put_a_node_on_every_edge():
    mesh = meshing.graded_tet_mesh(dca.samples.open_cell_foam(24, cell_size=12, porosity=0.75, voxel_size=1e-5),
                                   phases="solid")
    q = mesh.quadratic()
    assert q.cell_type == "tetra10" and q.n_cells == mesh.n_cells
    edges = {tuple(sorted(e)) for t in mesh.cells for e in ((t[0], t[1]), (t[1], t[2]), (t[0], t[2]),
                                                            (t[0], t[3]), (t[1], t[3]), (t[2], t[3]))}
    assert q.n_points == mesh.n_points + len(edges)
    for k, (i, j) in enumerate(((0, 1), (1, 2), (2, 0), (0, 3), (1, 3), (2, 3))):
        assert np.allclose(q.points[q.cells[:, 4 + k]], (q.points[q.cells[:, i]] + q.points[q.cells[:, j]]) / 2)
    assert q.region_volumes() == mesh.region_volumes()
    with pytest.raises(dca.InputError, match="linear tetrahedra"):
        q.quadratic()


def test_quadratic_export_lists_midside_nodes_in_the_box_node_sets(tmp_path):
    import meshio

    block = dca.Volume(np.zeros((4, 4, 4), bool), voxel_size=1e-3)
    q = meshing.graded_tet_mesh(block, phases="solid").quadratic()
    q.write(tmp_path / "b.inp")
    text = (tmp_path / "b.inp").read_text()
    assert "TYPE=C3D10" in text
    zmax = text.split("*NSET, NSET=zmax\n")[1].split("*")[0]
    ids = np.array(zmax.replace(",", " ").split(), int) - 1
    on_face = np.nonzero(np.isclose(q.points[:, 2], q.points[:, 2].max()))[0]
    assert set(ids) == set(on_face)  # corners and midside nodes of the top face, nothing else
    q.write(tmp_path / "b.vtu")
    assert meshio.read(tmp_path / "b.vtu").cells_dict["tetra10"].shape == (q.n_cells, 10)


def test_size_field_is_shown_and_matches_the_cubes():
    v = dca.samples.open_cell_foam(32, cell_size=16, porosity=0.8, voxel_size=20e-6)
    mesh = meshing.graded_tet_mesh(v)
    sizes = mesh.attrs["size_field_mid_z"]
    assert set(np.unique(sizes).astype(int).tolist()) <= {int(k) for k in mesh.attrs["cubes_per_size_voxels"]}
    assert sizes.min() == 1 and sizes.max() >= 4  # fine at the struts, coarse in the cells
    fig = meshing.plot_size_field(mesh)
    assert len(fig.axes) == 3  # phases, sizes and the colour bar
    with pytest.raises(dca.InputError, match="graded"):
        meshing.plot_size_field(meshing.tet_mesh(v))


def test_octree_bricks_keep_the_voxels_and_tie_every_hanging_node_to_a_linear_field(tmp_path):
    foam = dca.samples.open_cell_foam(32, cell_size=16, porosity=0.8, voxel_size=20e-6)
    mesh = meshing.octree_hex_mesh(foam)
    voxels = {n: np.count_nonzero(foam.to_numpy() == lab) * np.prod(foam.voxel_size)
              for n, lab in dca.util.phase_names(foam).items()}
    for name, vol in mesh.region_volumes().items():
        assert vol == pytest.approx(voxels[name], rel=1e-12)
    assert mesh.n_cells < 0.8 * foam.size and int(mesh.attrs["bricks_per_size_voxels"]["4"]) > 0
    constraints = mesh.attrs["constraints"]
    field = mesh.points @ np.array([1.0, -2.0, 3.0])  # any linear field satisfies every tie
    assert max(abs(field[d] - sum(w * field[m] for m, w in t.items())) for d, t in constraints.items()) < 1e-15
    assert all(m not in constraints for t in constraints.values() for m in t)  # masters are free nodes
    mesh.write(tmp_path / "m.inp")
    text = (tmp_path / "m.inp").read_text()
    assert "*EQUATION" in text and "*NSET, NSET=zmax_ALL" in text
    zmax = np.array(text.split("*NSET, NSET=zmax\n")[1].split("*")[0].replace(",", " ").split(), int) - 1
    assert not set(zmax) & set(constraints)  # a tied node takes no boundary condition


def _read_xdmf(path):
    import meshio

    cells, facets = meshio.read(path), meshio.read(str(path).replace(".xdmf", "_facets.xdmf"))
    return cells.points, cells.cells[0].data, cells.cell_data["tags"][0], facets.cells[0].data, \
        facets.cell_data["tags"][0], facets.field_data


def test_streamed_graded_mesh_in_one_block_is_the_in_memory_mesh(tmp_path):
    v = dca.samples.open_cell_foam(24, cell_size=16.0, porosity=0.8, voxel_size=20e-6, seed=1)
    meshing.graded_tet_mesh(v, max_size=8).write(tmp_path / "memory.xdmf")
    out = meshing.write_graded_mesh(v, tmp_path / "streamed.xdmf", max_size=8, block=32)
    assert out.blocks == 1
    for a, b in zip(_read_xdmf(tmp_path / "memory.xdmf")[:5], _read_xdmf(tmp_path / "streamed.xdmf")[:5]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("block", [16, (16, 32, 8)])
def test_streamed_graded_blocks_join_into_one_conforming_mesh_with_every_facet(tmp_path, block):
    v = dca.samples.electrode(32, particle_radius=5.0, seed=2)
    out = meshing.write_graded_mesh(v, tmp_path / "m.xdmf", max_size=8, block=block)
    points, tets, tags, facets, facet_tags, names = _read_xdmf(tmp_path / "m.xdmf")
    assert out.blocks == int(np.prod(-(-np.array(v.shape) // np.broadcast_to(block, 3))))
    assert (out.points, out.cells) == (len(points), len(tets))
    # each node once: no two at one place, every one used
    assert len(np.unique(np.round(points / 1e-9), axis=0)) == len(points) == len(np.unique(tets))
    p = points[tets]
    assert (np.einsum("ij,ij->i", p[:, 1] - p[:, 0], np.cross(p[:, 2] - p[:, 0], p[:, 3] - p[:, 0])) > 0).all()
    # conforming: every face shared by two elements but those on the box
    faces = np.sort(tets[:, np.array(TET_FACES)].reshape(-1, 3), axis=1)
    key, index, count = np.unique(faces, axis=0, return_index=True, return_counts=True)
    assert count.max() == 2
    lo = np.array(v.origin)[::-1] - 0.5 * np.array(v.voxel_size)[::-1]
    hi = lo + (np.array(v.shape) * np.array(v.voxel_size))[::-1]
    centre = points[key[count == 1]].mean(axis=1)
    assert (np.isclose(centre, lo, rtol=0, atol=1e-12) | np.isclose(centre, hi, rtol=0, atol=1e-12)).any(axis=1).all()
    # the facets: the box faces, and every face between two phases (seams included), once
    facet_key = {tuple(f) for f in np.sort(facets, axis=1)}
    assert len(facet_key) == len(facets)
    owner_tag = np.repeat(tags, 4)
    first, second = {}, {}
    for k, i in zip(map(tuple, faces), range(len(faces))):
        (second if k in first else first)[k] = owner_tag[i]
    between = {k for k in second if second[k] != first[k]}
    assert facet_key == between | {tuple(k) for k in key[count == 1]}
    assert out.facets_per_tag == {n: int(np.count_nonzero(facet_tags == t[0])) for n, t in names.items()
                                  if t[1] == 2}
    assert set(out.facets_per_tag) == {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax", "pore|active",
                                       "pore|binder", "active|binder"}
    # quality floor and volumes, block by block
    assert out.quality["min_dihedral_deg"] >= 12 and out.quality["scaled_jacobian"] >= 0.22
    assert out.quality["radius_ratio_p99"] <= 3 and not any(out.quality["flagged"].values())
    whole = meshing.graded_tet_mesh(v, max_size=8).attrs["volume_error"]  # binder -1.5 % at this size
    assert all(abs(out.volume_error[k]) < abs(whole[k]) + 0.005 for k in whole)


def test_streamed_graded_mesh_reads_a_lazy_volume_alike_and_keeps_chosen_phases(tmp_path):
    import dask.array as da

    v = dca.samples.electrode(24, particle_radius=5.0, seed=3)
    lazy = v.replace(data=da.from_array(v.to_numpy(), chunks=8))
    a = meshing.write_graded_mesh(v, tmp_path / "a.xdmf", max_size=8, block=16, phases=["active", "binder"])
    b = meshing.write_graded_mesh(lazy, tmp_path / "b.xdmf", max_size=8, block=16, phases=["active", "binder"])
    for x, y in zip(_read_xdmf(tmp_path / "a.xdmf")[:5], _read_xdmf(tmp_path / "b.xdmf")[:5]):
        np.testing.assert_array_equal(x, y)
    assert (a.cells, a.volume_error) == (b.cells, b.volume_error)
    assert set(a.cells_per_region) == {"active", "binder"} and set(np.unique(_read_xdmf(tmp_path / "a.xdmf")[2])) \
        == {2, 3}
    assert {"active|pore", "binder|pore", "active|binder"} <= set(a.facets_per_tag)
    with pytest.raises(dca.InputError, match="XDMF"):
        meshing.write_graded_mesh(v, tmp_path / "c.vtu")
    with pytest.raises(dca.InputError, match="at least max_size"):
        meshing.write_graded_mesh(v, tmp_path / "c.xdmf", block=4, max_size=8)
    assert not (tmp_path / "c.xdmf").exists()
