"""Network files: Statoil round trips, tables, VTK PolyData, OpenPNM."""

import numpy as np
import pandas as pd
import pytest

import dca
from dca import FormatError
from dca.network import read_network, read_statoil, write_statoil


def _same(a, b):
    pd.testing.assert_frame_equal(a.pores, b.pores, check_exact=True, check_dtype=False)
    pd.testing.assert_frame_equal(a.throats, b.throats, check_exact=True, check_dtype=False)
    assert a.box == b.box


@pytest.mark.parametrize("name, pores, throats, porosity", [("Berea", 6298, 12545, 0.19606),
                                                             ("F42A", 1246, 2856, 0.3281)])
def test_imperial_networks_round_trip_exactly(imperial, tmp_path, name, pores, throats, porosity):
    net = read_statoil(imperial(name))
    assert net.internal.sum() == pores and net.n_throats == throats
    assert net.porosity == pytest.approx(porosity, abs=5e-5)
    written = write_statoil(net, str(tmp_path / name))
    again = read_statoil(written[0])
    _same(net, again)
    # the files themselves: same numbers, line by line
    for part in ("node2", "link1", "link2"):
        ours = np.loadtxt(tmp_path / f"{name}_{part}.dat", skiprows=1 if part == "link1" else 0)
        theirs = np.loadtxt(imperial(name).replace("node1", part), skiprows=1 if part == "link1" else 0)
        np.testing.assert_array_equal(ours, theirs)


def test_truncated_statoil_file_is_named(imperial, tmp_path):
    net = read_statoil(imperial("F42A"))
    paths = write_statoil(net, str(tmp_path / "f"))
    from pathlib import Path

    lines = Path(paths[3]).read_text().splitlines()
    Path(paths[3]).write_text("\n".join(lines[:-5]) + "\n")
    with pytest.raises(FormatError, match="truncated"):
        read_statoil(paths[0])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_tables_round_trip(tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    net = dca.network.extract(dca.samples.blobs(40, porosity=0.4, seed=1))
    paths = net.write(str(tmp_path / f"net{suffix}"))
    again = read_network(paths[0])
    _same(net, again)
    assert again.voxel_size == net.voxel_size and again.conductance == net.conductance


def test_vtp_holds_balls_and_sticks_in_the_image_frame(tmp_path):
    pv = pytest.importorskip("pyvista")
    net = dca.network.extract(dca.samples.blobs(40, porosity=0.4, seed=1).replace(origin=(1e-3, 0.0, 2e-3)))
    mesh = pv.read(net.write(str(tmp_path / "net.vtp")))
    np.testing.assert_array_equal(mesh.points, net.coords)
    np.testing.assert_array_equal(mesh.lines.reshape(-1, 3)[:, 1:], net.conns)
    np.testing.assert_array_equal(mesh.point_data["volume"], net.pores["volume"])
    assert mesh.bounds[0] >= net.box[0][0] and mesh.bounds[1] <= net.box[1][0]


def test_openpnm_round_trip_and_same_flow(berea_network):
    op = pytest.importorskip("openpnm")
    import flow

    net = berea_network
    pn = dca.network.to_openpnm(net)
    back = dca.network.from_openpnm(pn, box=net.box, voxel_size=net.voxel_size)
    cols = [c for c in net.pores.columns if c != "boundary"]
    pd.testing.assert_frame_equal(back.pores[cols], net.pores[cols], check_dtype=False)
    # OpenPNM's own StokesFlow with our conduit conductances gives our flow rate
    water = op.phase.Phase(network=pn)
    water["throat.hydraulic_conductance"] = flow.hydraulic_conductance(net)
    trimmed = net.health("x").spanning
    op.topotools.trim(network=pn, pores=np.flatnonzero(~trimmed))
    water["throat.hydraulic_conductance"] = flow.hydraulic_conductance(net.trim(trimmed))
    sf = op.algorithms.StokesFlow(network=pn, phase=water)
    sf.set_value_BC(pores=pn.pores("xmin"), values=1.0)
    sf.set_value_BC(pores=pn.pores("xmax"), values=0.0)
    sf.run()
    ours = flow.permeability(net, axis="x")
    assert abs(sf.rate(pores=pn.pores("xmin"))[0]) == pytest.approx(ours.flow_rate_m3_s, rel=1e-6)
