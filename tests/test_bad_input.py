"""Bad input, through the command line and the Python API: one line naming the problem, what
was given and what is expected; exit status 2; no traceback; nothing written.

Each row is a case a user hit or could hit; the interrupts (SIGINT, SIGTERM) are in
tests/dca/cli/test_interrupts.py.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import dca
import flow
import meshing
from dca.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Inputs, good and bad, in one folder; outputs go to a second folder that must stay empty."""
    import tifffile

    d = tmp_path_factory.mktemp("inputs")
    labels = dca.samples.blobs(32, porosity=0.4, seed=1, voxel_size=2e-6)
    dca.write(labels, d / "labels.npz")
    np.save(d / "labels.npy", labels.to_numpy())
    np.save(d / "flat.npy", np.ones((8, 8), np.uint8))
    np.save(d / "grey.npy", np.random.default_rng(0).random((16, 16, 16)).astype(np.float32))
    np.save(d / "empty.npy", np.zeros((12, 12, 12), bool))
    np.savez(d / "parsecs.npz", image=labels.to_numpy(), voxel_size=np.array("5 parsecs"))
    tifffile.imwrite(d / "good.tif", np.zeros((4, 8, 8), np.uint8), photometric="minisblack")
    raw = bytearray((d / "good.tif").read_bytes())
    raw[64:] = np.random.default_rng(0).integers(0, 256, len(raw) - 64, dtype=np.uint8).tobytes()
    (d / "corrupt.tif").write_bytes(bytes(raw))
    (d / "scan.raw").write_bytes(np.zeros(1000, np.uint8).tobytes())
    (d / "notes.xyz").write_text("not a volume")
    (d / "nothing").mkdir()
    for i in (5,):
        np.save(d / f"step{i}.npy", labels.to_numpy())
        np.save(d / f"step0{i}.npy", labels.to_numpy())
    net = dca.network.extract(labels)
    net.write(str(d / "net.dat"))
    (d / "typo.toml").write_text('[input]\nsample = { generator = "blobs", shape = 32, porosity = 0.4 }\n'
                                 '[segment]\nmethod = "none"\n[tortuosity]\naxsi = "z"\n')
    (d / "broken.toml").write_text("[input\npath = 'x'\n")
    (d / "unknown_stage.toml").write_text('[input]\nsample = { generator = "blobs", shape = 32 }\n[magic]\n')
    (d / "needs.toml").write_text('[input]\nsample = { generator = "blobs", shape = 32 }\n[drainage]\n')
    (d / "case.toml").write_text('[input]\nsample = { generator = "blobs", shape = 32, porosity = 0.4 }\n'
                                 '[segment]\nmethod = "none"\n')
    return d


