"""A case on a scan too big for memory: the runner reads it lazily, caches lazy results as
Zarr, streams the surface, and reports the numbers of the in-memory run."""

import numpy as np
import pytest

import dca
import dca._chunks


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    grey = dca.samples.virtual_scan(dca.samples.blobs(shape=40, porosity=0.35, seed=1), seed=1).grey
    path = tmp_path_factory.mktemp("scan") / "scan.zarr"
    dca.write(grey.replace(mask=None), str(path), chunks=(16, 16, 16))  # chunks that do not divide 40
    return str(path)


def _case(path, lazy):
    return {"case": {"name": "lazy", "seed": 0}, "input": {"path": path, "lazy": lazy},
            "segment": {"method": "otsu", "denoise": "median"}, "metrics": {"axis": "x"}, "network": {},
            "mesh": {"kind": "surface", "formats": ["stl", "vtp"]}}


def _values(results):
    return {(stage, name, i): value for stage, numbers in results.items() for name, entry in numbers.items()
            for i, value in enumerate(np.ravel(entry["value"]))}


def _run(case, out):
    return dca.run.run_case(case, str(out), progress=False, log=lambda *a: None).results


def test_a_lazy_case_gives_the_numbers_of_the_in_memory_run(scan, tmp_path, monkeypatch):
    monkeypatch.setattr(dca._chunks, "SLAB_VOXELS", 3 * 40 * 40)  # three slices a slab
    memory = _run(_case(scan, False), tmp_path / "memory")["results"]
    lazy = _run(_case(scan, True), tmp_path / "lazy")
    memory["mesh"].pop("surface_watertight")  # checked on the whole mesh in memory; the streamed one is by construction
    expected = _values(memory)
    assert _values(lazy["results"]) == pytest.approx(expected, rel=1e-12)  # sums in another order
    assert lazy["results"]["network"]["pores"]["value"] > 5
    # the segmentation is cached as Zarr (later stages read it, not the median filter again)
    stores = [p for p in (tmp_path / "lazy" / ".cache").iterdir() if p.suffix == ".zarr"]
    assert [p.name.split("-")[0] for p in stores] == ["segment"]
    triangles = lazy["results"]["mesh"]["surface_triangles"]["value"]
    assert (tmp_path / "lazy" / "surface.stl").stat().st_size == 84 + 50 * triangles  # binary STL
    assert (tmp_path / "lazy" / "surface.pvtp").exists()
    again = _run(_case(scan, True), tmp_path / "lazy")
    assert {k: v["cached"] for k, v in again["stages"].items()} == {
        "input": False, "segment": True, "metrics": True, "network": True, "mesh": True}
    assert again["results"] == lazy["results"]


def test_a_cached_lazy_result_whose_store_is_gone_runs_again(scan, tmp_path):
    import shutil

    case = {"case": {"name": "lazy"}, "input": {"path": scan, "lazy": True}, "segment": {"method": "otsu"},
            "metrics": {}}
    first = _run(case, tmp_path)
    for store in (tmp_path / ".cache").glob("segment-*.zarr"):
        shutil.rmtree(store / "data")
        (store / "output.pkl").unlink()
    again = _run(case, tmp_path)
    assert not again["stages"]["segment"]["cached"] and again["results"] == first["results"]
    assert np.isclose(first["results"]["segment"]["fraction_pore"]["value"],
                      first["results"]["metrics"]["porosity"]["value"])
