"""Flow on pore networks and voxel images: permeability, formation factor, capillary pressure,
relative permeability, tortuosity. Reads what ``dca`` produces; ``dca`` never imports it."""

from ._compare import Comparison, compare
from ._conduits import MODELS, conduction_size_factor, hydraulic_conductance
from ._drainage import (MERCURY, WATER_OIL, Drainage, drainage, invasion_vs_drainage, plot_relative_permeability,
                        relative_permeability)
from ._microporosity import MicroporousModel, microporous_model
from ._network_flow import (FormationFactor, Permeability, formation_factor, permeability, solve_network,
                            with_face_pores)
from ._morphology import Morphology, morphological_drainage, morphological_imbibition
from ._scal import WETTABILITY, Cycle, Scal, scal
from ._stokes import StokesFlow, permeability_tensor, stokes
from ._tortuosity import Tortuosity, tortuosity
from ._upscale import KozenyCarman, Upscaled, kozeny_carman, upscale
from ._voxels import world

__all__ = [
    "permeability", "formation_factor", "Permeability", "FormationFactor", "solve_network", "with_face_pores",
    "hydraulic_conductance", "conduction_size_factor", "MODELS",
    "drainage", "Drainage", "relative_permeability", "plot_relative_permeability", "MERCURY", "WATER_OIL",
    "invasion_vs_drainage", "scal", "Scal", "Cycle", "WETTABILITY",
    "morphological_drainage", "morphological_imbibition", "Morphology",
    "stokes", "StokesFlow", "permeability_tensor", "tortuosity", "Tortuosity",
    "compare", "Comparison", "upscale", "Upscaled", "kozeny_carman", "KozenyCarman",
    "microporous_model", "MicroporousModel", "world",
]
