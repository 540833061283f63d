"""Regions of interest: crops by index and by physical coordinates, the cylinder field of view."""

import pytest

import dca
from dca import InputError, filters


def test_crops_by_physical_coordinates_and_cylinder():
    v = dca.samples.blobs(20, voxel_size=1e-6)
    c = filters.crop_physical(v, z=(5e-6, 9.5e-6))
    assert c.shape[0] == 5 and c.origin[0] == pytest.approx(5e-6)
    cyl = filters.crop_cylinder(v, radius=5e-6)
    assert cyl.shape[1:] == (10, 10) and cyl.mask is not None  # centres 5..14 um lie within 5 um of 9.5 um
    with pytest.raises(InputError, match="holds no voxel centre"):
        filters.crop_physical(v, x=(1, 2))
