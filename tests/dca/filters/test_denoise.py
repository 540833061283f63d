"""Denoising filters: provenance, the input left alone, chunked non-local means equal to one pass."""

import numpy as np
import pytest

import dca
from dca import filters


def test_filters_record_provenance_and_keep_the_input():
    scan = dca.samples.virtual_scan(dca.samples.blobs(32), snr=4, field_of_view=False)
    before = scan.grey.data.copy()
    for f in (filters.median, filters.gaussian, filters.unsharp_mask, filters.nl_means):
        out = f(scan.grey)
        assert out.provenance[-1].name == f.__name__ and out.shape == scan.grey.shape
    np.testing.assert_array_equal(scan.grey.data, before)
    white = np.random.default_rng(0).normal(5.0, 0.3, size=(16, 64, 64)).astype(np.float32)
    assert filters.noise_sigma(white) == pytest.approx(0.3, rel=0.05)

def test_nl_means_chunked_equals_unchunked():
    scan = dca.samples.virtual_scan(dca.samples.blobs(24), snr=4, field_of_view=False)
    whole = filters.nl_means(scan.grey, h=0.1, chunk=64).data
    chunked = filters.nl_means(scan.grey, h=0.1, chunk=8).data
    np.testing.assert_allclose(chunked, whole, atol=1e-6)
