"""Porosity: profiles, the field-of-view mask, the real Berea, and bad input named."""

import numpy as np
import pytest

import dca
from dca import InputError, metrics


def test_porosity_profile_and_mask():
    v = dca.samples.sphere_pack(48, porosity=0.35, seed=1)
    masked = dca.filters.crop_cylinder(v)
    assert masked.mask is not None
    inside = np.asarray(masked.mask)
    assert metrics.porosity(masked) == pytest.approx(masked.data[inside].mean())
    profile = metrics.porosity_profile(v, axis="z")
    assert len(profile) == 48 and profile["porosity"].mean() == pytest.approx(v.data.mean())

def test_berea_porosity_and_connected_porosity(berea):
    assert metrics.porosity(berea) == 0.19871525
    assert metrics.connected_porosity(berea, axis="x") == pytest.approx(0.1977, abs=0.001)

@pytest.mark.parametrize("make, message", [
    (lambda: dca.Volume(np.zeros((5, 5, 5), bool), voxel_size=1e-6), "has no voxels"),
    (lambda: dca.Volume(np.zeros((5, 5, 5), np.uint8), voxel_size=1e-6, phases={"pore": 3}), "has no voxels"),
    (lambda: dca.Volume(np.ones((5, 5, 5), np.float32), voxel_size=1e-6), "segment it first"),
])
def test_bad_input_is_named(make, message):
    with pytest.raises(InputError, match=message):
        metrics.specific_surface(make())

def test_mask_excluding_everything_and_unknown_label():
    v = dca.samples.blobs(16)
    with pytest.raises(InputError, match="excludes every voxel"):
        metrics.porosity(v.replace(mask=np.zeros(v.shape, bool)))
    with pytest.raises(InputError, match="'water' is not named"):
        metrics.porosity(v, phase="water")