def _cli(files, out):
    i = lambda name: str(files / name)  # noqa: E731
    o = lambda name: str(out / name)  # noqa: E731
    lab = [i("labels.npz")]
    return [
        # reading
        ("missing file", ["info", i("absent.tif")], "no such file"),
        ("unknown extension", ["info", i("notes.xyz")], "unknown file extension"),
        ("raw without shape", ["info", i("scan.raw"), "--voxel-size", "1um"], "shape"),
        ("raw of the wrong size", ["info", i("scan.raw"), "--shape", "10,10,11", "--dtype", "uint8",
                                   "--voxel-size", "1um"], "1,000"),
        ("no voxel size", ["info", i("labels.npy")], "voxel_size is missing"),
        ("zero voxel size", ["info", i("labels.npy"), "--voxel-size", "0"], "voxel"),
        ("negative voxel size", ["info", i("labels.npy"), "--voxel-size", "-1um"], "voxel"),
        ("voxel size in parsecs", ["info", i("labels.npy"), "--voxel-size", "5parsecs"], "parsecs"),
        ("voxel size in metres by mistake", ["info", i("labels.npy"), "--voxel-size", "5"], "metres"),
        ("stored voxel size not a length", ["info", i("parsecs.npz")], "parsecs"),
        ("corrupt TIFF", ["info", i("corrupt.tif"), "--voxel-size", "1um"], "corrupt"),
        ("a folder with no volume", ["info", i("nothing"), "--voxel-size", "1um"], "folder"),
        ("bad shape option", ["info", i("scan.raw"), "--shape", "1,2"], "shape must be NZ,NY,NX"),
        ("bad header offset", ["info", i("scan.raw"), "--shape", "10,10,10", "--header-offset", "abc",
                               "--voxel-size", "1um"], "header-offset"),
        ("unknown dtype", ["info", i("scan.raw"), "--shape", "10,10,10", "--dtype", "uint7",
                           "--voxel-size", "1um"], "uint7"),
        ("bad phase names", ["metrics", *lab, "--phases", "pore,solid"], "LABEL=NAME"),
        ("2-D image", ["tortuosity", i("flat.npy"), "--voxel-size", "1um"], "3-D"),
        # writing
        ("output exists", ["convert", *lab, i("labels.npy")], "--overwrite"),
        ("unknown output format", ["convert", *lab, o("out.xyz")], "unknown file extension"),
        ("output folder missing", ["convert", *lab, o("no/such/dir/out.npz")], "does not exist"),
        ("unknown --to", ["convert", *lab, o("out.bin"), "--to", "jpeg"], "jpeg"),
        # segmentation and metrics
        ("too few classes", ["segment", i("grey.npy"), "--voxel-size", "1um", "-o", o("s.npz"), "--method",
                             "multi-otsu", "--classes", "1"], "classes"),
        ("metrics of grey levels", ["metrics", i("grey.npy"), "--voxel-size", "1um"], "segment"),
        ("unknown phase name", ["metrics", *lab, "--phase", "rock"], "rock"),
        ("absent label", ["metrics", *lab, "--phase", "7"], "labels are 0 (solid) and 1"),
        ("empty pore space", ["metrics", i("empty.npy"), "--voxel-size", "1um"], "no voxels"),
        # networks and flow
        ("network of grey levels", ["network", i("grey.npy"), "--voxel-size", "1um", "-o", o("n.vtp")], "segment"),
        ("unknown network format", ["network", *lab, "-o", o("n.xyz")], "network format"),
        ("absent network phase", ["network", *lab, "--phase", "9", "-o", o("n.vtp")], "labels are 0"),
        ("zero viscosity", ["permeability", *lab, "--viscosity", "0"], "viscosity"),
        ("negative viscosity", ["permeability", *lab, "--viscosity", "-1"], "viscosity"),
        ("stokes viscosity zero", ["permeability", *lab, "--method", "stokes", "--viscosity", "0"], "viscosity"),
        ("zero tolerance", ["permeability", *lab, "--method", "stokes", "--tol", "0"], "tol"),
        ("stokes on a network file", ["permeability", i("net_node1.dat"), "--method", "stokes"], "network"),
        ("fields not vti", ["permeability", *lab, "--method", "stokes", "--fields", o("f.txt")], ".vti"),
        ("bad microporous value", ["permeability", *lab, "--method", "stokes", "--microporous", "micro=abc"],
         "PHASE=K"),
        ("microporous with network", ["permeability", *lab, "--microporous", "1=1e-15"], "--method stokes"),
        ("unknown axis", ["permeability", *lab, "--axis", "w"], "invalid choice"),
        ("unknown conducting phase", ["tortuosity", *lab, "--phase", "binder"], "binder"),
        ("negative surface tension", ["drainage", *lab, "--surface-tension", "-1"], "surface_tension"),
        ("neutral contact angle", ["drainage", *lab, "--contact-angle", "90"], "contact_angle"),
        # meshes
        ("unknown mesh format", ["mesh", *lab, "-o", o("m.obj")], "mesh format"),
        ("openfoam not in metres", ["mesh", *lab, "-o", o("case"), "--format", "openfoam", "--unit", "um"],
         "metres"),
        ("openfoam tet mesh", ["mesh", *lab, "-o", o("case"), "--format", "openfoam", "--kind", "tet"], "hex"),
        ("negative reservoir", ["mesh", *lab, "-o", o("case"), "--format", "openfoam", "--reservoir", "-1"],
         "reservoir"),
        ("unknown mesh phase", ["mesh", *lab, "-o", o("m.vtu"), "--phase", "rock"], "rock"),
        ("zero coarsening", ["mesh", *lab, "-o", o("m.vtu"), "--coarsen", "0"], "coarsen"),
        ("unknown unit", ["mesh", *lab, "-o", o("m.stl"), "--unit", "ft"], "invalid choice"),
        # series
        ("coordinates for another count", ["series", i("step5.npy"), i("labels.npy"), "--voxel-size", "1um",
                                           "--coord", "0,1,2"], "one coordinate per step"),
        ("coordinates not numbers", ["series", i("step5.npy"), "--voxel-size", "1um", "--coord", "a"], "numbers"),
        ("two files, one step", ["series", i("step5.npy"), i("step05.npy"), "--voxel-size", "1um"], "same step"),
        ("register a missing file", ["register", i("absent.npy"), *lab], "no such file"),
        # case runner
        ("no case file", ["run", i("absent.toml")], "no case file"),
        ("key typo", ["run", i("typo.toml"), "--out", o("run")], "did you mean 'axis'"),
        ("size below one", ["run", i("case.toml"), "--size=-5", "--out", o("run")], "1 or more"),
        ("size beyond the sample", ["run", i("case.toml"), "--size", "100000", "--out", o("run")], "from 1 to 32"),
        ("invalid TOML", ["run", i("broken.toml"), "--out", o("run")], "not valid TOML"),
        ("unknown stage", ["run", i("unknown_stage.toml"), "--out", o("run")], "unknown stage"),
        ("missing stage", ["run", i("needs.toml"), "--out", o("run")], "needs [network]"),
    ]


