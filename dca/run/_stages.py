"""The runner stages that need only dca: input, segmentation, metrics, the pore network."""

from __future__ import annotations

import os

import numpy as np

from .._errors import InputError
from ..io._atomic import save_figure
from ._engine import Output, stage
from ._report import save_scene

READ_KEYS = ("voxel_size", "key", "format", "dataset", "lazy")  # passed on to dca.read
SEGMENT_KEYS = ("method", "denoise", "size", "sigma", "classes", "names")


def read_options(params: dict) -> dict:
    """The reader's options among a section's keys."""
    return {k: params[k] for k in READ_KEYS if k in params}


def reduced_size(ctx) -> int:
    """The [input] section's ``size`` (the reduced runs of the tests), or 0."""
    return int(ctx.sections.get("input", {}).get("size") or 0)


def make_sample(ctx, section: str, spec: dict, *, shape: int | None = None):
    """Call the dca.samples function that ``spec`` (``{generator = ..., ...}``) names with its
    other keys, the seed defaulting to the case's and ``shape`` replaced when given; returns
    (its name, what it made)."""
    from .. import samples

    spec = dict(spec)
    generator = spec.pop("generator", None)
    made = getattr(samples, generator, None) if isinstance(generator, str) and generator in samples.__all__ else None
    if made is None:
        raise InputError(f"[{section}] sample needs generator = one of dca.samples' functions, got {generator!r}")
    spec.setdefault("seed", ctx.seed)
    if shape:
        spec["shape"] = shape
    return generator, made(**spec)


@stage("input", title="sample", keys=("path", "sample", "scan", "crop", "size", "phases", *READ_KEYS))
def input_stage(ctx, params):
    """Read ``path`` (relative to the case file) or build ``sample`` ({generator, ...}); then
    ``crop`` ([[z0, z1], [y0, y1], [x0, x1]]) and ``size`` (the first N voxels along each
    axis: the reduced size the tests run). A file too big for memory is read lazily (``lazy =
    true`` or ``false`` decides): the later stages then stream it chunk by chunk, and the
    lazy results they hand on are cached as Zarr."""
    from .. import read, samples

    if "path" in params:
        path = params["path"] if os.path.isabs(params["path"]) else os.path.join(ctx.case_dir, params["path"])
        volume = read(path, **read_options(params))  # lazy when big, unless lazy = true/false
        source = os.path.normpath(path)
    elif "sample" in params:
        generator, volume = make_sample(ctx, "input", params["sample"])
        source = f"dca.samples.{generator}"
    else:
        raise InputError("[input] needs path = '...' (a file) or sample = {generator = '...', ...}")
    if "scan" in params:  # a virtual XRM scan of the generated sample (its ground truth: the [truth] stage)
        scan = samples.virtual_scan(volume, **{"seed": ctx.seed, **params["scan"]})
        volume = scan.grey.replace(mask=None)
        source += " scanned by dca.samples.virtual_scan"
    if "crop" in params:
        volume = volume[tuple(slice(a, b) for a, b in params["crop"])]
    if "size" in params:
        n = params["size"]
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= min(volume.shape):
            raise InputError(f"size must be a whole number of voxels from 1 to {min(volume.shape)} (the sample is "
                             f"{' x '.join(map(str, volume.shape))}), got {n!r}")
        volume = volume[:n, :n, :n]
    if "phases" in params:
        volume = volume.replace(phases={k: int(v) for k, v in params["phases"].items()})
    numbers = {"shape": (list(volume.shape), "voxels"), "voxel_size": (list(volume.voxel_size), "m")}
    return Output(value=volume, numbers=numbers, tables={"input": [{"source": source, "shape": str(volume.shape),
                                                                    "voxel size (m)": str(volume.voxel_size)}]})


@stage("truth", title="ground truth", keys=())
def truth_stage(ctx, params):
    """The generated sample of [input], before its virtual scan: what segmentations are scored against."""
    spec = {k: v for k, v in ctx.sections["input"].items() if k != "scan"}
    if "sample" not in spec:
        raise InputError("[truth] needs an [input] built from sample = {generator = ...}")
    out = input_stage(ctx, spec)
    return Output(value=out.value, tables={"ground truth": out.tables["input"]})


