"""Opening a 2 GiB RAW volume lazily and loading a crop of it.

Run: python benchmarks/bench_lazy_io.py [--size-gib 2]

The file is sparse (no disk written beyond its metadata), so the numbers measure the
reader's overhead, not the disk: the open must not scale with the file size, the crop must
read only its own z-slabs. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np

import dca


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-gib", type=float, default=2.0)
    args = parser.parse_args()
    n = int(round((args.size_gib * 2**30 / 2) ** (1 / 3)))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.raw")
        with open(path, "wb") as fh:
            fh.truncate(n**3 * 2)
        start = time.perf_counter()
        volume = dca.read(path, shape=(n, n, n), dtype="uint16", voxel_size="1um")
        opened = time.perf_counter() - start
        start = time.perf_counter()
        crop = volume[n // 2:n // 2 + 64, 100:164, 200:264].to_numpy()
        cropped = time.perf_counter() - start
        start = time.perf_counter()
        text = repr(volume)
        described = time.perf_counter() - start
    print(json.dumps({"file_bytes": n**3 * 2, "shape": [n] * 3, "lazy": volume.is_lazy,
                      "open_s": round(opened, 4), "crop_64cubed_s": round(cropped, 4),
                      "repr_s": round(described, 4), "crop_sum": int(np.sum(crop)), "repr_lines": text.count("\n")}))


if __name__ == "__main__":
    main()
