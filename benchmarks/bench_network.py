"""Network extraction against porespy.networks.snow2 on the same images (2 cores).

Run: python benchmarks/bench_network.py [--images blobs200 blobs300 berea]

PoreSpy runs twice: its default (a dask watershed in chunks, which splits regions at the
chunk seams and so finds ~25% more pores on Berea) and serial (``parallel_kw=None``, the
SNOW algorithm as published, which our extraction follows).

Each extraction runs in a fresh subprocess that loads the image from a .npy file, so that
its peak memory (VmHWM: interpreter, imports, image and extraction) is its own. Compared: time, peak memory,
internal pore count, and the permeability along x of each network. Ours: ``flow.permeability``
(pyramids and cuboids on equivalent pore diameters). PoreSpy's: OpenPNM's StokesFlow with the
same size-factor model on ``pore.equivalent_diameter`` / ``throat.inscribed_diameter``
(OpenPNM's Berea example), boundary pores on xmin/xmax, and the same box length and area
(N x voxel). Prints one JSON line per image and tool.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

VOXEL = {"blobs200": 1e-6, "blobs300": 1e-6, "berea": 5.345e-6}


def make_image(name, folder):
    """Write the image to FOLDER/NAME.npy once (children load it, so that making it does not
    count in their memory: porespy's blobs generator alone peaks at 0.6 GB at 200^3)."""
    import os

    import numpy as np

    path = os.path.join(folder, f"{name}.npy")
    if not os.path.exists(path):
        if name == "berea":
            im = np.load("../shared/data/berea_200.npz")["im"]
        else:
            import porespy as ps

            n = int(name[len("blobs"):])
            im = ps.generators.blobs(shape=[n] * 3, porosity=0.3, blobiness=2, seed=1)
        np.save(path, np.ascontiguousarray(im, dtype=bool))
    return path


def load(name):
    import os

    import numpy as np

    return np.load(os.path.join(os.environ["DCA_BENCH_DIR"], f"{name}.npy"))


def run_ours(name):
    import time

    import dca
    import flow

    im = load(name)
    dca.network.extract(dca.Volume(im[:32, :32, :32], voxel_size=1e-6))  # numba compilation, not timed
    start = time.perf_counter()
    net = dca.network.extract(dca.Volume(im, voxel_size=VOXEL[name]))
    seconds = time.perf_counter() - start
    k = flow.permeability(net, axis="x")
    return {"seconds": seconds, "pores": int(net.internal.sum()), "throats": net.n_throats, "k_mD": k.k_mD}


def run_porespy(name, serial=False):
    import time

    import numpy as np
    import openpnm as op
    import porespy as ps

    im = load(name)
    dx = VOXEL[name]
    start = time.perf_counter()
    snow = ps.networks.snow2(im, voxel_size=dx, parallel_kw=None if serial else {})
    seconds = time.perf_counter() - start
    pn = op.io.network_from_porespy(snow.network)
    boundary = np.zeros(pn.Np, bool)
    for face in ("xmin", "xmax", "ymin", "ymax", "zmin", "zmax"):
        boundary |= pn[f"pore.{face}"]
    internal = int((~boundary).sum())
    pn["pore.diameter"] = pn["pore.equivalent_diameter"]
    pn["throat.diameter"] = pn["throat.inscribed_diameter"]
    pn.add_model(propname="throat.hydraulic_size_factors",
                 model=op.models.geometry.hydraulic_size_factors.pyramids_and_cuboids)
    pn.regenerate_models()
    water = op.phase.Phase(network=pn)
    water["pore.viscosity"] = 1e-3
    water.add_model(propname="throat.hydraulic_conductance", model=op.models.physics.hydraulic_conductance.generic_hydraulic)
    water.regenerate_models()
    # porespy's x is array axis 0: our x (last axis) is its z
    inlet, outlet = pn.pores("zmin"), pn.pores("zmax")
    health = op.utils.check_network_health(pn)
    op.topotools.trim(network=pn, pores=health["disconnected_pores"])
    inlet, outlet = pn.pores("zmin"), pn.pores("zmax")
    sf = op.algorithms.StokesFlow(network=pn, phase=water)
    sf.set_value_BC(pores=inlet, values=1.0)
    sf.set_value_BC(pores=outlet, values=0.0)
    sf.run()
    q = abs(sf.rate(pores=inlet)[0])
    n = im.shape[2]
    k = q * 1e-3 * (n * dx) / ((im.shape[0] * dx) * (im.shape[1] * dx) * 1.0)
    return {"seconds": seconds, "pores": internal, "throats": int(pn.Nt), "k_mD": k / 9.869233e-16}


def child(tool, name):
    result = {"dca": run_ours, "porespy": run_porespy,
              "porespy_serial": lambda n: run_porespy(n, serial=True)}[tool](name)
    result["peak_rss_gb"] = peak_rss_gb()
    print(json.dumps(result))


def peak_rss_gb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    exec from the parent, so a child of a big parent would report the parent's peak."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e9
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", nargs="+", default=["berea", "blobs200", "blobs300"])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    import os
    import tempfile

    folder = os.environ.setdefault("DCA_BENCH_DIR", tempfile.mkdtemp(prefix="dca_bench_"))
    for name in args.images:
        make_image(name, folder)
        rows = {}
        for tool in ("dca", "porespy", "porespy_serial"):
            out = subprocess.run([sys.executable, __file__, "--child", tool, name], capture_output=True, text=True)
            if out.returncode:
                print(out.stderr[-2000:], file=sys.stderr)
                continue
            rows[tool] = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps({"image": name, "tool": tool, **{k: round(v, 3) if isinstance(v, float) else v
                                                                   for k, v in rows[tool].items()}}), flush=True)
        for other in ("porespy", "porespy_serial"):
            if "dca" in rows and other in rows:
                a, b = rows["dca"], rows[other]
                print(json.dumps({"image": name, "against": other, "speedup": round(b["seconds"] / a["seconds"], 2),
                                  "memory_ratio": round(a["peak_rss_gb"] / b["peak_rss_gb"], 2),
                                  "pore_count_ratio": round(a["pores"] / b["pores"], 3),
                                  "k_ratio": round(a["k_mD"] / b["k_mD"], 3)}), flush=True)


if __name__ == "__main__":
    main()
