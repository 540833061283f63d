"""Local thickness and friends against PoreSpy on the same images (2 cores).

Run: python benchmarks/bench_metrics.py [--size 256]

Images: porespy.generators.blobs(porosity=0.3, blobiness=1) (the shared notes' reference
image) and overlapping_spheres(r=5, porosity=0.3). Each timing is the best of 2 runs after
a warm-up (numba compilation excluded); the results are compared voxel by voxel.
Prints one JSON line per image.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def best_of(fn, repeat=2):
    out, best = None, np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def main() -> None:
    import porespy as ps

    import dca
    from dca.metrics._thickness import local_thickness_radii

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    n = args.size
    images = {
        "blobs": ps.generators.blobs(shape=[n] * 3, porosity=0.3, blobiness=1, seed=1),
        "overlapping_spheres": ps.generators.overlapping_spheres(shape=[n] * 3, r=5, porosity=0.3, seed=1),
    }
    local_thickness_radii(images["blobs"][:16, :16, :16])  # compile
    for name, im in images.items():
        ours, t_ours = best_of(lambda: local_thickness_radii(im))
        theirs, t_ps = best_of(lambda: ps.filters.local_thickness(im))
        volume = dca.Volume(im, voxel_size=1e-6)
        _, t_area = best_of(lambda: dca.metrics.surface_area(volume))
        _, t_s2 = best_of(lambda: dca.metrics.two_point_correlation(volume), repeat=1)
        print(json.dumps({
            "image": name, "shape": [n] * 3, "porosity": float(im.mean()),
            "local_thickness_s": round(t_ours, 3), "porespy_local_thickness_s": round(t_ps, 3),
            "speedup": round(t_ps / t_ours, 2), "identical": bool(np.array_equal(ours, theirs)),
            "crofton_area_s": round(t_area, 3), "two_point_correlation_s": round(t_s2, 3),
        }))


if __name__ == "__main__":
    main()
