"""Every format read back: meshio (and pyvista for VTP) get the same points, cells and tags."""

import os
import re

import meshio
import numpy as np
import pytest

import dca
import meshing


@pytest.fixture(scope="module")
def foam():
    return dca.samples.open_cell_foam(24, cell_size=12, porosity=0.75, voxel_size=10e-6)


@pytest.fixture(scope="module")
def tets(foam):
    return meshing.tet_mesh(foam)


def _block(read, cell_type):
    return np.concatenate([c.data for c in read.cells if c.type == cell_type])


def test_vtu_round_trip(tets, tmp_path):
    path = tmp_path / "m.vtu"
    assert tets.write(path) == [str(path)]
    back = meshio.read(path)
    np.testing.assert_allclose(back.points, tets.points)
    np.testing.assert_array_equal(_block(back, "tetra"), tets.cells)
    np.testing.assert_array_equal(_block(back, "triangle"), tets.facets)
    np.testing.assert_array_equal(back.cell_data["tag"][0], tets.cell_tags)
    np.testing.assert_array_equal(back.cell_data["tag"][1], tets.facet_tags)
    names = {**{n: [t, 3] for n, t in tets.cell_names.items()}, **{n: [t, 2] for n, t in tets.facet_names.items()}}
    assert {n: list(back.field_data[n]) for n in names} == names  # meshio's name -> [tag, dim]


def test_xdmf_cells_and_facets(tets, tmp_path):
    files = tets.write(tmp_path / "m.xdmf")
    assert sorted(os.path.basename(f) for f in files) == ["m.h5", "m.xdmf", "m_facets.h5", "m_facets.xdmf"]
    cells = meshio.read(tmp_path / "m.xdmf")
    np.testing.assert_allclose(cells.points, tets.points)
    np.testing.assert_array_equal(cells.cells[0].data, tets.cells)
    np.testing.assert_array_equal(cells.cell_data["tags"][0], tets.cell_tags)
    facets = meshio.read(tmp_path / "m_facets.xdmf")
    np.testing.assert_array_equal(facets.cells[0].data, tets.facets)
    np.testing.assert_array_equal(facets.cell_data["tags"][0], tets.facet_tags)
    import h5py

    with h5py.File(tmp_path / "m_facets.h5") as f:  # tag names travel with the data
        stored = {k: v for k, v in f["Mesh"].attrs.items() if k.startswith("tag:")}
        assert {k: int(v) for k, v in stored.items()} == {f"tag:{k}": v for k, v in tets.facet_names.items()}
    # and in the XDMF files themselves: one numbering, names wherever the format allows
    assert {k: int(v[0]) for k, v in facets.field_data.items()} == dict(tets.facet_names)
    assert {k: int(v[0]) for k, v in cells.field_data.items()} == dict(tets.cell_names)
    assert not set(tets.facet_names.values()) & set(tets.cell_names.values())


def test_gmsh_physical_groups(tets, tmp_path):
    tets.write(tmp_path / "m.msh")
    assert (tmp_path / "m.msh").read_text().splitlines()[0] == "$MeshFormat"
    back = meshio.read(tmp_path / "m.msh")
    names = {name: tuple(v) for name, v in back.field_data.items()}
    assert names["pore"] == (tets.cell_names["pore"], 3) and names["xmin"][1] == 2
    physical = np.concatenate(back.cell_data["gmsh:physical"])
    kinds = np.concatenate([[c.type] * len(c.data) for c in back.cells])
    for name, tag in tets.cell_names.items():
        assert np.count_nonzero((physical == tag) & (kinds == "tetra")) == np.count_nonzero(tets.cell_tags == tag)
    for name, tag in tets.facet_names.items():  # the mesh's own numbers, as in .xdmf and .vtu
        assert np.count_nonzero(physical == tag) == np.count_nonzero(tets.facet_tags == tag)
    np.testing.assert_allclose(back.points, tets.points)


def test_abaqus_sets_and_surfaces(foam, tmp_path):
    hexes = meshing.hex_mesh(foam)
    hexes.write(tmp_path / "m.inp")
    text = (tmp_path / "m.inp").read_text()
    back = meshio.read(tmp_path / "m.inp")
    assert len(back.points) == hexes.n_points and back.cells[0].type == "hexahedron"
    assert sum(len(c.data) for c in back.cells) == hexes.n_cells
    assert re.search(r"\*ELEMENT, TYPE=C3D8, ELSET=pore", text) and "*SURFACE, NAME=xmin, TYPE=ELEMENT" in text
    assert "*SURFACE, NAME=pore_solid, TYPE=ELEMENT" in text
    # each surface lists element sets by face; their sizes add up to the facets of that tag
    for name, tag in hexes.facet_names.items():
        label = re.sub(r"[^A-Za-z0-9_]", "_", name)
        sets = re.findall(rf"\*ELSET, ELSET={label}_S\d\n([\d,\s]+?)(?=\*)", text)
        assert sum(len(s.replace(",", " ").split()) for s in sets) == np.count_nonzero(hexes.facet_tags == tag)


def test_stl_binary_and_named_solids(foam, tmp_path):
    import pyvista as pv

    s = meshing.surface(foam)
    s.write(tmp_path / "s.stl")
    back = meshio.read(tmp_path / "s.stl")
    assert sum(len(c.data) for c in back.cells) == s.n_cells
    assert os.path.getsize(tmp_path / "s.stl") == 84 + 50 * s.n_cells  # binary
    s.write(tmp_path / "p.stl", patches=True)
    solids = re.findall(r"^solid (\w+)$", (tmp_path / "p.stl").read_text(), flags=re.M)
    assert solids == list(s.cell_names)
    s.write(tmp_path / "s.vtp")
    poly = pv.read(tmp_path / "s.vtp")
    assert poly.n_cells == s.n_cells and np.array_equal(poly.cell_data["tag"], s.cell_tags)
    assert {n: list(poly.field_data[n]) for n in s.cell_names} == {n: [t, 2] for n, t in s.cell_names.items()}


