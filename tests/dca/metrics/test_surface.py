"""Surface areas against analytic answers: a digitised ball, interfaces between phases, triple lines."""

import numpy as np
import pytest

import dca
from dca import metrics


def ball(radius=20, n=None, centre_shift=0.3, voxel=1e-6):
    n = n or 2 * radius + 8
    g = np.mgrid[:n, :n, :n] - (n - 1) / 2 + centre_shift
    return dca.Volume((g ** 2).sum(0) < radius ** 2, voxel_size=voxel)

def test_ball_surface_area_within_2_percent():
    b = ball(20)
    exact = 4 * np.pi * (20e-6) ** 2
    assert metrics.surface_area(b) == pytest.approx(exact, rel=0.02)
    assert metrics.surface_area(b, method="mesh") == pytest.approx(exact, rel=0.02)


def test_interfacial_areas_of_two_balls_in_a_matrix():
    labels = np.zeros((40, 40, 80), np.uint8)
    g = np.mgrid[:40, :40, :40] - 19.7
    labels[:, :, :40][(g ** 2).sum(0) < 15 ** 2] = 1
    labels[:, :, 40:][(g ** 2).sum(0) < 12 ** 2] = 2
    v = dca.Volume(labels, voxel_size=1e-6, phases={"matrix": 0, "b": 1, "c": 2})
    areas = metrics.interfacial_areas(v)
    assert areas[("matrix", "b")] == pytest.approx(4 * np.pi * 15e-6 ** 2, rel=0.02)
    assert areas[("matrix", "c")] == pytest.approx(4 * np.pi * 12e-6 ** 2, rel=0.02)
    assert areas[("b", "c")] == 0

def test_triple_line_of_three_phases():
    labels = np.zeros((40, 40, 40), np.uint8)
    labels[20:, :20] = 1
    labels[20:, 20:] = 2
    v = dca.Volume(labels, voxel_size=1e-6, phases={"a": 0, "b": 1, "c": 2})
    assert metrics.triple_line_length(v) == pytest.approx(40e-6)  # a straight line along x
    # a circle where a ball meets a plane: the staircase overestimates a planar curve by 4/pi
    n = 64
    z, y, x = np.mgrid[:n, :n, :n] - 31.7
    labels = (z > 0).astype(np.uint8)
    labels[x ** 2 + y ** 2 + z ** 2 < 20 ** 2] = 2
    circle = metrics.triple_line_length(dca.Volume(labels, voxel_size=1e-6))
    assert circle * np.pi / 4 == pytest.approx(2 * np.pi * np.sqrt(20 ** 2 - 0.3 ** 2) * 1e-6, rel=0.03)
