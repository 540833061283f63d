"""The runner's [series] stage: a 4D series, segmented step by step, with metric histories."""

from __future__ import annotations

import glob
import os

import numpy as np

from .._errors import InputError
from .._progress import steps as progress_steps
from ..io import save_figure
from ..util import natural_order
from ._engine import Output, stage
from ._stages import READ_KEYS, make_sample, phase_fractions, read_options, reduced_size, segment_volume

__all__ = ["series_stage", "load_series", "series_files"]

_UNITS = {"specific_surface_1_per_m": "1/m", "phase_volume_m3": "m^3", "euler_characteristic": "1"}


def series_files(paths, case_dir: str) -> list[str]:
    """[series] ``paths``: one glob pattern (its matches in natural order: step2 before step10)
    or a list, relative to ``case_dir``."""
    def where(p):
        return p if os.path.isabs(p) else os.path.join(case_dir, p)

    return natural_order(glob.glob(where(paths))) if isinstance(paths, str) else [where(p) for p in paths]


def load_series(ctx, params, size=None):
    """The steps of [series]: ``paths`` (a list, or one glob pattern, relative to the case
    file; sorted) with ``coords``, or ``sample = {generator = ..., ...}``, a dca.samples
    function that returns a Series (``electrode_cycles``), made ``size`` voxels wide when
    given (so its ground truth stays that of what is measured)."""
    from ..series import Series

    if "sample" in params:
        generator, series = make_sample(ctx, "series", params["sample"], shape=size)
        if not isinstance(series, Series):
            raise InputError(f"dca.samples.{generator} makes one volume, not a series; list the steps' files "
                             "in [series] paths = [...] instead")
    elif "paths" in params:
        paths = series_files(params["paths"], ctx.case_dir)
        if not paths:
            raise InputError(f"[series] paths {params['paths']!r} match no file under {ctx.case_dir}")
        series = Series(paths, params.get("coords"), read_options=read_options(params))
    else:
        raise InputError("[series] needs paths = [...] (one file per step) or sample = {generator = ...}")
    return series.replace(unit=params.get("unit", series.unit), name=params.get("name", series.name))


@stage("series", optional=("input",), title="4D series",
       keys=("paths", "coords", "unit", "name", "sample", "register", "scaling", "segment", "phase", "axis", "sizes",
             *READ_KEYS))
def series_stage(ctx, params, input):
    """A sample through time, load or charge cycles.

    Steps: ``paths`` (one glob pattern, its matches sorted, or a list; relative to the case
    file) with ``coords``, ``unit``, ``name`` (the step coordinate) and the reader's
    ``voxel_size`` / ``key`` / ``format`` / ``dataset``; or ``sample = {generator = ...}``, a
    dca.samples function that makes a series (``electrode_cycles``). ``register = true``
    aligns every step onto the first (rigid; ``scaling = true`` adds an isotropic scale).
    Grey steps are segmented by ``segment`` (the keys of [segment]).

    Per step: the fraction of every phase; porosity (total, connected along ``axis``,
    isolated), specific surface and Euler characteristic of ``phase``; the volume that went
    from each phase to each other since the first step; ``sizes = "phase"`` adds the
    volume-weighted mean local thickness of that phase. Scalars in the steps' ``attrs`` (a
    generator's ground truth) are reported as ``truth.*``. The [input] section's ``size``
    (the reduced runs) crops the steps read from files and makes a generated series that
    size. Value: the Series of segmented steps.
    """
    from ..series import Series, phase_changes

    n = reduced_size(ctx)
    series = load_series(ctx, params, size=n)
    if params.get("register"):
        series = series.register(scaling=bool(params.get("scaling", False)), progress=ctx.progress)
    labels, rows, truth = [], [], []
    for i in progress_steps(range(len(series)), "series steps", enabled=ctx.progress):
        step = series[i]
        if n and "paths" in params:
            step = step[:n, :n, :n]
        seg, _ = segment_volume(step, params.get("segment", {}))
        labels.append(seg)
        rows.append(_measure(seg, labels[0] if i else None, params))
        truth.append({k: v for k, v in step.attrs.items()
                      if isinstance(v, (int, float)) and not isinstance(v, bool) and k != series.name})
    rows[0].update({k: 0.0 for k in rows[-1] if k.endswith("_m3") and k not in rows[0]})  # nothing changed yet
    segmented = Series(labels, series.coords, unit=series.unit, name=series.name)
    numbers = {series.name: (series.coords.tolist(), series.unit or "1")}
    numbers.update(_histories_of(rows))
    numbers.update(_histories_of(truth, prefix="truth."))
    figures = {"Mid slices through the series": save_figure(_slices(segmented), ctx.path("series_slices.png")),
               "Metric histories": save_figure(_histories(segmented, numbers, params.get("phase")),
                                               ctx.path("series_history.png"))}
    if len(segmented) > 1:
        figures[f"What changed from the first to the last step (mid {_plane_name(segmented[0])})"] = save_figure(
            _changes_figure(phase_changes(segmented[0], segmented[-1])), ctx.path("series_changes.png"))
    shown = [k for k in rows[-1] if not k.endswith("_m3") and k != "isolated_porosity"]
    tables = {f"Per step ({len(segmented)} steps)": _rows(segmented, rows, shown)}
    if truth[0]:
        tables["Ground truth of the generated steps"] = _rows(segmented, truth, list(truth[0]))
    if input is not None:
        tables["The first step and the [input] sample"] = [{"relation": _relation(series[0], input, params)}]
    return Output(value=segmented, numbers=numbers, figures=figures, tables=tables)


