"""The memory guard: a stage that holds its data in memory says, before it starts, when it
will not fit, with what it would need and what to do instead (never an out-of-memory kill)."""

from __future__ import annotations

import os

import numpy as np

from ._errors import DcaError

__all__ = ["MemoryLimitError", "available_memory", "require_memory", "require_bytes", "fits", "chunked",
           "BYTES_PER_VOXEL"]

#: Peak bytes per voxel of the in-memory stages, measured on this machine kind (each stage in a
#: fresh process, the whole process counted): issue 16's table, and benchmarks/bench_scale.py
#: at 512^3 on its dense synthetic scan (metrics at 256^3: 512^3 did not fit in 16 GB). Stokes
#: and tortuosity count per voxel of the whole image at porosity 0.3 (Stokes: ~2 kB per fluid voxel).
BYTES_PER_VOXEL = {
    "metrics summary": 190,
    "local thickness": 17,
    "clean-up": 30,  # estimated: labels, the EDT's distances and its three index arrays
    "network extraction": 20,
    "surface mesh": 100,
    "graded mesh": 1250,  # measured: three-phase electrode, 2.27 GB at 128^3, 9.8 GB at 200^3 (bench_graded.py)
    "voxel mesh": 54,
    "Stokes solve": 2100,  # per fluid voxel
    "Stokes solve (multigrid)": 350,  # per fluid voxel and rank: 480 at Berea 200^3, 338 at 256^3, 251 at 512^3
    "tortuosity solve": 40,  # the matrix-free multigrid CG: 35.6 measured at 256^3 (bench_direct.py)
}


#: A way out a stage offers beyond cropping and coarsening.
ADVICE = {"Stokes solve": "solver='multigrid' (about a quarter of the memory), or map its permeability in REV "
                          "blocks (flow.upscale, block solves as dask tasks on a cluster), ",
          "Stokes solve (multigrid)": "more MPI ranks (mpiexec -n N dca permeability ... --method stokes; each "
                                      "holds its slab), or map its permeability in REV blocks (flow.upscale), ",
          "graded mesh": "stream it block by block (meshing.write_graded_mesh; dca mesh -o OUT.xdmf --kind tet "
                         "--graded), "}


class MemoryLimitError(DcaError, MemoryError):
    """A stage would need more memory than this machine (or ``DCA_MEMORY_LIMIT``) gives it."""


def available_memory() -> int:
    """Bytes a stage may use: ``DCA_MEMORY_LIMIT`` (bytes, or with a unit: 8GB, 1.5GiB) where set
    (a dask worker's limit, a batch job's allocation), else what the machine has free."""
    limit = os.environ.get("DCA_MEMORY_LIMIT")
    if limit:
        return _parse_bytes(limit)
    import psutil

    return int(psutil.virtual_memory().available)


def _parse_bytes(text: str) -> int:
    """'8GB', '1.5GiB', '500MB' or a plain number of bytes."""
    import re

    units = {"": 1, "B": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "KI": 2**10, "MI": 2**20, "GI": 2**30,
             "TI": 2**40}
    match = re.fullmatch(r"\s*([0-9.]+(?:e[-+]?\d+)?)\s*([KMGT]I?)?B?\s*", text, re.I)
    if not match:
        raise DcaError(f"DCA_MEMORY_LIMIT must be a number of bytes or a size such as 8GB, got {text!r}")
    return int(float(match.group(1)) * units[(match.group(2) or "").upper()])


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def fits(voxels: int, stage: str) -> bool:
    """Whether ``stage`` on ``voxels`` voxels fits in the memory available."""
    return int(voxels) * BYTES_PER_VOXEL[stage] <= available_memory()


def chunked(volume, stage: str):
    """``volume`` itself when ``stage`` fits in memory or it is lazy already, else the same
    volume as a dask array in 128^3 chunks, so that the stage runs chunk by chunk."""
    if volume.is_lazy or fits(volume.size, stage):
        return volume
    import dask.array as da

    mask = None if volume.mask is None else da.from_array(np.asarray(volume.mask), chunks=128)
    return volume.replace(data=da.from_array(volume.data, chunks=128), mask=mask)


def require_memory(voxels: int, stage: str, *, shape=None) -> None:
    """Refuse, before allocating, a ``stage`` of ``BYTES_PER_VOXEL`` that would not fit.

    Raises
    ------
    MemoryLimitError
        With the memory the stage would need, what is available, and the ways out: a crop
        to a representative elementary volume, a coarser voxel, or a cluster.
    """
    require_bytes(int(voxels) * BYTES_PER_VOXEL[stage], stage, shape=shape)


def require_bytes(needed: int, stage: str, *, shape=None) -> None:
    """``require_memory`` for a known number of bytes."""
    have = available_memory()
    if needed > have:
        size = f" of a {' x '.join(map(str, shape))} volume" if shape is not None else ""
        raise MemoryLimitError(f"the {stage}{size} needs about {_gb(needed)} and {_gb(have)} is available: crop it "
                               "to a representative elementary volume (dca.metrics.rev_analysis), coarsen it "
                               f"(volume[::2, ::2, ::2]), {ADVICE.get(stage, '')}or run it on a machine with more "
                               "memory")
