"""The default pipeline on an embedded sample: what ``dca demo`` runs.

A sandstone-like sphere pack is scanned by the virtual XRM of a stated geometry, segmented
(Otsu, scored against the ground truth) and measured; the scan, its ground truth, the
segmentation, figures and a summary are written; then the case runner takes the
segmentation through the network, network and direct permeability, drainage and a surface
mesh, and writes report.html.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ._progress import steps

__all__ = ["DemoResult", "run_demo", "DEMO_SAMPLE"]

#: The embedded default sample: every parameter, so the demo is reproducible bit for bit.
DEMO_SAMPLE = dict(shape=(96, 96, 96), radius=6.0, porosity=0.30, polydispersity=0.15, voxel_size=5e-6, seed=0)
#: An XRM-like acquisition geometry giving ~5 um voxels.
DEMO_GEOMETRY = dict(source_to_object=0.03, object_to_detector=0.05, detector_pixel=13.5e-6, spot_size=3e-6)


#: The case the demo runs on its segmentation: network, flow both ways, drainage, a surface.
DEMO_CASE = {
    "case": {"name": "demo", "title": "Demo: a virtual XRM scan of a sandstone-like sphere pack",
             "question": "From a noisy scan to porosity, pore sizes, network and direct permeability, "
                         "capillary pressure and a watertight pore surface, in one call.", "seed": 0},
    "input": {"path": "segmentation.vti", "crop": [[0, 96], [15, 81], [15, 81]]},  # the square inside the FOV
    "segment": {"method": "none"},
    "metrics": {"axis": "x"},
    "network": {},
    "permeability": {"axis": "x", "methods": ["network", "stokes"]},
    "drainage": {"axis": "x"},
    "mesh": {"kind": "surface", "formats": ["stl"]},
}


@dataclass(frozen=True)
class DemoResult:
    out_dir: str
    files: tuple[str, ...]
    summary: dict
    report: str | None = None


def run_demo(out_dir: str = "dca_output/demo", *, progress: bool = True) -> DemoResult:
    """Run the default pipeline and write its outputs to ``out_dir`` (created if needed)."""
    from . import io, samples
    from .instrument import Geometry
    from .io._atomic import save_figure, write_text

    os.makedirs(out_dir, exist_ok=True)
    path = lambda name: os.path.join(out_dir, name)  # noqa: E731
    files: list[str] = []
    summary: dict = {}
    plan = ["sample", "scan", "segment", "measure", "write", "figure"]
    for step in steps(plan, "demo", enabled=progress):
        if step == "sample":
            truth = samples.sphere_pack(**DEMO_SAMPLE)
            geometry = Geometry(**DEMO_GEOMETRY)
            summary["sample"] = {"generator": "dca.samples.sphere_pack", **DEMO_SAMPLE,
                                 "porosity_true": float(truth.to_numpy().mean())}
            summary["instrument"] = geometry.summary()
        elif step == "scan":
            scan = samples.virtual_scan(truth, geometry=geometry, snr=8.0, beam_hardening=0.05, rings=0.02,
                                        dtype="uint16", seed=0)
            summary["scan"] = {"snr": 8.0, "resolution": geometry.resolution, "noise_sigma": scan.noise_sigma,
                               "blur_sigma_voxels": list(scan.blur_sigma), "dtype": "uint16"}
        elif step == "segment":
            from . import segment

            labels = segment.otsu(scan.grey)
            scored = segment.score(labels, truth)
            summary["segmentation"] = {"method": "otsu", "accuracy": scored.accuracy,
                                       "porosity_segmented": scored.fraction_segmented[1],
                                       "porosity_true_in_field_of_view": scored.fraction_truth[1],
                                       "porosity_error": scored.fraction_error(1)}
        elif step == "measure":
            from . import metrics

            summary["metrics"] = metrics.summary(labels, axis="x")
            psd = metrics.pore_size_distribution(labels)
            files.append(save_figure(psd.plot(), path("pore_size_distribution.png")))
        elif step == "write":
            files += io.write(scan.grey, path("scan.ome.tif"))
            files += io.write(scan.grey, path("scan.vti"))
            files += io.write(truth.replace(data=truth.to_numpy().astype("uint8")), path("truth.vti"))
            files += io.write(labels.replace(data=labels.to_numpy().astype("uint8")), path("segmentation.vti"))
        elif step == "figure":
            figure = scan.grey.quicklook(overlay=truth, title="Demo: virtual XRM scan of a sphere pack "
                                                             "(truth overlaid)")
            files.append(save_figure(figure, path("quicklook.png")))
    from .run import run_case

    case = run_case(DEMO_CASE, out_dir, progress=progress, case_dir=out_dir, log=lambda *a: None)
    summary["case"] = {stage: {k: v["value"] for k, v in numbers.items()}
                       for stage, numbers in case.results["results"].items() if stage in ("permeability", "drainage")}
    files += [f for f in case.files if f not in files]
    summary["files"] = [os.path.basename(f) for f in files] + ["summary.json"]
    files.append(write_text(path("summary.json"), json.dumps(summary, indent=2, default=str) + "\n"))
    return DemoResult(out_dir=out_dir, files=tuple(files), summary=summary, report=case.report)
