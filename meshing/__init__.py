"""meshing: label volumes to watertight surfaces, tagged volume meshes and FEM/CFD exports.

Surfaces, tetrahedral and hexahedral meshes, quality reports and exporters land here
(issue 6). Imports go one way: meshing uses dca, never the reverse.
"""

__all__: list[str] = []
