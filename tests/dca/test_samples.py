import numpy as np
import pytest
from scipy import ndimage

import dca
from dca import InputError
from dca.samples import (blobs, cylinder_mask, electrode, open_cell_foam, partially_saturated, sphere_pack,
                         virtual_scan)

GENERATORS = [
    (sphere_pack, {"shape": 48, "radius": 5, "porosity": 0.35}),
    (blobs, {"shape": 48, "porosity": 0.3}),
    (open_cell_foam, {"shape": 48, "cell_size": 16, "porosity": 0.9}),
    (electrode, {"shape": 48, "particle_radius": 5}),
    (partially_saturated, {"shape": 48, "grain_radius": 6, "saturation": 0.3}),
]


@pytest.mark.parametrize("generator, kwargs", GENERATORS, ids=[g.__name__ for g, _ in GENERATORS])
def test_same_seed_same_bits_other_seed_other_sample(generator, kwargs):
    a = generator(**kwargs, seed=3)
    b = generator(**kwargs, seed=3)
    c = generator(**kwargs, seed=4)
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(a.data, c.data)
    assert a.provenance[-1].name == generator.__name__ and a.provenance[-1].params["seed"] == 3
    assert a.phases and all(h > 0 for h in a.voxel_size)


@pytest.mark.parametrize("porosity", [0.15, 0.35, 0.6])
def test_sphere_pack_porosity(porosity):
    v = sphere_pack(64, radius=5, porosity=porosity, seed=1)
    assert v.data.mean() == pytest.approx(porosity, abs=0.01)  # within one grain


def test_non_overlapping_pack_keeps_grains_apart():
    v = sphere_pack(64, radius=6, porosity=0.8, overlap=False, seed=2)
    labels, n = ndimage.label(~v.data)
    extents = [max(s.stop - s.start for s in box) for box in ndimage.find_objects(labels)]
    assert n > 20 and max(extents) <= 13  # every solid cluster is one grain of diameter 13 voxels
    with pytest.raises(InputError, match="jam"):
        sphere_pack(32, radius=4, porosity=0.3, overlap=False)


def test_blobs_and_foam_hit_porosity_exactly():
    assert blobs(40, porosity=0.27).data.mean() == pytest.approx(0.27, abs=1 / 40**3)
    foam = open_cell_foam(48, cell_size=16, porosity=0.92)
    assert foam.data.mean() == pytest.approx(0.92, abs=1 / 48**3)
    # open cells: the pore space is one connected cluster
    assert ndimage.label(foam.data)[1] == 1


def test_electrode_fractions_and_binder_at_necks():
    v = electrode(64, particle_radius=6, active_fraction=0.5, binder_fraction=0.1, seed=0)
    counts = np.bincount(v.data.ravel(), minlength=3) / v.size
    assert counts[1] == pytest.approx(0.5, abs=0.01)
    assert counts[2] == pytest.approx(0.1, abs=1e-4)
    binder = v.data == 2
    touching = ndimage.binary_dilation(v.data == 1) & binder
    assert touching.sum() > 0.5 * binder.sum()  # the binder coats and bridges particles


def test_partially_saturated_saturation_and_wetting():
    v = partially_saturated(64, grain_radius=7, porosity=0.4, saturation=0.25, seed=0)
    pore = v.data != 2
    water = v.data == 1
    assert water.sum() / pore.sum() == pytest.approx(0.25, abs=0.01)
    assert v.attrs["saturation"] == pytest.approx(water.sum() / pore.sum())
    # water is the wetting phase: it sits closer to the grains than the air does
    dist = ndimage.distance_transform_edt(pore)
    assert dist[water].mean() < dist[v.data == 0].mean()


def test_virtual_scan_noise_contrast_and_field_of_view():
    truth = dca.Volume(np.zeros((8, 64, 64), bool), voxel_size=2e-6)
    truth = truth._replace(data=np.broadcast_to(np.arange(64) < 32, (8, 64, 64)).copy())  # pore half, solid half
    scan = virtual_scan(truth, snr=5, seed=1)
    grey = scan.grey.data
    assert scan.grey.mask is not None
    np.testing.assert_array_equal(scan.grey.mask, cylinder_mask(truth.shape))
    assert np.all(grey[~scan.grey.mask] == 0)
    inside_pore = scan.grey.mask & truth.data
    inside_pore[:, :, 28:] = False  # away from the edge blur
    assert grey[inside_pore].mean() == pytest.approx(0.1, abs=0.01)
    assert grey[inside_pore].std() == pytest.approx(0.9 / 5, rel=0.05)  # contrast / snr
    assert scan.noise_sigma == pytest.approx(0.18)


def test_virtual_scan_blur_matches_resolution():
    """A step edge blurred by a Gaussian of FWHM = resolution: the 25-75 % rise is 0.954 sigma."""
    truth = dca.Volume(np.broadcast_to(np.arange(256) < 128, (4, 8, 256)).copy(), voxel_size=1e-6)
    scan = virtual_scan(truth, resolution=6e-6, snr=1e6, field_of_view=False)
    profile = scan.grey.data[2, 4]
    sigma = 6 / 2.3548
    assert scan.blur_sigma[2] == pytest.approx(sigma, rel=1e-4)
    level = (profile - profile.min()) / (profile.max() - profile.min())
    x = np.arange(256)
    x25, x75 = np.interp(0.25, level, x), np.interp(0.75, level, x)
    assert x75 - x25 == pytest.approx(2 * 0.6745 * sigma, rel=0.05)


def test_virtual_scan_uint16_and_artefacts():
    truth = sphere_pack(48, radius=5, porosity=0.35, seed=0)
    plain = virtual_scan(truth, snr=50, field_of_view=False, seed=0).grey.data
    cupped = virtual_scan(truth, snr=50, beam_hardening=0.2, field_of_view=False, seed=0).grey.data
    centre, edge = (slice(None), slice(20, 28), slice(20, 28)), (slice(None), slice(0, 6), slice(0, 6))
    assert cupped[centre].mean() / plain[centre].mean() < 0.85 < cupped[edge].mean() / plain[edge].mean()
    u16 = virtual_scan(truth, dtype="uint16").grey
    assert u16.dtype == np.uint16 and u16.data.max() == 65535
    with pytest.raises(InputError, match="attenuation gives no value"):
        virtual_scan(dca.samples.electrode(24), attenuation={"pore": 0.1, "active": 1.0})


def test_dual_porosity_has_its_fractions():
    v = dca.samples.dual_porosity(48, macro_porosity=0.15, micro_fraction=0.4, micro_porosity=0.3)
    d = v.to_numpy()
    assert (d == 1).mean() == pytest.approx(0.15, abs=1e-3)
    assert (d == 2).mean() == pytest.approx(0.85 * 0.4 * 0.3, abs=1e-3)
    assert v.phases == {"solid": 0, "macropore": 1, "micropore": 2}


def test_a_compressed_foam_keeps_its_solid():
    base = dca.samples.open_cell_foam(40, cell_size=16, porosity=0.85)
    squeezed = dca.samples.open_cell_foam(40, cell_size=16, porosity=0.85, compression=0.1)
    assert squeezed.shape == (36, 40, 40)
    assert (~squeezed.to_numpy()).sum() == (~base.to_numpy()).sum()
    with pytest.raises(InputError, match="compression"):
        dca.samples.open_cell_foam(40, compression=1.0)
