"""Minkowski functionals: mean curvature of a ball, Euler characteristic of known shapes, scaling."""

import numpy as np
import pytest

import dca
from dca import metrics


def ball(radius=20, n=None, centre_shift=0.3, voxel=1e-6):
    n = n or 2 * radius + 8
    g = np.mgrid[:n, :n, :n] - (n - 1) / 2 + centre_shift
    return dca.Volume((g ** 2).sum(0) < radius ** 2, voxel_size=voxel)

def test_ball_mean_curvature_integral_within_5_percent():
    assert metrics.integral_mean_curvature(ball(20)) == pytest.approx(4 * np.pi * 20e-6, rel=0.05)

def test_euler_characteristic_of_ball_torus_and_separate_balls():
    assert metrics.euler_characteristic(ball(10)) == 1
    n = 60
    z, y, x = np.mgrid[:n, :n, :n] - (n - 1) / 2
    torus = (np.sqrt(x ** 2 + y ** 2) - 18) ** 2 + z ** 2 < 6 ** 2
    assert metrics.euler_characteristic(dca.Volume(torus, voxel_size=1e-6)) == 0
    balls = np.zeros((30, 30, 90), bool)
    for k in range(4):
        g = np.mgrid[:30, :30, :20] - 14.5
        balls[:, :, k * 22:k * 22 + 20] |= (g ** 2).sum(0) < 8 ** 2
    for connectivity in (6, 26):
        assert metrics.euler_characteristic(dca.Volume(balls, voxel_size=1e-6), connectivity=connectivity) == 4
    hollow = ball(12, n=32).data & ~ball(6, n=32).data  # a ball with a cavity: 1 + 1
    assert metrics.euler_characteristic(dca.Volume(hollow, voxel_size=1e-6)) == 2

def test_metrics_scale_with_voxel_size():
    small, big = ball(12, voxel=1e-6), ball(12, voxel=3e-6)
    assert metrics.surface_area(big) == pytest.approx(9 * metrics.surface_area(small), rel=1e-12)
    assert metrics.specific_surface(big) == pytest.approx(metrics.specific_surface(small) / 3, rel=1e-12)
    assert metrics.integral_mean_curvature(big) == pytest.approx(3 * metrics.integral_mean_curvature(small), rel=1e-6)
    m_small, m_big = metrics.minkowski(small), metrics.minkowski(big)
    assert m_big.volume == pytest.approx(27 * m_small.volume) and m_big.euler_characteristic == 1
    assert metrics.porosity(big) == metrics.porosity(small)
