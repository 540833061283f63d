"""Particle size distribution: touching particles are split."""

import numpy as np
import pytest

import dca
from dca import metrics


def test_particles_touching_are_split():
    n = 60
    z, y, x = np.mgrid[:n, :40, :40]
    two = ((z - 19.5) ** 2 + (y - 19.5) ** 2 + (x - 19.5) ** 2 < 12 ** 2) | \
          ((z - 41.5) ** 2 + (y - 19.5) ** 2 + (x - 19.5) ** 2 < 12 ** 2)  # overlapping slightly
    v = dca.Volume(two.astype(np.uint8), voxel_size=1e-6, phases={"particle": 1, "pore": 0})
    psd = metrics.particle_size_distribution(v, phase="particle", min_distance=5)
    assert psd.extra["regions"] == 2
    assert psd.summary["mean"] == pytest.approx(24e-6, rel=0.05)
