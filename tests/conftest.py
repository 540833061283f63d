"""Shared fixtures: small volumes with known answers and the real data in ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

_pytest_approx = pytest.approx


def _approx(expected, rel=None, abs=None, nan_ok=False):
    """``pytest.approx`` with no absolute tolerance unless a test gives one. Its default of 1e-12
    is above every permeability (m^2), volume (m^3) and most areas (m^2) in SI units, where it
    passes any value: 1.75e-14 == approx(2.45e-14, rel=0.02) held. A comparison with zero
    says its ``abs``."""
    return _pytest_approx(expected, rel=1e-6 if rel is None else rel, abs=0.0 if abs is None else abs, nan_ok=nan_ok)


pytest.approx = _approx

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("DCA_SHARED_DATA", ROOT.parent / "shared" / "data"))
BEREA_VOXEL = 5.345e-6


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def berea(shared_data):
    """The 200^3 Berea crop, True = pore, 5.345 um voxels."""
    import dca

    path = shared_data / "berea_200.npz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return dca.read(path, voxel_size=BEREA_VOXEL)


@pytest.fixture
def grey_volume():
    """A small anisotropic uint16 volume with a non-zero origin."""
    import dca

    rng = np.random.default_rng(7)
    data = rng.integers(0, 60000, size=(6, 7, 9), dtype=np.uint16)
    return dca.Volume(data, voxel_size=(2.5e-6, 1.25e-6, 5.345e-6), origin=(1e-3, -2e-4, 3.5e-5))


@pytest.fixture(scope="session")
def berea_network():
    """The SNOW network of the Berea crop (extracted once per test session)."""
    import dca

    path = SHARED_DATA / "berea_200.npz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return dca.network.extract(dca.read(path, voxel_size=BEREA_VOXEL))


@pytest.fixture
def imperial(shared_data):
    """Path prefix of an Imperial College Statoil network by name."""
    def prefix(name):
        path = shared_data / "imperial_networks" / f"{name}_node1.dat"
        if not path.exists():
            pytest.skip(f"{path} not found")
        return str(path)
    return prefix
