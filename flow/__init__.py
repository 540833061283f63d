"""Flow on pore networks and voxel images: permeability, formation factor, capillary pressure,
relative permeability, tortuosity. Reads what ``dca`` produces; ``dca`` never imports it."""

from ._conduits import MODELS, conduction_size_factor, hydraulic_conductance
from ._network_flow import (
           FormationFactor,
           Permeability,
           formation_factor,
           permeability,
           solve_network,
)

__all__ = ["permeability", "formation_factor", "Permeability", "FormationFactor", "solve_network",
           "hydraulic_conductance", "conduction_size_factor", "MODELS"]

from ._drainage import (  # noqa: E402
           MERCURY,
           WATER_OIL,
           Drainage,
           drainage,
           invasion_vs_drainage,
           plot_relative_permeability,
           relative_permeability,
)

__all__ += ["drainage", "Drainage", "relative_permeability", "plot_relative_permeability", "MERCURY", "WATER_OIL",
            "invasion_vs_drainage"]

from ._stokes import StokesFlow, permeability_tensor, stokes  # noqa: E402
from ._tortuosity import Tortuosity, tortuosity  # noqa: E402

__all__ += ["stokes", "StokesFlow", "permeability_tensor", "tortuosity", "Tortuosity"]

from ._compare import Comparison, compare  # noqa: E402
from ._upscale import KozenyCarman, Upscaled, kozeny_carman, upscale  # noqa: E402

__all__ += ["compare", "Comparison", "upscale", "Upscaled", "kozeny_carman", "KozenyCarman"]
