"""Network permeability checked against the direct (voxel Stokes) one on the same sample."""

from __future__ import annotations

from dataclasses import dataclass

from dca.util import as_volume

from ._network_flow import Permeability, permeability, with_face_pores
from ._stokes import stokes
from ._voxels import flow_axis

__all__ = ["Comparison", "compare"]

# Andrae et al. (2013), Comput. Geosci. 50: permeabilities of the same images from different
# codes spread over about a factor of 1.5
INTER_CODE_SPREAD = 1.5


@dataclass(frozen=True)
class Comparison:
    network: Permeability
    stokes: Permeability

    @property
    def ratio(self) -> float:
        """k_network / k_stokes."""
        return self.network.k_m2 / self.stokes.k_m2

    @property
    def within_spread(self) -> bool:
        """Whether the two agree within the inter-code spread of Andrae et al. (2013)."""
        return 1 / INTER_CODE_SPREAD <= self.ratio <= INTER_CODE_SPREAD

    def to_dict(self) -> dict:
        return {"axis": self.stokes.axis, "network": self.network.to_dict(), "stokes": self.stokes.to_dict(),
                "ratio_network_to_stokes": self.ratio, "within_inter_code_spread": self.within_spread,
                "inter_code_spread": INTER_CODE_SPREAD}

    def __repr__(self) -> str:
        return (f"<Comparison {self.stokes.axis}: network {self.network.k_mD:.4g} mD, "
                f"stokes {self.stokes.k_mD:.4g} mD, ratio {self.ratio:.3f}>")


def compare(volume, *, axis="x", phase=None, voxel_size=None, network=None, viscosity: float = 1e-3,
            **stokes_options) -> Comparison:
    """Permeability along ``axis`` by the pore network and by Stokes flow on the voxels, with their ratio.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
    axis : {"x", "y", "z"}
    phase : name or label, optional
    voxel_size : float, metres
        With an array only.
    network : dca.network.Network, optional
        Extracted here (SNOW) unless given.
    viscosity : float, Pa.s
    **stokes_options
        Passed to :func:`stokes`.

    Returns
    -------
    Comparison
        ``network`` and ``stokes`` permeabilities and ``ratio`` (network / Stokes).

    Examples
    --------
    >>> import dca, flow
    >>> c = flow.compare(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6), axis="x")
    >>> c.ratio == c.network.k_m2 / c.stokes.k_m2
    True
    """
    from dca.network import extract

    volume = as_volume(volume, voxel_size=voxel_size)
    _, name = flow_axis(axis)
    net = with_face_pores(network if network is not None else extract(volume, phase=phase), name)
    k_net = permeability(net, axis=name, viscosity=viscosity)
    k_direct = stokes(volume, axis=name, phase=phase, viscosity=viscosity, **stokes_options).permeability
    return Comparison(network=k_net, stokes=k_direct)
