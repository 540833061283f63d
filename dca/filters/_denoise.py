"""3-D denoising: median, Gaussian, non-local means (chunked), unsharp mask."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .._errors import InputError
from .._phase import grey_values, non_finite
from ..util import takes_volume

__all__ = ["median", "gaussian", "nl_means", "unsharp_mask", "noise_sigma"]


def _float_out(data: np.ndarray) -> np.ndarray:
    # float32 serves for CT grey levels; never a float64 copy of the whole volume
    return data if data.dtype == np.float32 else data.astype(np.float32)


def _lazy_filter(volume, func, depth, dtype, **kwargs):
    """``func`` over a lazy volume chunk by chunk, each chunk with a halo of ``depth`` voxels
    from its neighbours (edge voxels repeated at the volume's faces, as ``mode="nearest"``
    does): the voxels are those of the in-memory filter, and the result stays lazy."""
    import dask.array as da

    data = volume.data
    bad = int((~da.isfinite(data)).sum().compute()) if data.dtype.kind == "f" else 0  # streamed
    if bad:
        raise non_finite(bad)
    return data.map_overlap(func, depth=depth, boundary="nearest", dtype=dtype, **kwargs)


@takes_volume
def median(volume, *, size: int = 3):
    """Median filter over a cube of ``size`` voxels a side; keeps the dtype. A lazy volume stays
    lazy and is filtered chunk by chunk with a halo, to the same voxels.

    Examples
    --------
    >>> import numpy as np, dca
    >>> noisy = np.zeros((5, 5, 5), np.uint8); noisy[2, 2, 2] = 255   # one hot voxel
    >>> int(dca.filters.median(noisy, voxel_size=1e-6).data.max())
    0
    """
    size = int(size)
    if size < 1:
        raise InputError(f"size must be >= 1, got {size}")
    if volume.is_lazy:
        out = _lazy_filter(volume, ndimage.median_filter, size // 2 + 1, volume.dtype, size=size, mode="nearest")
        return volume.with_data(out, step="median", size=size)
    data = grey_values(volume)
    return volume.with_data(ndimage.median_filter(data, size=size, mode="nearest"), step="median", size=size)


@takes_volume
def gaussian(volume, *, sigma: float = 1.0):
    """Gaussian smoothing; ``sigma`` in voxels (scalar or per axis). Returns float32. A lazy
    volume stays lazy and is filtered chunk by chunk with a halo of 4 sigma, to the same voxels."""
    if volume.is_lazy:
        sigmas = np.broadcast_to(np.asarray(sigma, dtype=float), (3,))
        depth = tuple(int(4.0 * s + 0.5) + 1 for s in sigmas)  # scipy's kernel radius, truncate = 4
        out = _lazy_filter(volume.replace(data=volume.data.astype(np.float32)), ndimage.gaussian_filter, depth,
                           np.float32, sigma=sigma, mode="nearest")
        return volume.with_data(out, step="gaussian", sigma=sigma)
    data = _float_out(grey_values(volume))
    return volume.with_data(ndimage.gaussian_filter(data, sigma=sigma, mode="nearest"), step="gaussian", sigma=sigma)


@takes_volume
def unsharp_mask(volume, *, sigma: float = 1.0, amount: float = 1.0):
    """Sharpen: data + amount * (data - gaussian(data, sigma)). Returns float32; a lazy volume
    stays lazy (chunk by chunk with a halo of the Gaussian's support, to the same voxels)."""
    if volume.is_lazy:
        depth = int(4.0 * float(np.max(sigma)) + 0.5) + 1
        out = _lazy_filter(volume.replace(data=volume.data.astype(np.float32)), _sharpen, depth, np.float32,
                           sigma=sigma, amount=amount)
        return volume.with_data(out, step="unsharp_mask", sigma=sigma, amount=amount)
    out = _sharpen(_float_out(grey_values(volume)), sigma=sigma, amount=amount)
    return volume.with_data(out, step="unsharp_mask", sigma=sigma, amount=amount)


def _sharpen(data: np.ndarray, *, sigma, amount) -> np.ndarray:
    blurred = ndimage.gaussian_filter(data, sigma=sigma, mode="nearest")
    return data + np.float32(amount) * (data - blurred)


def noise_sigma(data: np.ndarray, *, slices: int = 16) -> float:
    """Standard deviation of white noise, by Immerkaer's Laplacian-difference estimator on
    up to ``slices`` z-slices (doi:10.1006/cviu.1996.0060)."""
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
    picks = data[:: max(1, data.shape[0] // slices)]
    total, count = 0.0, 0
    for plane in picks:
        response = ndimage.convolve(plane.astype(np.float32, copy=False), kernel)[1:-1, 1:-1]
        total += float(np.abs(response).sum())
        count += response.size
    return float(np.sqrt(np.pi / 2) / 6 * total / max(1, count))


@takes_volume
def nl_means(volume, *, h: float | None = None, patch_size: int = 3, patch_distance: int = 2,
             chunk: int = 64, seed: int = 0):
    """Non-local means (scikit-image), processed in overlapping z-slabs so large volumes fit in memory.

    Parameters
    ----------
    h : float, optional
        Filtering strength in grey levels; default 0.8 x the noise standard deviation
        estimated by ``skimage.restoration.estimate_sigma``.
    patch_size, patch_distance : int, voxels
    chunk : int
        Slab thickness in voxels; each slab is padded by ``patch_size + patch_distance``
        on both sides so the result matches an unchunked run inside the volume.

    Notes
    -----
    Memory is O(chunk * ny * nx), not O(volume): a 512^3 volume is filtered in 8 slabs.
    """
    from skimage.restoration import denoise_nl_means

    pad = patch_size + patch_distance
    if volume.is_lazy:  # chunk by chunk with the same halo; h from the same sample of slices
        if h is None:
            nz = volume.shape[0]
            h = 0.8 * noise_sigma(np.asarray(volume.data[:: max(1, nz // 16)]).astype(np.float32), slices=nz)
        out = _lazy_filter(volume.replace(data=volume.data.astype(np.float32)), denoise_nl_means, pad, np.float32,
                           h=h, patch_size=patch_size, patch_distance=patch_distance, fast_mode=True,
                           channel_axis=None)
        return volume.with_data(out, step="nl_means", h=h, patch_size=patch_size, patch_distance=patch_distance,
                                chunk=chunk)
    data = _float_out(grey_values(volume))
    if h is None:
        h = 0.8 * noise_sigma(data)
    out = np.empty_like(data)
    nz = data.shape[0]
    for start in range(0, nz, chunk):
        stop = min(nz, start + chunk)
        lo, hi = max(0, start - pad), min(nz, stop + pad)
        filtered = denoise_nl_means(data[lo:hi], h=h, patch_size=patch_size, patch_distance=patch_distance,
                                    fast_mode=True, channel_axis=None)
        out[start:stop] = filtered[start - lo: stop - lo]
    return volume.with_data(out, step="nl_means", h=h, patch_size=patch_size, patch_distance=patch_distance,
                            chunk=chunk)
