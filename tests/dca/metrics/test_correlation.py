"""Two-point correlation: its limits at zero and large distance."""

import pytest

import dca
from dca import metrics


def test_two_point_correlation_limits():
    blobs = dca.samples.blobs(80, porosity=0.35, blobiness=2, seed=0)
    s2 = metrics.two_point_correlation(blobs)
    assert s2["s2"].iloc[0] == pytest.approx(0.35, abs=1e-6)
    assert s2["s2"].iloc[-5:].mean() == pytest.approx(0.35 ** 2, abs=0.01)
