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


def test_an_extracted_network_survives_a_statoil_round_trip(tmp_path):
    # an image-based network: box corner off the origin, boundary pores on all six faces,
    # OpenPNM's conduit model; the .dat files hold none of these, the _dca.json beside them does
    import flow
    from dca.cli import main

    v = dca.samples.blobs(48, porosity=0.35, seed=1, voxel_size=5e-6)[2:, :, 1:]
    net = dca.network.extract(v)
    assert min(net.box[0]) != 0 and set(net.pores["boundary"]) >= {"ymin", "zmax"}
    dca.write(v, tmp_path / "labels.npz")
    assert main(["network", str(tmp_path / "labels.npz"), "-o", str(tmp_path / "net.dat")]) == 0
    back = read_network(str(tmp_path / "net.dat"))
    assert back.n_pores == net.n_pores and back.n_throats == net.n_throats
    assert back.conductance == net.conductance == "pyramids_and_cuboids" and back.box == net.box
    for face in ("xmin", "ymin", "ymax", "zmin", "zmax"):
        assert len(back.boundary_pores(face)) == len(net.boundary_pores(face))
    for axis in "xyz":
        k0, k1 = flow.permeability(net, axis=axis), flow.permeability(back, axis=axis)
        assert k0.k_m2 > 0 and k1.k_m2 == pytest.approx(k0.k_m2, rel=1e-9)
    # the four .dat files alone are a plain Statoil network in the format's own frame
    (tmp_path / "net_dca.json").unlink()
    plain = read_statoil(str(tmp_path / "net.dat"))
    assert plain.box[0] == (0.0, 0.0, 0.0) and plain.conductance == "valvatne_blunt"
    assert plain.coords[:, 0].min() >= 0


def test_a_sidecar_that_no_longer_matches_is_refused(tmp_path):
    net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    paths = write_statoil(net, str(tmp_path / "n"))
    other = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=3, voxel_size=1e-6))
    write_statoil(other, str(tmp_path / "m"))
    (tmp_path / "m_dca.json").replace(paths[-1])
    with pytest.raises(FormatError, match="delete the .json"):
        read_statoil(paths[0])
