"""flow: network and voxel flow on dca volumes and networks.

Absolute permeability, formation factor, capillary pressure, relative permeability and
tortuosity land here (issues 4 and 5). Imports go one way: flow uses dca, never the reverse.
"""

__all__: list[str] = []
