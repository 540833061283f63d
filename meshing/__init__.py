"""meshing: label volumes to watertight surfaces, tagged volume meshes and FEM/CFD exports.

Imports go one way: meshing uses dca, never the reverse. Every mesh lives in the image's
frame: points are (x, y, z) in metres with x the volume's last array axis.
"""

from ._calculix import Compression, uniaxial_compression
from ._graded import graded_tet_mesh, plot_size_field
from ._graded_streamed import StreamedMesh, write_graded_mesh
from ._mesh import BOX_FACES, Mesh
from ._octree_hex import octree_hex_mesh
from ._quality import DEFAULT_THRESHOLDS, Quality, quality
from ._streamed import StreamedSurface, write_surface
from ._surface import phase_surface, surface, surface_check, surfaces
from ._voxel_mesh import hex_mesh, tet_mesh
from .export import FoamPermeability, openfoam_case, openfoam_permeability, write

__all__ = ["Mesh", "BOX_FACES", "surface", "write_surface", "StreamedSurface", "surfaces", "phase_surface",
           "surface_check", "hex_mesh", "tet_mesh", "graded_tet_mesh", "write_graded_mesh", "StreamedMesh",
           "plot_size_field", "octree_hex_mesh",
           "quality", "Quality", "DEFAULT_THRESHOLDS", "write",
           "uniaxial_compression", "Compression", "openfoam_case", "openfoam_permeability",
           "FoamPermeability"]