def test_openfoam_polymesh_files(foam, tmp_path):
    pore = meshing.hex_mesh(foam, phases="pore")
    pore.write(tmp_path / "case", format="openfoam", axis="z")
    poly = tmp_path / "case" / "constant" / "polyMesh"
    owner = np.loadtxt(poly / "owner", skiprows=19, max_rows=None, comments=")")
    boundary = (poly / "boundary").read_text()
    n_inlet = int(re.search(r"inlet\s*\{[^}]*nFaces\s+(\d+)", boundary).group(1))
    assert n_inlet == np.count_nonzero(pore.facet_tags == pore.facet_names["zmin"])
    assert owner.max() == pore.n_cells - 1
    for d in ("system", "0"):
        assert (tmp_path / "case" / d).is_dir()


def test_bad_exports_leave_nothing_behind(foam, tets, tmp_path):
    with pytest.raises(dca.FormatError, match="cannot tell the mesh format"):
        tets.write(tmp_path / "m.xyz")
    with pytest.raises(dca.InputError, match="one-region hexahedral"):
        tets.write(tmp_path / "case", format="openfoam")
    shut = np.ones((8, 8, 8), bool)
    shut[:, :, 4] = False  # no pore path from inlet to outlet
    with pytest.raises(dca.InputError, match="connects the inlet"):
        meshing.hex_mesh(dca.Volume(shut, voxel_size=1e-6), phases="pore").write(tmp_path / "c2", format="openfoam")
    assert os.listdir(tmp_path) == []


def test_every_format_is_registered_and_an_unknown_one_is_refused(foam, tmp_path):
    names = [e.name for e in meshing.export.exporters()]
    assert names == ["stl", "vtk", "xdmf", "gmsh", "abaqus", "openfoam"]
    with pytest.raises(dca.FormatError, match="cannot tell the mesh format"):
        meshing.surface(foam).write(tmp_path / "s.obj")
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("unit, factor", [("m", 1.0), ("mm", 1e3), ("um", 1e6)])
def test_a_length_unit_scales_the_coordinates_and_is_recorded(foam, tmp_path, unit, factor):
    s = meshing.surface(foam)
    s.write(tmp_path / "s.stl", unit=unit)
    back = meshio.read(tmp_path / "s.stl")
    np.testing.assert_allclose(back.points.max(axis=0), s.points.max(axis=0) * factor, rtol=1e-6)  # float32 in STL
    assert f"unit {unit}".encode() in (tmp_path / "s.stl").read_bytes()[:80]
    h = meshing.hex_mesh(foam, phases="solid")
    h.write(tmp_path / "h.vtu", unit=unit)
    vtu = meshio.read(tmp_path / "h.vtu")
    np.testing.assert_allclose(vtu.points, h.points * factor, rtol=1e-12)
    assert vtu.field_data["metres_per_unit"][0] == pytest.approx(1 / factor)
    h.write(tmp_path / "h.inp", unit=unit)
    assert f"** length unit: {unit}" in (tmp_path / "h.inp").read_text()


def test_micrometre_export_keeps_neighbouring_vertices_apart():
    # 5 um voxels: in metres the closest vertices of a surface lie ~1e-9 apart, below the
    # absolute merge tolerance (1e-8) of tools like trimesh; in um they are ~1e-3 apart
    v = dca.samples.blobs(24, porosity=0.4, seed=3, voxel_size=5e-6)
    s = meshing.surface(v)
    from scipy.spatial import cKDTree

    closest = lambda p: cKDTree(p).query(p, k=2)[0][:, 1].min()  # noqa: E731
    assert closest(s.points) < 1e-8 < closest(s.scaled("um").points)


def test_openfoam_refuses_a_unit_other_than_metres(foam, tmp_path):
    with pytest.raises(dca.InputError, match="metres"):
        meshing.hex_mesh(foam, phases="pore").write(tmp_path / "case", format="openfoam", unit="um")
    assert not (tmp_path / "case").exists()


def test_inp_leaves_out_floating_pieces_and_says_so(tmp_path):
    block = np.zeros((12, 12, 12), bool)
    block[:, :, :4] = True  # a slab on xmin
    block[6, 6, 8] = True  # one voxel floating in the pore space
    v = dca.Volume(block, voxel_size=1e-6)
    mesh = meshing.hex_mesh(v, phases="pore")
    assert mesh.floating().sum() == 1
    mesh.write(tmp_path / "m.inp")
    text = (tmp_path / "m.inp").read_text()
    assert "dropped 1 floating piece(s), 1 element(s)" in text
    assert sum(len(c.data) for c in meshio.read(tmp_path / "m.inp").cells) == mesh.n_cells - 1
    mesh.write(tmp_path / "all.inp", floating="keep")
    assert sum(len(c.data) for c in meshio.read(tmp_path / "all.inp").cells) == mesh.n_cells


def test_a_0_1_image_is_pore_and_solid_for_every_mesh(tmp_path):
    im = dca.samples.blobs(16, porosity=0.5, seed=2, voxel_size=1e-6).to_numpy().astype(np.uint8)
    v = dca.Volume(im, voxel_size=1e-6)
    as_bool = meshing.hex_mesh(dca.Volume(im.astype(bool), voxel_size=1e-6), phases="pore")
    as_int = meshing.hex_mesh(v, phases="pore")
    assert as_int.n_cells == as_bool.n_cells > 0
    assert dict(as_int.facet_names) == dict(as_bool.facet_names)