@stage("score", needs=("segment", "truth"), title="segmentation against the ground truth", keys=())
def score_stage(ctx, params, segment, truth):
    """Voxel accuracy, per-phase intersection over union and volume fractions against [truth]."""
    from .. import segment as seg

    s = seg.score(segment, truth)
    names = {v: k for k, v in truth.phases.items()}
    numbers = {"accuracy": (s.accuracy, "1")}
    rows = []
    for label in s.labels:
        name = names.get(label, str(label))
        numbers[f"iou_{name}"] = (float(s.iou[label]), "1")
        numbers[f"fraction_error_{name}"] = (s.fraction_error(label), "1")
        rows.append({"phase": name, "fraction (truth)": f"{s.fraction_truth[label]:.4f}",
                     "fraction (segmented)": f"{s.fraction_segmented[label]:.4f}", "IoU": f"{s.iou[label]:.4f}"})
    return Output(value=s, numbers=numbers, tables={f"Voxel accuracy {s.accuracy:.4f}": rows})


@stage("fluids", needs=("segment",), optional=("truth",), title="fluids in the pore space",
       keys=("wetting", "nonwetting", "solid", "axis"))
def fluids_stage(ctx, params, segment, truth):
    """Saturation of ``wetting`` and ``nonwetting`` in their pore space, interfacial areas
    between every pair of phases (from the surfaces of the three phases), and the fraction of
    each fluid connected across ``axis``; the same from [truth] where the case has it."""
    rows, numbers = [], {}
    for label, volume in (("segmented", segment), ("truth", truth)):
        if volume is None:
            continue
        figures = _fluid_figures(volume, params)
        suffix = "" if label == "segmented" else "_truth"
        numbers.update({k + suffix: v for k, v in figures.items()})
        rows.append({"from": label, **{k: f"{v:.4g}" for k, (v, _) in figures.items()}})
    return Output(value=None, numbers=numbers, tables={"saturation, interfaces, connectivity": rows})


def _fluid_figures(volume, params):
    from .. import metrics
    from .._phase import phase_mask

    w, nw = params.get("wetting", "water"), params.get("nonwetting", "air")
    solid = params.get("solid", "grain")
    axis = params.get("axis", "x")
    n_w, n_nw = (int(phase_mask(volume, p, allow_empty=True).sum()) for p in (w, nw))
    s = {p: metrics.surface_area(volume, phase=p) for p in (w, nw, solid)}
    bulk = volume.size * volume.voxel_volume
    out = {"saturation_wetting": (n_w / (n_w + n_nw), "1")}
    # in a three-phase partition every interface bounds two phases: A_ab = (S_a + S_b - S_c) / 2
    for a, b, c in ((w, nw, solid), (w, solid, nw), (nw, solid, w)):
        out[f"interface_{a}_{b}_per_volume"] = ((s[a] + s[b] - s[c]) / 2 / bulk, "1/m")
    for p, n in ((w, n_w), (nw, n_nw)):
        connected = metrics.connected_porosity(volume, phase=p, axis=axis) if n else 0.0
        out[f"{p}_connected_fraction"] = (connected * volume.size / n if n else 0.0, "1")
    return out


@stage("segment", needs=("input",), title="segmentation", keys=SEGMENT_KEYS)
def segment_stage(ctx, params, input):
    """``method``: "otsu" (pore = dark), "multi_otsu" (``classes``, ``names``), or "none" for
    a volume that is already segmented; ``denoise``: "median" or "gaussian" first."""
    labels, method = segment_volume(input, params)
    fractions = phase_fractions(labels)
    figure = save_figure(input.quicklook(overlay=labels if labels is not input else None,
                                         title="Orthogonal mid slices, segmentation overlaid"),
                         ctx.path("slices.png"))
    return Output(value=labels, numbers={f"fraction_{k}": (v, "1") for k, v in fractions.items()},
                  figures={"Orthogonal slices with the segmentation": figure},
                  tables={"segmentation": [{"method": method, **{k: round(v, 4) for k, v in fractions.items()}}]})


