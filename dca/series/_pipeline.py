"""The standard per-step pipeline of ``dca series``: segment if needed, then the metrics that
change through a 4D experiment."""

from __future__ import annotations

from ..util import takes_volume

__all__ = ["step_metrics"]


@takes_volume
def step_metrics(volume, *, phase=None, axis: str = "x") -> dict:
    """Porosity (total, connected along ``axis``, isolated), specific surface (1/m), Euler
    characteristic and the phase's volume of one step. A grey-level step is segmented first
    (Otsu; pore = the darker phase). A lazy step (too big for memory) is streamed."""
    from .. import metrics, segment
    from .._phase import _extremes

    if volume.dtype.kind == "f" or (volume.dtype.kind in "iu" and not volume.phases and _extremes(volume.data)[1] > 1):
        volume = segment.otsu(volume)
    por = metrics.porosity_report(volume, phase=phase, axis=axis)
    mink = metrics.minkowski(volume, phase=phase)
    return {**por.to_dict(), "specific_surface_1_per_m": mink.surface_area / mink.bulk_volume,
            "phase_volume_m3": mink.volume, "euler_characteristic": mink.euler_characteristic}
