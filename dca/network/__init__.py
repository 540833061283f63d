"""Pore networks: extraction from a segmented image, the Network type and its file formats.

Flow on networks (permeability, formation factor, drainage) lives in ``flow``.
"""

from ._extract import extract, partition
from ._formats import from_openpnm, read_network, read_statoil, to_openpnm, write_network, write_statoil
from ._network import FACES, Health, Network, face_axis

__all__ = ["Network", "Health", "FACES", "face_axis", "extract", "partition", "read_network", "write_network",
           "read_statoil", "write_statoil", "to_openpnm", "from_openpnm"]
