"""Two-phase network flow: drainage, waterflood, secondary drainage, against invariants and pnflow."""

import numpy as np
import pandas as pd
import pytest

import dca
import flow
from dca.network import Network


@pytest.fixture(scope="module")
def small():
    return dca.network.extract(dca.samples.sphere_pack(48, radius=6.0, porosity=0.35, seed=4, voxel_size=4e-6))


def _circles(net):
    """The same network with every element a circle (no shape factors, so no corner water)."""
    return Network(net.pores.drop(columns=["shape_factor"], errors="ignore"),
                   net.throats.drop(columns=["shape_factor"], errors="ignore"), box=net.box,
                   conductance=net.conductance)


def test_drainage_with_zero_angles_and_plain_entry_is_todays_invasion_percolation(small):
    net = _circles(small)
    ip = flow.drainage(net, trapping=False)
    cycle = flow.scal(net, cycles=("drainage",), receding=0.0, serial_entry=False, pc_max=1e9).cycles[0]
    internal = net.internal
    ours, theirs = cycle.pore_pc[internal], ip.pore_pressure[internal]
    assert np.array_equal(np.isnan(ours), np.isinf(theirs)) and np.isfinite(theirs).sum() > 50
    np.testing.assert_allclose(ours[np.isfinite(theirs)], theirs[np.isfinite(theirs)], rtol=1e-12)
    np.testing.assert_allclose(np.nan_to_num(cycle.throat_pc, nan=-1), np.where(np.isinf(ip.throat_pressure), -1,
                                                                                  ip.throat_pressure), rtol=1e-12)


def test_cycles_keep_their_invariants_and_the_seed_decides(small):
    run = flow.scal(small, cycles=("drainage", "waterflood", "drainage"), points=30, seed=1)
    names = [c.name for c in run.cycles]
    assert names == ["primary drainage", "waterflood", "secondary drainage"]
    for c in run.cycles:
        t = c.table
        assert ((t["Sw"] >= 0) & (t["Sw"] <= 1)).all()
        assert ((t[["krw", "kro"]] >= 0) & (t[["krw", "kro"]] <= 1)).all().all()
        assert (t["trapped_oil"] <= 1 - t["Sw"] + 1e-12).all()
    drain, flood, second = (c.table for c in run.cycles)
    assert drain["Sw"].iloc[0] == 1 and drain["krw"].iloc[0] == pytest.approx(1, rel=1e-9)
    assert drain["kro"].iloc[0] == 0 and drain["kro"].iloc[-1] > 0.5
    assert (np.diff(drain["Sw"]) <= 1e-12).all() and (np.diff(drain["Pc_pa"]) >= 0).all()
    assert (np.diff(flood["Sw"]) >= -1e-12).all() and (np.diff(flood["Pc_pa"]) <= 0).all()
    assert (np.diff(flood["trapped_oil"]) >= -1e-12).all() and flood["trapped_oil"].iloc[-1] > 0
    assert flood["kro"].iloc[-1] == 0  # residual oil: trapped, it cannot flow
    assert (np.diff(second["Sw"]) <= 1e-12).all()
    assert run.amott_water > 0.8 and run.amott_oil == pytest.approx(0, abs=1e-9)  # water-wet
    # resistivity index: 1 when full of brine, rising as the brine drains; Archie's n from it
    assert drain["RI"].iloc[0] == pytest.approx(1, rel=1e-9) and (np.diff(drain["RI"]) >= -1e-9).all()
    assert 1 < run.archie_n < 3
    again = flow.scal(small, cycles=("drainage", "waterflood", "drainage"), points=30, seed=1)
    other = flow.scal(small, cycles=("drainage", "waterflood", "drainage"), points=30, seed=2)
    for a, b, c in zip(run.cycles, again.cycles, other.cycles):
        pd.testing.assert_frame_equal(a.table, b.table)
    assert not run.cycles[1].table.equals(other.cycles[1].table)