def phase_fractions(volume) -> dict:
    """{phase: volume fraction} of a segmented volume, inside its field of view (streamed for a
    lazy volume)."""
    from .. import metrics

    if volume.dtype == bool:
        return {"pore": metrics.porosity(volume)}
    return {name: metrics.porosity(volume, phase=label) for name, label in volume.phases.items()}


def segment_volume(volume, params):
    """The labels of [segment]'s ``params`` for one volume, and the method's name."""
    from .. import filters, segment

    method = params.get("method", "otsu")
    if method == "none" or volume.dtype == bool or (volume.dtype.kind in "iu" and volume.phases):
        return volume, "none (already segmented)"
    if params.get("denoise") == "median":
        volume = filters.median(volume, size=int(params.get("size", 3)))
    elif params.get("denoise") == "gaussian":
        volume = filters.gaussian(volume, sigma=float(params.get("sigma", 1.0)))
    if method == "otsu":
        return segment.otsu(volume), method
    if method in ("multi_otsu", "watershed_phases"):
        func = getattr(segment, method)
        return func(volume, classes=int(params.get("classes", 3)), names=params.get("names")), method
    raise InputError(f"[segment] method must be otsu, multi_otsu, watershed_phases or none, got {method!r}")


@stage("metrics", needs=("segment",), title="metrics", keys=("phase", "axis", "rev"))
def metrics_stage(ctx, params, segment):
    """Porosity (total, connected, isolated), specific surface, Minkowski functionals, PSD and
    chord statistics of ``phase`` along ``axis``; ``rev = true`` adds the REV analysis."""
    from .. import metrics

    phase, axis = params.get("phase"), params.get("axis", "x")
    summary = metrics.summary(segment, phase=phase, axis=axis)
    units = {"specific_surface_area": "1/m", "surface_area_m2": "m^2", "integral_mean_curvature_m": "m",
             "bulk_volume_m3": "m^3", "euler_characteristic": "1", "euler_connectivity": "1"}
    numbers = {k: (v, units.get(k, "1")) for k, v in summary.items() if isinstance(v, (int, float))}
    for group in ("pore_size_distribution", "chord_length_distribution"):
        for k, v in summary.get(group, {}).items():
            if isinstance(v, (int, float)):
                numbers[f"{group}.{k}"] = (v, "1" if k == "count" else "m")
    figures = {}
    if len(set(segment.voxel_size)) == 1:
        figures["Pore size distribution (local thickness)"] = save_figure(
            metrics.pore_size_distribution(segment, phase=phase).plot(), ctx.path("psd.png"))
    figures["Chord length distribution"] = save_figure(
        metrics.chord_length_distribution(segment, phase=phase, axis=axis).plot(), ctx.path("chords.png"))
    if params.get("rev"):
        rev = metrics.rev_analysis(segment)
        figures["Representative elementary volume"] = save_figure(rev.plot(), ctx.path("rev.png"))
    table = [{"metric": k, "value": f"{v:.6g}", "unit": u} for k, (v, u) in numbers.items()
             if not k.startswith(("pore_size", "chord"))]
    return Output(value=summary, numbers=numbers, figures=figures, tables={"metrics": table})


@stage("network", needs=("segment",), title="pore network", keys=("phase",))
def network_stage(ctx, params, segment):
    """SNOW extraction of ``phase`` (default pore); written as VTP for ParaView."""
    from .. import network

    net = network.extract(segment, phase=params.get("phase"))
    files = [net.write(ctx.path("network.vtp"))]
    figures = {"Pore and throat sizes": save_figure(net.plot_sizes(), ctx.path("network_sizes.png"))}
    render = save_scene(net.plot, ctx.path("network.png"))
    if render:
        figures["The pore network (pores as balls, throats as sticks)"] = render
    s = net.summary()
    numbers = {"pores": (int(net.internal.sum()), "1"), "throats": (int(net.n_throats), "1"),
               "mean_coordination": (float(np.mean(net.coordination[net.internal])), "1")}
    return Output(value=net, numbers=numbers, files=files, figures=figures,
                  tables={"network": [{k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in s.items()
                                       if not isinstance(v, (dict, list))}]})


