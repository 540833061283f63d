"""Surfaces streamed slab by slab (meshing.write_surface): the triangles of meshing.surface on
the whole volume, watertight across the slab faces, whatever the chunks."""

import json

import dask.array as da
import numpy as np
import pytest

import dca
import meshing

RECORD = np.dtype([("normal", "<f4", 3), ("vertices", "<f4", (3, 3)), ("attr", "<u2")])


def _lazy(volume, chunks):
    return volume.replace(data=da.from_array(volume.to_numpy(), chunks=chunks))


def _triangles(path):
    data = np.fromfile(path, dtype=RECORD, offset=84)
    with open(path, "rb") as fh:
        fh.seek(80)
        assert int(np.frombuffer(fh.read(4), np.uint32)[0]) == len(data)
    return data


def _as_set(vertices):
    return np.sort(np.ascontiguousarray(vertices.reshape(len(vertices), 9)).view("V36").ravel())


def _edge_uses(vertices):
    _, index = np.unique(vertices.reshape(-1, 3), axis=0, return_inverse=True)
    t = index.reshape(-1, 3)
    edges = np.sort(np.concatenate([t[:, [0, 1]], t[:, [1, 2]], t[:, [2, 0]]]), axis=1)
    return np.unique(np.unique(edges, axis=0, return_counts=True)[1])


@pytest.mark.parametrize("chunks", [(16, 16, 16), (7, 47, 47), (45, 10, 10)])
@pytest.mark.parametrize("caps", [True, False])
def test_a_streamed_stl_holds_the_triangles_of_the_in_memory_surface(tmp_path, chunks, caps):
    v = dca.samples.blobs(48, porosity=0.35, seed=3, voxel_size=2e-6)[:45, :47]
    written = meshing.write_surface(_lazy(v, chunks), tmp_path / "s.stl", caps=caps)
    whole = meshing.surface(v, caps=caps)
    data = _triangles(tmp_path / "s.stl")
    assert written.triangles == len(data) == len(whole.cells)
    assert np.array_equal(_as_set(data["vertices"]), _as_set(whole.points[whole.cells].astype("<f4")))
    tags = np.bincount(data["attr"])
    assert {n: int(tags[t]) for n, t in whole.cell_names.items()} == written.cells_per_tag
    if caps:  # closed: every edge between exactly two triangles, across the slab faces too
        assert _edge_uses(data["vertices"]).tolist() == [2]
        assert written.enclosed_volume_m3 == pytest.approx(whole.enclosed_volume(), rel=1e-9)
        # 2.1 % short on this 45 x 47 x 48 crop (the in-memory surface too): its box faces cut many
        # pores, and marching cubes rounds the capped edges where a pore meets the box
        assert written.enclosed_volume_m3 == pytest.approx(written.voxel_volume_m3, rel=0.025)


def test_vtp_pieces_with_a_pvtp_index_open_in_vtk(tmp_path):
    from vtkmodules.vtkIOXML import vtkXMLPPolyDataReader

    v = dca.samples.blobs(40, porosity=0.35, seed=1, voxel_size=1e-6)
    written = meshing.write_surface(_lazy(v, (13, 40, 40)), tmp_path / "s.pvtp", unit="um")
    assert len(written.files) == 1 + 4  # the index and one piece per slab
    reader = vtkXMLPPolyDataReader()
    reader.SetFileName(str(tmp_path / "s.pvtp"))
    reader.Update()
    out = reader.GetOutput()
    assert out.GetNumberOfCells() == written.triangles == len(meshing.surface(v).cells)
    assert out.GetCellData().GetArray("tag") is not None
    x0, x1 = out.GetBounds()[:2]
    assert x1 - x0 == pytest.approx(40.0, abs=0.05)  # micrometres: the box's x extent, caps on its faces


def test_dca_mesh_streams_the_surface_of_a_big_volume(tmp_path, monkeypatch, capsys):
    from dca.cli import main

    v = dca.samples.blobs(40, porosity=0.35, seed=1, voxel_size=2e-6)
    dca.write(v.replace(data=v.to_numpy().astype(np.uint8)), tmp_path / "labels.zarr", chunks=(16, 16, 16))
    monkeypatch.setattr(dca.io._registry, "LAZY_THRESHOLD_BYTES", 1000)  # a 'big' volume: opened lazily
    assert main(["mesh", str(tmp_path / "labels.zarr"), "-o", str(tmp_path / "s.stl"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["streamed"] and result["triangles"] == len(_triangles(tmp_path / "s.stl"))
    whole = meshing.surface(dca.read(tmp_path / "labels.zarr", lazy=False))
    assert result["triangles"] == len(whole.cells)
    # a mesh that is built in memory is refused with the memory it needs when it does not fit
    monkeypatch.setenv("DCA_MEMORY_LIMIT", "1000")
    assert main(["mesh", str(tmp_path / "labels.zarr"), "-o", str(tmp_path / "m.vtu")]) != 0
    assert "needs about" in capsys.readouterr().err


def test_a_surface_streamed_in_slabs_thinner_than_the_chunks(tmp_path, monkeypatch):
    v = dca.samples.blobs(40, porosity=0.35, seed=2, voxel_size=1e-6)
    monkeypatch.setattr(dca._chunks, "SLAB_VOXELS", 3 * 40 * 40)
    written = meshing.write_surface(_lazy(v, (20, 20, 20)), tmp_path / "s.stl")
    whole = meshing.surface(v)
    data = _triangles(tmp_path / "s.stl")
    assert np.array_equal(_as_set(data["vertices"]), _as_set(whole.points[whole.cells].astype("<f4")))
    assert _edge_uses(data["vertices"]).tolist() == [2] and written.triangles == len(whole.cells)