def test_oil_wet_rock_takes_water_only_when_forced(small):
    ww = flow.scal(small, cycles=("drainage", "waterflood", "drainage"), points=30)
    ow = flow.scal(small, cycles=("drainage", "waterflood", "drainage"), points=30, wettability="oil-wet")
    flood = ow.cycle("waterflood").table
    assert flood["Pc_pa"].iloc[1] < 0 and flood["Sw"].iloc[-1] > 0.4  # every event forced
    assert ow.amott_water < 0.1 < ow.amott_oil
    assert ow.usbm < ww.usbm
    with pytest.raises(dca.InputError, match="wettability"):
        flow.scal(small, wettability="neutral")
    with pytest.raises(dca.InputError, match="start with 'drainage'"):
        flow.scal(small, cycles=("waterflood",))
    with pytest.raises(dca.InputError, match="advancing"):
        flow.scal(small, advancing=(50, 30))


def test_berea_network_against_pnflow(imperial, shared_data):
    ref = shared_data / "pnflow_berea"
    if not ref.is_dir():
        pytest.skip("pnflow reference curves not found")
    net = dca.network.read_statoil(imperial("Berea"))
    run = flow.scal(net, cycles=("drainage", "waterflood"), receding=(0, 10), advancing=(30, 50), box=(0.2, 0.9),
                    contact_model=4)  # pnflow's own example: its EQUIL_CON_ANG model 4
    drain_ref = pd.read_csv(ref / "ww_example_cycle1_primary_drainage.csv")
    flood_ref = pd.read_csv(ref / "ww_example_cycle2_waterflood.csv")
    drain, flood = run.cycle("primary drainage"), run.cycle("waterflood")
    # end points: Swi at 200 kPa (corner water only), krw and kro there, Sor and krw at Sor
    assert drain.end["Sw"] == pytest.approx(drain_ref["Sw"].iloc[-1], rel=0.01)
    assert drain.end["kro"] == pytest.approx(drain_ref["kro"].iloc[-1], rel=0.001)
    assert drain.end["krw"] == pytest.approx(drain_ref["krw"].iloc[-1], rel=0.1)
    assert 1 - flood.end["Sw"] == pytest.approx(1 - flood_ref["Sw"].iloc[-1], abs=0.02)
    assert flood.end["krw"] == pytest.approx(flood_ref["krw"].iloc[-1], rel=0.1)
    # the curves between: capillary pressure at the same saturations
    for table, reference, sws in ((drain.table, drain_ref, (0.9, 0.5, 0.2, 0.1)), (flood.table, flood_ref,
                                                                                    (0.1, 0.2, 0.3))):
        for sw in sws:
            ours = np.interp(sw, *(np.sort(table["Sw"]), table["Pc_pa"].to_numpy()[np.argsort(table["Sw"])]))
            theirs = np.interp(sw, *(np.sort(reference["Sw"]),
                                     reference["Pc_Pa"].to_numpy()[np.argsort(reference["Sw"])]))
            assert ours == pytest.approx(theirs, rel=0.08), (sw, ours, theirs)


def test_oil_layers_keep_oil_wet_oil_connected_until_they_collapse(small):
    # in oil-wet corners (theta_a > 90 + beta) oil stays as layers once water takes the centre;
    # they keep the oil connected, so it drains as Pc falls and the layers thin and collapse
    runs = {pc: flow.scal(small, cycles=("drainage", "waterflood"), wettability="oil-wet", pc_min=pc, points=20)
            for pc in (-2e3, -2e5)}
    shallow, deep = (runs[pc].cycle("waterflood") for pc in (-2e3, -2e5))
    assert deep.events["layer collapse"] > shallow.events["layer collapse"] >= 0
    assert deep.events["snap-off"] == 0  # no snap-off in oil-wet elements
    assert deep.end["Sw"] > shallow.end["Sw"] and 1 - deep.end["Sw"] < 0.1  # little oil left when layers go
    ww = flow.scal(small, cycles=("drainage", "waterflood"), points=20).cycle("waterflood")
    assert ww.events["layer collapse"] == 0  # water-wet corners hold no layers