def _cases():
    # ids only; the arguments are built with the fixture's folders
    from pathlib import Path

    return [c[0] for c in _cli(Path("in"), Path("out"))]


@pytest.mark.parametrize("case", _cases())
def test_the_command_line_gives_one_line_and_status_2(files, tmp_path, capsys, case):
    out = tmp_path / "out"
    out.mkdir()
    (name, argv, expected), = [c for c in _cli(files, out) if c[0] == case]
    before = sorted(os.listdir(files))
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse
        status = exit_.code
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert expected in err, err
    assert os.listdir(out) == [] and sorted(os.listdir(files)) == before  # nothing written, nothing left


def _volume(data=None, **kw):
    data = dca.samples.blobs(16, porosity=0.4, seed=2).to_numpy() if data is None else data
    return dca.Volume(data, **{"voxel_size": 1e-6, **kw})


@pytest.fixture(scope="module")
def network():
    return dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))


API = [
    ("array without voxel size", lambda n: dca.metrics.porosity(np.ones((4, 4, 4), bool)), "voxel_size is missing"),
    ("voxel size against the volume's", lambda n: dca.metrics.porosity(_volume(), voxel_size=2e-6), "contradicts"),
    ("a path for an image", lambda n: flow.stokes("scan.tif", voxel_size=1e-6), "dca.read"),
    ("2-D data", lambda n: dca.Volume(np.ones((4, 4)), voxel_size=1e-6), "3-D"),
    ("zero voxel size", lambda n: dca.Volume(np.ones((2, 2, 2)), voxel_size=0), "positive"),
    ("text voxels", lambda n: dca.Volume(np.array([[["a"]]]), voxel_size=1e-6), "dtype"),
    ("mask of another shape", lambda n: _volume(mask=np.ones((2, 2, 2), bool)), "mask shape"),
    ("reversed crop", lambda n: _volume()[::-1], "positive step"),
    ("empty crop", lambda n: _volume()[5:5], "selects no voxels"),
    ("unknown phase", lambda n: dca.metrics.porosity(_volume(), phase="rock"), "rock"),
    ("grey levels to metrics", lambda n: dca.metrics.porosity(_volume(np.ones((4, 4, 4), np.float32))), "segment"),
    ("viscosity zero", lambda n: flow.stokes(_volume(), axis="x", viscosity=0), "viscosity"),
    ("viscosity text", lambda n: flow.stokes(_volume(), axis="x", viscosity="water"), "viscosity"),
    ("tolerance negative", lambda n: flow.stokes(_volume(), axis="x", tol=-1), "tol"),
    ("unknown inlet", lambda n: flow.stokes(_volume(), axis="x", inlet="pump"), "inlet"),
    ("anisotropic voxels", lambda n: flow.stokes(_volume(voxel_size=(1e-6, 1e-6, 2e-6)), axis="x"), "cubic"),
    ("unknown axis", lambda n: flow.tortuosity(_volume(), axis="w"), "axis"),
    ("negative diffusivity", lambda n: flow.tortuosity(_volume(np.ones((4, 4, 4), np.uint8)), phase=1,
                                                       diffusivity={1: -1.0}), "diffusivit"),
    ("block larger than the volume", lambda n: flow.upscale(_volume(), 64, axis="x"), "larger than the volume"),
    ("network viscosity zero", lambda n: flow.permeability(n, axis="x", viscosity=0), "viscosity"),
    ("network pressure drop negative", lambda n: flow.permeability(n, axis="x", pressure_drop=-1), "pressure_drop"),
    ("unknown conduit model", lambda n: flow.permeability(n, axis="x", model="pipes"), "conductance model"),
    ("negative surface tension", lambda n: flow.drainage(n, axis="x", surface_tension=-1), "surface_tension"),
    ("neutral contact angle", lambda n: flow.drainage(n, axis="x", contact_angle=90), "contact_angle"),
    ("mesh of grey levels", lambda n: meshing.hex_mesh(_volume(np.ones((4, 4, 4), np.float32))), "grey levels"),
    ("coarsen zero", lambda n: meshing.hex_mesh(_volume(), coarsen=0), "coarsen"),
    ("unknown mesh phase", lambda n: meshing.tet_mesh(_volume(), phases="rock"), "rock"),
    ("unit in feet", lambda n: meshing.hex_mesh(_volume()).write("m.vtu", unit="ft"), "unit"),
    ("unknown mesh extension", lambda n: meshing.hex_mesh(_volume()).write("m.obj"), "mesh format"),
    ("compression of a surface", lambda n: meshing.quality(meshing.surface(_volume())), "volume meshes"),
    ("missing file", lambda n: dca.read("absent.tif"), "no such file"),
    ("write a bare array", lambda n: dca.write(np.ones((2, 2, 2)), "x.npz"), "dca.Volume"),
    ("missing Statoil files", lambda n: dca.network.read_statoil("absent"), "does not exist"),
    ("ambiguous step names", lambda n: dca.util.natural_order(["s1.tif", "s01.tif"]), "same step"),
    ("one class", lambda n: dca.segment.multi_otsu(_volume(np.random.default_rng(0).random((8, 8, 8))),
                                                    classes=1), "classes"),
]


@pytest.mark.parametrize("call, expected", [(c, e) for _, c, e in API], ids=[i for i, _, _ in API])
def test_the_api_raises_one_line_dca_errors(network, tmp_path, monkeypatch, call, expected):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(dca.DcaError) as err:
        call(network)
    message = str(err.value)
    assert expected in message and "\n" not in message, message
    assert os.listdir(tmp_path) == []


def test_the_suite_is_as_large_as_the_contract_asks():
    from pathlib import Path

    assert len(_cli(Path("in"), Path("out"))) + len(API) >= 60
