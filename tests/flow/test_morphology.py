"""Drainage and imbibition on the voxels (sphere insertion) and relative permeability by Stokes."""

import numpy as np
import pytest

import dca
import flow


@pytest.fixture(scope="module")
def pack():
    return dca.samples.sphere_pack(40, radius=5.0, porosity=0.4, seed=3, voxel_size=2e-6)


def test_morphological_drainage_fills_by_sphere_size_and_keeps_its_curve(pack):
    d = flow.morphological_drainage(pack, surface_tension=0.03)
    t = d.table
    assert (np.diff(t["Pc_pa"]) >= 0).all() and (np.diff(t["Sw"]) <= 1e-12).all()
    assert t["Sw"].iloc[0] > 0.95 and t["Sw"].iloc[-1] < 0.5
    pore = ~np.isnan(d.pc_map)
    assert pore.sum() == pack.to_numpy().sum()
    for pc, sw in zip(t["Pc_pa"], t["Sw"]):  # the map gives the curve back
        assert 1 - d.nonwetting(pc).sum() / pore.sum() == pytest.approx(sw, abs=1e-9)
    # Young-Laplace in SI: halving the voxel size doubles every pressure
    fine = flow.morphological_drainage(pack.replace(voxel_size=1e-6), surface_tension=0.03)
    np.testing.assert_allclose(fine.table["Pc_pa"], 2 * t["Pc_pa"], rtol=1e-12)
    # a wetting angle scales them by its cosine
    sixty = flow.morphological_drainage(pack, surface_tension=0.03, contact_angle=60)
    np.testing.assert_allclose(sixty.table["Pc_pa"], 0.5 * t["Pc_pa"], rtol=1e-9)
    with pytest.raises(dca.InputError, match="contact_angle"):
        flow.morphological_drainage(pack, contact_angle=120)


def test_imbibition_traps_oil_and_stokes_gives_relative_permeabilities(pack):
    i = flow.morphological_imbibition(pack)
    t = i.table
    assert (np.diff(t["Sw"]) >= -1e-12).all() and t["Sw"].iloc[-1] < 1  # trapped oil remains
    assert i.trapped.any() and i.nonwetting(-1e9)[i.trapped].all()
    d = flow.morphological_drainage(pack)
    kr = d.relative_permeability(points=3, box=(0, 1))
    assert kr["krw"].iloc[0] == pytest.approx(1, abs=0.02) and kr["kro"].iloc[0] == 0
    assert (np.diff(kr["krw"]) <= 1e-9).all() and kr["kro"].iloc[-1] > 0
    assert ((kr[["krw", "kro"]] >= 0) & (kr[["krw", "kro"]] <= 1)).all().all()
