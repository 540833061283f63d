"""The exception hierarchy: every error the package raises on bad input derives from DcaError.

Each concrete error also derives from the built-in type a Python user would expect
(ValueError, FileNotFoundError, ImportError), so ``except ValueError`` keeps working.
The ``dca`` command catches DcaError and prints its one-line message.
"""

__all__ = [
    "DcaError",
    "InputError",
    "FormatError",
    "VoxelSizeError",
    "MissingFileError",
    "NotPercolatingError",
    "OptionalDependencyError",
    "ConvergenceError",
    "ToolError",
]


class DcaError(Exception):
    """Base class of every error raised by dca, flow and meshing on bad input."""


class InputError(DcaError, ValueError):
    """An argument has the wrong shape, type or value."""


class FormatError(DcaError, ValueError):
    """A file cannot be read or written in the requested format (unknown extension,
    truncated data, unreadable or inconsistent metadata)."""


class VoxelSizeError(InputError):
    """The voxel size is missing, invalid, or contradicts the one the data carries."""


class MissingFileError(DcaError, FileNotFoundError):
    """An input file or folder does not exist."""


class NotPercolatingError(DcaError, ValueError):
    """A phase does not connect the inlet to the outlet along the requested axis."""


class OptionalDependencyError(DcaError, ImportError):
    """An optional package needed for this call is not installed."""


class ConvergenceError(DcaError, RuntimeError):
    """An iterative solver or registration stopped short of its tolerance; the message gives
    the figure it reached."""


class ToolError(DcaError, RuntimeError):
    """An external program (CalculiX, Gmsh, OpenFOAM) failed; the message gives its exit
    status and the end of what it printed."""
