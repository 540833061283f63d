"""Run CalculiX on a mesh: linear-elastic uniaxial compression, effective Young's modulus."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np

from dca import InputError, OptionalDependencyError, ToolError
from dca.util import short_repr

from ._mesh import Mesh
from .export._common import safe_name

__all__ = ["uniaxial_compression", "Compression"]


@dataclass(frozen=True)
class Compression:
    """Result of a displacement-controlled compression: force, stress, strain and modulus."""

    __repr__ = short_repr

    axis: str
    strain: float
    reaction_force: float  # N, on the loaded face, along the axis (positive in compression)
    stress: float  # Pa, force over the box cross-section
    effective_modulus: float  # Pa
    relative_modulus: float  # E*/E_s
    solid_fraction: float  # meshed volume / box volume
    elements: int
    elements_dropped: int  # not connected to both loaded faces

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def uniaxial_compression(mesh: Mesh, *, axis: str = "z", strain: float = 0.01, youngs_modulus: float = 1e9,
                         poisson_ratio: float = 0.3, workdir=None, ccx: str = "ccx") -> Compression:
    """Compress ``mesh`` by ``strain`` along ``axis`` in CalculiX and return the effective modulus.

    The ``{axis}min`` face is held (all displacements zero), the ``{axis}max`` face moves by
    ``-strain * L`` along the axis and is free laterally. Every region gets the same linear
    elastic solid (``youngs_modulus`` Pa, ``poisson_ratio``); pieces not connected to both faces
    carry no load and are left out (counted). E* = (F / A) / strain, A the box cross-section.
    """
    if shutil.which(ccx) is None:
        raise OptionalDependencyError(f"CalculiX ({ccx!r}) is not on PATH; install it (apt-get install calculix-ccx)")
    if mesh.is_surface:
        raise InputError("compression needs a volume mesh (meshing.hex_mesh or meshing.tet_mesh)")
    if axis not in ("x", "y", "z"):
        raise InputError(f"axis must be x, y or z, got {axis!r}")
    if not 0 < strain < 0.5:
        raise InputError(f"strain must be a small positive number (0 < strain < 0.5), got {strain}")
    keep = mesh.spanning(axis)
    if not keep.any():
        raise InputError(f"no part of the mesh connects the {axis}min and {axis}max faces: it cannot carry load")
    solid = mesh.keep_cells(keep)
    a = "xyz".index(axis)
    lo, hi = mesh.points.min(axis=0), mesh.points.max(axis=0)
    length = hi[a] - lo[a]
    area = float(np.prod(np.delete(hi - lo, a)))
    box = float(np.prod(hi - lo))
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        solid.write(os.path.join(tmp, "mesh.inp"))
        sections = "".join(f"*SOLID SECTION, ELSET={safe_name(n)}, MATERIAL=SOLID\n" for n in solid.cell_names)
        deck = (f"*INCLUDE, INPUT=mesh.inp\n*MATERIAL, NAME=SOLID\n*ELASTIC\n{youngs_modulus:.9e}, {poisson_ratio}\n"
                f"{sections}*BOUNDARY\n{axis}min, 1, 3, 0.\n*STEP\n*STATIC\n*BOUNDARY\n"
                f"{axis}max, {a + 1}, {a + 1}, {-strain * length:.12e}\n"
                f"*NODE PRINT, NSET={axis}max{'_ALL' if solid.attrs.get('constraints') else ''}, TOTALS=ONLY\n"
                "RF\n*END STEP\n")
        with open(os.path.join(tmp, "job.inp"), "w") as f:
            f.write(deck)
        run = subprocess.run([ccx, "-i", "job"], cwd=tmp, capture_output=True, text=True,
                             env=dict(os.environ, OMP_NUM_THREADS="1"))
        dat = os.path.join(tmp, "job.dat")
        if run.returncode != 0 or not os.path.exists(dat):
            raise ToolError(f"CalculiX failed (exit {run.returncode}): {run.stdout[-800:]}{run.stderr[-400:]}")
        with open(dat) as f:
            text = f.read()
    match = re.search(r"total force \(fx,fy,fz\)[^\n]*\n\s*\n\s*(\S+)\s+(\S+)\s+(\S+)", text)
    if match is None:
        raise ToolError(f"no total reaction force in CalculiX's output:\n{text[-800:]}")
    force = -float(match.group(a + 1))  # reaction against compression is positive
    stress = force / area
    modulus = stress / strain
    return Compression(axis, strain, force, stress, modulus, modulus / youngs_modulus,
                       float(solid.cell_volumes().sum() / box), solid.n_cells, int(np.count_nonzero(~keep)))
