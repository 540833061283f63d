"""Two-phase flow (issue 19): flow.scal on the Imperial Berea network against pnflow, and the
network against the voxels on the Berea crop.

    python benchmarks/bench_scal.py pnflow     # time, end points and curves against pnflow's reference
    python benchmarks/bench_scal.py voxels [N] # N^3 Berea crop: network drainage against sphere
                                               # insertion, with Stokes relative permeabilities

Each case prints JSON lines. pnflow's own time on the same input (its README in
../shared/data/pnflow_berea): about 8 s per run.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import pandas as pd
from _measure import rss_gb

import dca
import flow

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "shared", "data")


def _at(table, sw, column="Pc_pa"):
    order = np.argsort(table["Sw"].to_numpy())
    return float(np.interp(sw, table["Sw"].to_numpy()[order], table[column].to_numpy()[order]))


def pnflow():
    net = dca.network.read_statoil(os.path.join(DATA, "imperial_networks", "Berea_node1.dat"))
    for case, receding in (("ww_example", (0, 10)), ("ww_theta0", 0.0)):
        t = time.perf_counter()
        run = flow.scal(net, cycles=("drainage", "waterflood", "drainage"), receding=receding, advancing=(30, 50),
                        box=(0.2, 0.9))
        seconds = time.perf_counter() - t
        refs = {name: pd.read_csv(os.path.join(DATA, "pnflow_berea", f"{case}_cycle{i}_{name}.csv"))
                for i, name in ((1, "primary_drainage"), (2, "waterflood"))}
        drain, flood = run.cycle("primary drainage"), run.cycle("waterflood")
        ref_d, ref_f = refs["primary_drainage"].rename(columns={"Pc_Pa": "Pc_pa"}), \
            refs["waterflood"].rename(columns={"Pc_Pa": "Pc_pa"})
        print(json.dumps({
            "case": case, "seconds": round(seconds, 2), "points": [len(c.table) for c in run.cycles],
            "swi": [drain.end["Sw"], float(ref_d["Sw"].iloc[-1])],
            "kro_at_swi": [drain.end["kro"], float(ref_d["kro"].iloc[-1])],
            "krw_at_swi": [drain.end["krw"], float(ref_d["krw"].iloc[-1])],
            "sor": [1 - flood.end["Sw"], 1 - float(ref_f["Sw"].iloc[-1])],
            "krw_at_sor": [flood.end["krw"], float(ref_f["krw"].iloc[-1])],
            "drainage_pc_kpa": {sw: [round(_at(drain.table, sw) / 1e3, 3), round(_at(ref_d, sw) / 1e3, 3)]
                                for sw in (0.9, 0.7, 0.5, 0.3, 0.2, 0.1)},
            "waterflood_pc_kpa": {sw: [round(_at(flood.table, sw) / 1e3, 3), round(_at(ref_f, sw) / 1e3, 3)]
                                  for sw in (0.1, 0.2, 0.3)},
            "waterflood_krw": {sw: [round(_at(flood.table, sw, "krw"), 4), round(_at(ref_f, sw, "krw"), 4)]
                               for sw in (0.1, 0.2, 0.3)},
            "waterflood_kro": {sw: [round(_at(flood.table, sw, "kro"), 4), round(_at(ref_f, sw, "kro"), 4)]
                               for sw in (0.1, 0.2, 0.3)},
            "events": {c.name: c.events for c in run.cycles}, "amott_water": run.amott_water,
            "archie_n": run.archie_n, "peak_gb": round(rss_gb(), 2)}), flush=True)


def voxels(n: int = 200):
    v = dca.read(os.path.join(DATA, "berea_200.npz"), voxel_size=5.345e-6)[:n, :n, :n]
    t = time.perf_counter()
    net = flow.with_face_pores(dca.network.extract(v), "x")
    network = flow.scal(net, cycles=("drainage",), receding=0.0, box=(0.2, 0.9))
    t_net = time.perf_counter() - t
    t = time.perf_counter()
    md = flow.morphological_drainage(v, steps=25)
    t_md = time.perf_counter() - t
    t = time.perf_counter()
    kr = md.relative_permeability(points=5, box=(0.2, 0.9), tol=1e-5, solver="multigrid")
    t_kr = time.perf_counter() - t
    drain = network.cycles[0].table
    print(json.dumps({"case": f"voxels{n}", "network_s": round(t_net, 1), "morphology_s": round(t_md, 1),
                      "stokes_kr_s": round(t_kr, 1),
                      "pc_kpa_network_voxels": {sw: [round(_at(drain, sw) / 1e3, 3), round(_at(md.table, sw) / 1e3, 3)]
                                                for sw in (0.9, 0.7, 0.5, 0.3)},
                      "voxel_kr": kr.round(4).to_dict(orient="list"),
                      "network_kr_at_voxel_sw": {round(s, 3): [round(_at(drain, s, "krw"), 4),
                                                               round(_at(drain, s, "kro"), 4)] for s in kr["Sw"]},
                      "peak_gb": round(rss_gb(), 2)}), flush=True)


if __name__ == "__main__":
    case = sys.argv[1]
    {"pnflow": pnflow, "voxels": voxels}[case](*[int(a) for a in sys.argv[2:3]])
