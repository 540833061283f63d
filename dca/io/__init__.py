"""Reading and writing CT volumes: one module per format, dispatched by extension.

>>> import dca
>>> [f.name for f in dca.io.formats()][:3]
['tiff', 'raw', 'mhd']
"""

from ._registry import LAZY_THRESHOLD_BYTES, Format, RawVolume, formats, read, register_format, write

# Importing a format module registers it; the order is the order `formats()` lists them.
from . import _tiff, _raw, _mhd, _nrrd, _hdf5, _zarr, _numpy, _txrm, _avizo, _vti  # noqa: E402,F401,I001

from ._atomic import atomic_path, atomic_paths, save_figure, write_text  # noqa: E402
from ._raw import read_raw  # noqa: E402

__all__ = ["read", "write", "read_raw", "formats", "register_format", "Format", "RawVolume",
           "LAZY_THRESHOLD_BYTES", "atomic_path", "atomic_paths", "save_figure", "write_text"]
