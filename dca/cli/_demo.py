"""``dca demo``: the default pipeline on the embedded sample."""

from __future__ import annotations

import time

from ._common import emit


def add_parser(sub) -> None:
    parser = sub.add_parser("demo", help="run the default pipeline on an embedded synthetic sample",
                            description="Scan an embedded sandstone-like sample with the virtual XRM, segment "
                                        "and measure it, extract its network, compute permeability both ways and "
                                        "drainage, mesh its pore surface, and write report.html.")
    parser.add_argument("--out", default="dca_output/demo", help="output folder (default: dca_output/demo)")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..demo import run_demo

    start = time.perf_counter()
    result = run_demo(args.out, progress=not args.json)
    elapsed = time.perf_counter() - start
    emit({"out_dir": result.out_dir, "files": list(result.files), "seconds": elapsed, **result.summary},
         as_json=args.json,
         table=[("sample", "sphere pack 96^3, porosity "
                 f"{result.summary['sample']['porosity_true']:.4f}, voxel 5 um"),
                ("scan", f"SNR {result.summary['scan']['snr']:g}, resolution "
                         f"{result.summary['scan']['resolution'] * 1e6:.2f} um"),
                ("segmentation", "Otsu, porosity {:.4f} vs {:.4f} true (accuracy {:.4f})".format(
                    result.summary["segmentation"]["porosity_segmented"],
                    result.summary["segmentation"]["porosity_true_in_field_of_view"],
                    result.summary["segmentation"]["accuracy"])),
                ("specific surface", f"{result.summary['metrics']['specific_surface_area']:.4g} 1/m"),
                ("permeability", "network {:.4g} mD, Stokes {:.4g} mD".format(
                    result.summary["case"]["permeability"]["k_network_mD"],
                    result.summary["case"]["permeability"]["k_stokes_mD"])),
                ("time", f"{elapsed:.1f} s"),
                ("results", f"written to {result.out_dir}/ ({len(result.files)} files)"),
                ("report", f"open {result.report} in a browser")])
    return 0
