"""Metrics of segmented volumes, in SI units and honouring the field-of-view mask.

Porosity, interface areas, Minkowski functionals, size and chord length distributions,
two-point correlation and REV analysis. ``summary`` gathers the headline numbers.
"""

from ._chords import chord_length_distribution, chord_lengths
from ._correlation import two_point_correlation
from ._distribution import Distribution
from ._minkowski import Minkowski, euler_characteristic, integral_mean_curvature, minkowski
from ._porosity import Porosity, connected_porosity, porosity, porosity_profile, porosity_report
from ._rev import REV, rev_analysis
from ._sizes import particle_size_distribution, pore_size_distribution, watershed_regions
from ._summary import summary
from ._surface import interfacial_areas, phase_mesh, specific_surface, surface_area, triple_line_length
from ._thickness import local_thickness

__all__ = [
    "porosity", "connected_porosity", "porosity_report", "porosity_profile", "Porosity",
    "surface_area", "specific_surface", "interfacial_areas", "triple_line_length", "phase_mesh",
    "minkowski", "Minkowski", "euler_characteristic", "integral_mean_curvature",
    "local_thickness", "pore_size_distribution", "particle_size_distribution", "watershed_regions",
    "chord_lengths", "chord_length_distribution", "two_point_correlation", "Distribution",
    "rev_analysis", "REV", "summary",
]
