"""The headline numbers of a segmented volume in one call (what ``dca metrics`` prints)."""

from __future__ import annotations

from .._memory import chunked
from .._phase import phase_mask, phase_names
from ..util import takes_volume
from ._chords import chord_length_distribution
from ._minkowski import minkowski
from ._porosity import porosity_report
from ._sizes import pore_size_distribution

__all__ = ["summary"]


@takes_volume
def summary(volume, *, phase=None, axis="x") -> dict:
    """The headline numbers of a segmented volume in one call (what ``dca metrics`` prints).

    Porosity (total, connected along ``axis``, isolated), specific surface (1/m, Crofton),
    Minkowski functionals, and the statistics of the local-thickness PSD and of the chords.
    A lazy (dask-backed) volume is measured slab by slab and chunk by chunk, to the same numbers;
    so is a volume in memory whose measurement would not fit beside it.
    For a phase other than the pore space the fractions are named for what they are:
    ``volume_fraction``, ``connected_fraction`` and ``isolated_fraction`` (with ``phase``).

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    axis : {"x", "y", "z"}

    Returns
    -------
    dict
        Numbers in SI units (the unit is in the key where it is not 1).

    Examples
    --------
    >>> import dca
    >>> v = dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6)
    >>> s = dca.metrics.summary(v)
    >>> round(s["porosity"], 3), s["specific_surface_area_unit"]
    (0.4, '1/m')
    >>> "volume_fraction" in dca.metrics.summary(v, phase="solid")
    True
    """
    volume = chunked(volume, "metrics summary")  # too big to measure in memory: chunk by chunk, the same numbers
    if not volume.is_lazy:
        phase_mask(volume, phase)  # fail early, with the clear message, on an empty or unknown phase
    por = porosity_report(volume, phase=phase, axis=axis).to_dict()
    names = phase_names(volume)
    pore = phase is None or phase == "pore" or (not isinstance(phase, str) and names.get("pore") == phase)
    if not pore:
        por = {"phase": phase, **{k.replace("porosity", "fraction") if k != "porosity" else "volume_fraction": v
                                  for k, v in por.items()}}
    mink = minkowski(volume, phase=phase)
    out = {
        **por,
        "specific_surface_area": mink.surface_area / mink.bulk_volume,
        "specific_surface_area_unit": "1/m",
        "surface_area_m2": mink.surface_area,
        "integral_mean_curvature_m": mink.integral_mean_curvature,
        "euler_characteristic": mink.euler_characteristic,
        "euler_connectivity": mink.connectivity,
        "bulk_volume_m3": mink.bulk_volume,
    }
    if len(set(volume.voxel_size)) == 1:
        out["pore_size_distribution"] = {**pore_size_distribution(volume, phase=phase).summary, "unit": "m"}
    out["chord_length_distribution"] = {**chord_length_distribution(volume, phase=phase, axis=axis).summary,
                                        "unit": "m", "axis": por["axis"]}
    return out
