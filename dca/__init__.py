"""dca: digital core analysis for X-ray microscopy and micro-CT volumes.

Image to numbers: reading CT volumes with their voxel size, the Volume type, synthetic
samples and a virtual scanner, the instrument resolution calculator; later stages add
filters, segmentation, metrics and pore networks. Flow lives in ``flow``, meshes in
``meshing``.
"""

from . import instrument, io, util
from ._errors import (ConvergenceError, DcaError, FormatError, InputError, MissingFileError, NotPercolatingError,
                      OptionalDependencyError, ToolError, VoxelSizeError)
from ._memory import MemoryLimitError
from ._provenance import Source, Step
from ._quicklook import quicklook, show_figures_in_notebooks
from ._units import M2_PER_MILLIDARCY, format_length, parse_length
from ._volume import Volume
from .io import read, write

__version__ = "0.1.0.dev0"


def __getattr__(name):
    # these pull in scipy.ndimage and scikit-image; imported on first use so `dca --help` stays fast
    if name in ("samples", "filters", "segment", "metrics", "network", "series", "multiscale", "run", "compute"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'dca' has no attribute {name!r}")


__all__ = [
    "Volume", "Source", "Step", "read", "write", "quicklook", "util",
    "io", "samples", "instrument", "filters", "segment", "metrics", "network", "series", "multiscale", "run",
    "compute",
    "DcaError", "InputError", "FormatError", "VoxelSizeError", "MissingFileError",
    "NotPercolatingError", "OptionalDependencyError", "ConvergenceError", "ToolError", "MemoryLimitError",
    "M2_PER_MILLIDARCY", "parse_length", "format_length", "__version__",
]

show_figures_in_notebooks()  # in a Jupyter kernel, the figures dca returns are drawn, not named
