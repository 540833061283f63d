"""Shapes with known answers, shared by the metric tests."""

import numpy as np

import dca


def ball(radius=20, n=None, centre_shift=0.3, voxel=1e-6):
    """A digitised ball of ``radius`` voxels, centred off the grid by ``centre_shift``."""
    n = n or 2 * radius + 8
    g = np.mgrid[:n, :n, :n] - (n - 1) / 2 + centre_shift
    return dca.Volume((g ** 2).sum(0) < radius ** 2, voxel_size=voxel)
