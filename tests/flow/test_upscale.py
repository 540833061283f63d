"""Block-by-block porosity and permeability, and the Kozeny-Carman fit."""

import numpy as np
import pytest

import dca
import flow


def test_blocks_of_slits_get_their_analytic_permeability():
    # two slits along x of 4 and 8 voxels (between plates normal to z), one per block along z
    data = np.zeros((32, 8, 16), bool)
    data[2:6] = True
    data[20:28] = True
    v = dca.Volume(data, voxel_size=1e-6)
    u = flow.upscale(v, (16, 8, 8), axis="x", inlet="periodic", lateral="periodic")
    assert u.k_m2.shape == (2, 1, 2)
    for bz, width in ((0, 4), (1, 8)):
        phi = width / 16
        assert u.porosity[bz, 0, 0] == pytest.approx(phi)
        np.testing.assert_allclose(u.k_m2[bz, 0], phi * (width * 1e-6) ** 2 / 12, rtol=1e-5)
    assert u.table().shape == (4, 6) and u.to_volume().voxel_size == (16e-6, 8e-6, 8e-6)


def test_kozeny_carman_fit_returns_its_constant():
    phi = np.array([0.1, 0.2, 0.3, 0.4])
    k = 3e-12 * phi**3 / (1 - phi) ** 2
    kc = flow.kozeny_carman(phi, np.r_[k[:3], 0.0] + np.r_[0, 0, 0, 0])
    assert kc.c == pytest.approx(3e-12) and kc.samples == 3
    np.testing.assert_allclose(kc.permeability(phi[:3]), k[:3])
    with pytest.raises(dca.InputError, match="two blocks"):
        flow.kozeny_carman([0.2], [1e-12])


@pytest.mark.slow
def test_microporous_voxels_get_permeability_from_the_fine_scan():
    # fine scan: blocks of a finer pore structure -> porosity and k per block -> Kozeny-Carman
    fine = dca.samples.blobs(64, porosity=0.3, blobiness=2, voxel_size=1e-6, seed=7)
    blocks = flow.upscale(fine, 16, axis="x")
    kc = flow.kozeny_carman(blocks.porosity, blocks.k_m2)
    assert kc.samples >= 8 and kc.r2_log > 0
    # coarse scan: free pores and a microporous phase whose voxels take k from their porosity
    coarse = dca.samples.sphere_pack(32, radius=5, porosity=0.3, seed=2, voxel_size=16e-6)
    labels = np.where(coarse.to_numpy(), 1, 0).astype(np.uint8)
    rng = np.random.default_rng(0)
    micro = (labels == 0) & (rng.random(labels.shape) < 0.3)
    labels[micro] = 2
    phi = np.where(micro, 0.3, 0.0)  # the calibrated porosity of each microporous voxel
    v = dca.Volume(labels, voxel_size=16e-6, phases={"solid": 0, "pore": 1, "micro": 2})
    k_map = np.where(micro, kc.permeability(phi), 0.0)
    with_micro = flow.stokes(v, axis="x", microporous=k_map).k_m2
    without = flow.stokes(v, axis="x").k_m2
    assert with_micro > without
    # the micro phase is far tighter than the free pores (k_m ~ 1e-13 against ~1e-10): a small gain
    assert with_micro < 1.2 * without


def test_blocks_run_as_dask_tasks_on_two_worker_processes_and_give_the_serial_maps():
    import dask.array as da

    from dca.compute import compute

    v = dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6)
    serial = flow.upscale(v, 16, axis="x", tol=1e-8)
    lazy = v.replace(data=da.from_array(v.to_numpy(), chunks=(16, 16, 16)))  # each task reads its own block
    with compute("local", workers=2, memory_limit="1GB") as client:
        assert len(client.scheduler_info()["workers"]) == 2
        on_cluster = flow.upscale(lazy, 16, axis="x", tol=1e-8)
    assert np.array_equal(on_cluster.porosity, serial.porosity)
    np.testing.assert_allclose(on_cluster.k_m2, serial.k_m2, rtol=1e-12)
    assert (serial.k_m2 > 0).sum() >= 4