def _relation(first, sample, params) -> str:
    """Whether the series' first step is the [input] sample the rest of the report measures."""
    same = first.shape == sample.shape and np.array_equal(first.to_numpy(), sample.to_numpy())
    if same:
        return "the same sample: step 0 and [input] hold identical voxels"
    made = (f"generated by dca.samples.{params['sample'].get('generator')}" if "sample" in params
            else "read from the series' own files")
    return (f"different samples: step 0 ({' x '.join(map(str, first.shape))}, {made}) and [input] "
            f"({' x '.join(map(str, sample.shape))}) do not hold the same voxels, so compare the series with "
            "itself, not with the sections above")


def _measure(seg, first, params) -> dict:
    """One step's metrics; with ``first``, the volume changed from each phase to each other since."""
    from .. import metrics
    from ..series import phase_changes, step_metrics

    phase = params.get("phase")
    row = {k: v for k, v in step_metrics(seg, phase=phase, axis=params.get("axis", "x")).items() if k != "axis"}
    row.update({f"fraction_{name}": f for name, f in phase_fractions(seg).items()})
    if params.get("sizes"):  # the mean local thickness of a phase: particles split by cracks thin it
        psd = metrics.pore_size_distribution(seg, phase=params["sizes"])
        row[f"{params['sizes']}_mean_thickness_m"] = psd.summary["mean"]
    if first is not None:
        changes = phase_changes(first, seg)
        row.update({f"{a}_to_{b}_m3": changes.volume(a, b) for a in changes.names for b in changes.names if a != b})
    return row


def _histories_of(rows: list[dict], prefix: str = "") -> dict:
    """{key: ([value per step], unit)}; None where a step lacks the key."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return {prefix + k: ([float(r[k]) if k in r else None for r in rows], _unit(k)) for k in keys}


def _rows(series, rows, keys) -> list[dict]:
    return [{series.name: f"{c:g}", **{k: f"{r[k]:.4g}" if k in r else "" for k in keys}}
            for c, r in zip(series.coords, rows)]


def _unit(key: str) -> str:
    if key in _UNITS:
        return _UNITS[key]
    if key.endswith("_m3"):
        return "m^3"
    if key.endswith("_m"):
        return "m"
    return "1"


def _plane_name(volume) -> str:
    return f"z = {volume.shape[0] // 2} slice"


def _slices(series):
    """The mid z slice of every step, side by side, phases coloured."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2.6 * len(series), 2.9), layout="constrained")
    axes = fig.subplots(1, len(series), squeeze=False)[0]
    for ax, i in zip(axes, range(len(series))):
        step = series[i]
        plane = step.to_numpy()[step.shape[0] // 2].astype(float)
        ax.imshow(plane, cmap="viridis", vmin=0, vmax=max(2, plane.max()), interpolation="nearest")
        ax.set_title(series.step_label(i), fontsize=9)
        ax.set_axis_off()
    names = ", ".join(f"{lab} {name}" for name, lab in sorted(series[0].phases.items(), key=lambda kv: kv[1]))
    fig.suptitle(f"Mid z slices; labels {names}" if names else "Mid z slices", fontsize=9)
    return fig


def _histories(series, numbers, phase):
    """Phase fractions, specific surface and the volume changed, against the step coordinate."""
    from matplotlib.figure import Figure

    x = series.coords
    panels = [("phase fractions", [k for k in numbers if k.startswith("fraction_")], "volume fraction"),
              (f"specific surface of {phase or 'pore'}", ["specific_surface_1_per_m"], "1/m"),
              ("volume changed since the first step", [k for k in numbers if k.endswith("_m3") and "_to_" in k
                                                       and any(v for v in numbers[k][0])], "m^3")]
    panels = [p for p in panels if p[1]]
    fig = Figure(figsize=(4.2 * len(panels), 3.4), layout="constrained")
    for ax, (title, keys, unit) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels):
        for k in keys:
            name = k.removeprefix("fraction_").replace("_m3", "").replace("_", " ")
            ax.plot(x, [np.nan if v is None else v for v in numbers[k][0]], "o-", label=name)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit)
        ax.set_xlabel(series.coord_label)
        if len(keys) > 1:
            ax.legend(fontsize=8)
    return fig


def _changes_figure(changes):
    """The mid z slice coloured by what each voxel was and became."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    n = len(changes.names)
    plane = changes.code[changes.code.shape[0] // 2]
    shown = [c for c in np.unique(changes.code) if c // n != c % n]
    image = np.full(plane.shape, -1)
    for j, c in enumerate(shown):
        image[plane == c] = j
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    unchanged = np.ma.masked_where(image >= 0, plane // n)
    ax.imshow(unchanged, cmap="Greys", alpha=0.35, interpolation="nearest")
    if shown:
        palette = colormaps["tab10" if len(shown) <= 10 else "tab20"].colors
        colours = ListedColormap([palette[j % len(palette)] for j in range(len(shown))])
        ax.imshow(np.ma.masked_less(image, 0), cmap=colours, vmin=-0.5, vmax=len(shown) - 0.5, interpolation="nearest")
        ax.legend(handles=[Patch(color=colours(j), label=f"{changes.names[c // n]} -> {changes.names[c % n]}")
                           for j, c in enumerate(shown)], fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title(f"changed: {changes.changed_fraction:.2%} of the voxels (grey: unchanged)", fontsize=10)
    ax.set_axis_off()
    return fig
