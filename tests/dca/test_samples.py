import numpy as np
import pytest
from scipy import ndimage

import dca
from dca import InputError
from dca.samples import (blobs, cylinder_mask, electrode, electrode_cycles, open_cell_foam, partially_saturated,
                         sphere_pack, virtual_scan)

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
    truth = truth.replace(data=np.broadcast_to(np.arange(64) < 32, (8, 64, 64)).copy())  # pore half, solid half
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


def test_electrode_cycles_starts_from_the_electrode_and_is_deterministic():
    kwargs = dict(particle_radius=5, active_fraction=0.5, binder_fraction=0.1, seed=2)
    s = electrode_cycles(40, cycles=[0, 20, 60], **kwargs)
    np.testing.assert_array_equal(s[0].data, electrode(40, **kwargs).data)
    again = electrode_cycles(40, cycles=[0, 20, 60], **kwargs)
    assert all(np.array_equal(a.data, b.data) for a, b in zip(s, again))
    assert s.coords.tolist() == [0, 20, 60] and s.unit == "cycle"
    assert s[2].provenance[-1].name == "electrode_cycles" and s[2].provenance[-1].params["cycle"] == 60
    assert not np.array_equal(s[1].data, s[2].data)
    with pytest.raises(InputError, match="increasing"):
        electrode_cycles(24, cycles=[5, 2])
    with pytest.raises(InputError, match="below 1"):
        electrode_cycles(24, active_fraction=0.7, binder_fraction=0.3)


def test_electrode_cycles_without_damage_repeats_the_first_scan():
    s = electrode_cycles(32, cycles=[0, 10, 100], particle_radius=5, swelling=0.0, crack_growth=0.0)
    for step in s:
        np.testing.assert_array_equal(step.data, s[0].data)
        assert step.attrs["crack_volume_m3"] == 0


def test_swelling_only_grows_the_particles_and_never_removes_any():
    s = electrode_cycles(40, cycles=[0, 50], particle_radius=5, swelling=0.004, crack_growth=0.0)
    before, after = s[0].data == 1, s[1].data == 1
    assert not (before & ~after).any()  # a swollen sphere holds the original one
    # 20 % more volume per particle: the radius grows by 1.2^(1/3); the union grows less (overlaps)
    assert 1.02 < after.sum() / before.sum() < 1.2


def test_a_crack_moves_the_halves_apart_and_keeps_the_solid():
    from dca.samples._cycling import _paint_particles

    r, w = 10.0, 3.0
    centre = np.array([[20.0, 20.0, 20.0]])
    normal = np.array([[0.0, 0.6, 0.8]])
    intact, _ = _paint_particles((41, 41, 41), centre, np.array([r]), normal, np.array([0.0]))
    cracked, gap = _paint_particles((41, 41, 41), centre, np.array([r]), normal, np.array([w]))
    assert intact.sum() == pytest.approx(4 / 3 * np.pi * r ** 3, rel=0.01)
    assert cracked.sum() == pytest.approx(intact.sum(), rel=0.02)  # the two halves only moved
    assert gap.sum() == pytest.approx(np.pi * r ** 2 * w, rel=0.05)  # the slab between them
    assert not (gap & cracked).any()


def test_the_measured_crack_volume_matches_the_generated_cracks():
    from dca.series import phase_changes

    s = electrode_cycles(48, cycles=[0, 20, 50], particle_radius=6, swelling=0.0)
    for step in (s[1], s[2]):
        opened = phase_changes(s[0], step).volume("active", "pore")
        assert opened == pytest.approx(step.attrs["crack_volume_m3"], rel=0.08)
    assert 0 < s[1].attrs["cracked_particles"] < s[2].attrs["cracked_particles"] <= s[2].attrs["particles"]
