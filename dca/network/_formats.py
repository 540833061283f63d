"""Network files: Statoil (pnextract/pnflow), VTK PolyData, CSV/Parquet tables, OpenPNM objects.

Statoil format (Valvatne & Blunt 2004; Imperial College's pnextract writes it): four text
files ``PREFIX_node1.dat`` (pore count and box, then per pore: index, x, y, z, coordination,
neighbour pores, inlet flag, outlet flag, throats), ``PREFIX_node2.dat`` (index, volume,
inscribed radius, shape factor, clay volume), ``PREFIX_link1.dat`` (throat count, then per
throat: index, pore 1, pore 2, inscribed radius, shape factor, total length) and
``PREFIX_link2.dat`` (index, pore 1, pore 2, pore-1 length, pore-2 length, throat length,
volume, clay volume). Pore -1 is the inlet reservoir (x = 0), pore 0 the outlet (x = Lx).

Reading makes one zero-volume boundary pore per inlet or outlet throat, on the face
(``xmin``/``xmax``) at the inner pore's y and z. Writing maps them back, so
read(write(read(f))) gives identical tables (numbers are written in the shortest form that
reads back to the same float).

The format has its box corner at the origin and no room for what an image-based network
carries beyond it: writing shifts the coordinates into that frame and adds a fifth file,
``PREFIX_dca.json``, with the shift, the conduit model, the voxel size, the columns the
four files do not hold, and the boundary pores of the faces other than x (with their
throats). Reading shifts back and restores them when that file is there, so a round trip
keeps the network and its permeability; pnflow and other readers ignore the fifth file.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from .._errors import FormatError, InputError, MissingFileError
from ..io._atomic import atomic_path, atomic_paths
from ._network import FACES, Network, with_derived

__all__ = ["read_statoil", "write_statoil", "read_network", "write_network", "to_openpnm", "from_openpnm"]

_PARTS = ("node1", "node2", "link1", "link2")


_STATOIL_PORE_COLUMNS = ("x", "y", "z", "volume", "inscribed_diameter", "shape_factor", "clay_volume", "boundary")
_STATOIL_THROAT_COLUMNS = ("pore1", "pore2", "inscribed_diameter", "shape_factor", "total_length", "pore1_length",
                           "pore2_length", "throat_length", "volume", "clay_volume")


def statoil_paths(prefix: str) -> dict[str, str]:
    """The files of a Statoil network: the four ``.dat`` files and dca's ``_dca.json`` beside them."""
    prefix = prefix[:-4] if prefix.endswith(".dat") else prefix
    for part in _PARTS:  # accept the path of any one of the four files
        if prefix.endswith("_" + part):
            prefix = prefix[: -len(part) - 1]
    return {**{part: f"{prefix}_{part}.dat" for part in _PARTS}, "dca": f"{prefix}_dca.json"}


def _columns(table: pd.DataFrame, skip=()) -> dict[str, list]:
    """The columns of ``table`` not in ``skip``, as JSON lists (floats round-trip exactly)."""
    return {c: table[c].tolist() for c in table.columns if c not in skip}


def _rows(path: str, skip: int, min_cols: int) -> list[list[str]]:
    if not os.path.exists(path):
        raise MissingFileError(f"{path!r} does not exist (a Statoil network needs the four files "
                               f"PREFIX_node1.dat, _node2.dat, _link1.dat, _link2.dat)")
    with open(path, encoding="ascii") as fh:
        lines = fh.read().split("\n")
    rows = [line.split() for line in lines[skip:] if line.strip()]
    for i, row in enumerate(rows):
        if len(row) < min_cols:
            raise FormatError(f"{path}: line {i + 1 + skip} has {len(row)} fields, expected at least {min_cols}; "
                              "the file is truncated or not in the Statoil format")
    return rows


def read_statoil(prefix: str) -> Network:
    """Read a Statoil-format network (``PREFIX_node1.dat`` ...; any of the four paths works)."""
    paths = statoil_paths(prefix)
    node1 = _rows(paths["node1"], 0, 4)
    header = node1.pop(0)
    if len(header) != 4:
        raise FormatError(f"{paths['node1']}: first line must be 'n_pores Lx Ly Lz', got {' '.join(header)!r}")
    n_pores, box = int(header[0]), tuple(float(v) for v in header[1:])
    node2 = np.array(_rows(paths["node2"], 0, 5), dtype=float)
    link1 = np.array(_rows(paths["link1"], 1, 6), dtype=float)
    link2 = np.array(_rows(paths["link2"], 0, 8), dtype=float)
    if len(node1) != n_pores or len(node2) != n_pores:
        raise FormatError(f"{paths['node1']} announces {n_pores} pores; node1 has {len(node1)} rows, "
                          f"node2 {len(node2)}: a file is truncated")
    if len(link1) != len(link2):
        raise FormatError(f"link1 has {len(link1)} throats and link2 {len(link2)}: a file is truncated")
    xyz = np.array([[float(v) for v in row[1:4]] for row in node1])
    pores = pd.DataFrame({"x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2], "volume": node2[:, 1],
                          "inscribed_diameter": 2 * node2[:, 2], "shape_factor": node2[:, 3],
                          "clay_volume": node2[:, 4], "boundary": ""})
    p1, p2 = link1[:, 1].astype(np.int64), link1[:, 2].astype(np.int64)
    radius, g = link1[:, 3], link1[:, 4]
    throats = pd.DataFrame({
        "pore1": p1, "pore2": p2, "inscribed_diameter": 2 * radius, "shape_factor": g,
        "cross_section_area": radius ** 2 / (4 * g), "perimeter": radius / (2 * g),
        "total_length": link1[:, 5], "pore1_length": link2[:, 3], "pore2_length": link2[:, 4],
        "throat_length": link2[:, 5], "volume": link2[:, 6], "clay_volume": link2[:, 7]})
    # pores 1..N -> rows 0..N-1; each reservoir end (-1 inlet, 0 outlet) -> its own boundary pore
    extra = []
    for column, other in (("pore1", p2), ("pore2", p1)):
        ends = throats[column].to_numpy()
        mapped = ends - 1
        for code, face, x in ((-1, "xmin", 0.0), (0, "xmax", box[0])):
            hit = np.flatnonzero(ends == code)
            if hit.size == 0:
                continue
            inner = other[hit] - 1
            if (inner < 0).any():
                raise FormatError(f"{paths['link1']}: a throat joins the inlet and outlet reservoirs directly")
            index = n_pores + sum(len(e) for e in extra) + np.arange(hit.size)
            extra.append(pd.DataFrame({"x": x, "y": xyz[inner, 1], "z": xyz[inner, 2], "volume": 0.0,
                                       "inscribed_diameter": 2 * radius[hit], "shape_factor": g[hit],
                                       "clay_volume": 0.0, "boundary": face}, index=index))
            mapped[hit] = index
        throats[column] = mapped
    pores = pd.concat([pores] + extra) if extra else pores
    if os.path.exists(paths["dca"]):
        return _restore(pores, throats, box, paths)
    pores, throats = with_derived(pores, throats)
    return Network(pores, throats, box=((0.0, 0.0, 0.0), box), voxel_size=None, conductance="valvatne_blunt",
                   attrs={"format": "statoil", "source": paths["node1"]})


def _restore(pores: pd.DataFrame, throats: pd.DataFrame, box, paths) -> Network:
    """The network as dca wrote it: back in its own frame, with the columns, lateral boundary
    pores and conduit model that ``PREFIX_dca.json`` keeps."""
    try:
        with open(paths["dca"], encoding="utf-8") as fh:
            extra = json.load(fh)
        n_internal = int((pores["boundary"] == "").sum())
        if extra["internal_pores"] != n_internal or extra["throats_written"] != len(throats):
            raise FormatError(f"{paths['dca']} describes {extra['internal_pores']} pores and "
                              f"{extra['throats_written']} throats, the .dat files {n_internal} and {len(throats)}: "
                              "they were edited apart; delete the .json to read the .dat files alone")
        origin = np.asarray(extra["origin_m"], dtype=float)
        for i, c in enumerate("xyz"):  # the .dat files' frame -> the network's; the json holds it already
            pores[c] = pores[c].to_numpy(dtype=float) + origin[i]
        for column, values in extra["pore_columns"].items():
            pores.loc[: n_internal - 1, column] = values
        ends = throats[["pore1", "pore2"]].to_numpy()
        face_pore = np.where(ends[:, 0] >= n_internal, ends[:, 0], ends[:, 1])
        rows = np.asarray(extra["face_pores"]["throat"], dtype=np.int64)
        for column, values in extra["face_pores"]["columns"].items():
            pores.loc[face_pore[rows], column] = values
        for column, values in extra["throat_columns"].items():
            throats[column] = values
        lateral_p = pd.DataFrame(extra["lateral"]["pores"])
        lateral_p.index = len(pores) + np.arange(len(lateral_p))
        lateral_t = pd.DataFrame(extra["lateral"]["throats"])
        for end in ("pore1", "pore2"):  # -k-1: the k-th lateral pore; else an internal pore's row
            code = lateral_t[end].to_numpy(dtype=np.int64) if len(lateral_t) else np.zeros(0, np.int64)
            lateral_t[end] = np.where(code < 0, len(pores) - code - 1, code)
        pores = pd.concat([pores, lateral_p])
        throats = pd.concat([throats, lateral_t], ignore_index=True)
        pores, throats = with_derived(pores, throats)
        voxel = extra.get("voxel_size")
        return Network(pores, throats, box=(tuple(origin), tuple(origin + np.asarray(box))),
                       voxel_size=None if voxel is None else tuple(voxel), conductance=extra["conductance"],
                       attrs={"format": "statoil", "source": paths["node1"], **extra.get("attrs", {})})
    except (KeyError, TypeError, ValueError) as err:
        if isinstance(err, FormatError):
            raise
        raise FormatError(f"{paths['dca']} is not a dca sidecar of this network ({type(err).__name__}: {err}); "
                          "delete it to read the .dat files alone") from err


def _f(value) -> str:
    return repr(float(value))


def write_statoil(network: Network, prefix: str) -> list[str]:
    """Write the four Statoil files ``PREFIX_node1.dat`` ... and ``PREFIX_dca.json``; returns their paths.

    Coordinates are written in the format's frame (box corner at the origin). Boundary pores
    on ``xmin``/``xmax`` become the inlet (-1) and outlet (0) reservoirs. What the four files
    cannot hold (the shift, the conduit model, other columns, boundary pores on the y and z
    faces with their throats) goes into ``PREFIX_dca.json``, which :func:`read_statoil` uses
    to give back the same network.
    """
    paths = statoil_paths(prefix)
    pores, throats = network.pores, network.throats
    boundary = pores["boundary"].to_numpy()
    lateral = np.isin(boundary, [f for f in FACES if f not in ("xmin", "xmax")])
    lateral_t = lateral[throats["pore1"]] | lateral[throats["pore2"]]
    kept = throats[~lateral_t].reset_index(drop=True)
    internal = np.flatnonzero(boundary == "")
    sidecar = _sidecar(network, internal, lateral, throats[lateral_t], kept)
    throats = kept
    origin = np.asarray(network.box[0])
    code = np.full(len(pores), -2, np.int64)
    code[internal] = np.arange(1, len(internal) + 1)
    code[boundary == "xmin"] = -1
    code[boundary == "xmax"] = 0
    t1, t2 = code[throats["pore1"]], code[throats["pore2"]]
    n, nt = len(internal), len(throats)
    radius = throats["inscribed_diameter"].to_numpy() / 2
    get = lambda table, name, default=0.0: (table[name].to_numpy() if name in table  # noqa: E731
                                           else np.full(len(table), default))
    # node1: per pore its neighbours and throats in throat order
    ends = np.concatenate([t1, t2])
    others = np.concatenate([t2, t1])
    tid = np.concatenate([np.arange(1, nt + 1)] * 2)
    order = np.lexsort((tid, ends))
    ends, others, tid = ends[order], others[order], tid[order]
    first = np.searchsorted(ends, np.arange(1, n + 1))
    last = np.searchsorted(ends, np.arange(1, n + 1), side="right")
    x, y, z = (pores[c].to_numpy()[internal] - origin[i] for i, c in enumerate("xyz"))
    node1 = [f"{n} " + " ".join(_f(v) for v in np.subtract(network.box[1], origin))]
    for i in range(n):
        nb, th = others[first[i]:last[i]], tid[first[i]:last[i]]
        node1.append(" ".join([str(i + 1), _f(x[i]), _f(y[i]), _f(z[i]), str(len(nb))] + [str(v) for v in nb]
                              + [str(int((nb == -1).any())), str(int((nb == 0).any()))] + [str(v) for v in th]))
    pv, pr, pg, pc = (get(pores, "volume")[internal], pores["inscribed_diameter"].to_numpy()[internal] / 2,
                      get(pores, "shape_factor", 1 / (4 * np.pi))[internal], get(pores, "clay_volume")[internal])
    node2 = [" ".join([str(i + 1), _f(pv[i]), _f(pr[i]), _f(pg[i]), _f(pc[i])]) for i in range(n)]
    tg, tl = get(throats, "shape_factor", 1 / (4 * np.pi)), get(throats, "total_length")
    l1, l2, lt = get(throats, "pore1_length"), get(throats, "pore2_length"), get(throats, "throat_length")
    tv, tc = get(throats, "volume"), get(throats, "clay_volume")
    link1 = [str(nt)] + [" ".join([str(k + 1), str(t1[k]), str(t2[k]), _f(radius[k]), _f(tg[k]), _f(tl[k])])
                         for k in range(nt)]
    link2 = [" ".join([str(k + 1), str(t1[k]), str(t2[k]), _f(l1[k]), _f(l2[k]), _f(lt[k]), _f(tv[k]), _f(tc[k])])
             for k in range(nt)]
    targets = [paths[p] for p in _PARTS] + [paths["dca"]]
    with atomic_paths(*targets) as tmps:
        for tmp, lines in zip(tmps, (node1, node2, link1, link2)):
            with open(tmp, "w", encoding="ascii") as fh:
                fh.write("\n".join(lines) + "\n")
        with open(tmps[-1], "w", encoding="utf-8") as fh:
            json.dump(sidecar, fh)
    return targets


def _sidecar(network: Network, internal, lateral, lateral_throats, kept) -> dict:
    """What the four Statoil files cannot hold, for :func:`read_statoil` to restore."""
    pores = network.pores
    row = np.full(len(pores), -1, np.int64)
    row[internal] = np.arange(len(internal))  # internal pores in the order written
    row[lateral] = -1 - np.arange(int(lateral.sum()))  # lateral boundary pores: -k-1
    ends = kept[["pore1", "pore2"]].to_numpy()
    on_face = ~np.isin(ends, internal)
    at = np.flatnonzero(on_face.any(axis=1))
    face_pores = np.where(on_face[at, 0], ends[at, 0], ends[at, 1])
    lat_t = lateral_throats.copy()
    lat_t["pore1"], lat_t["pore2"] = row[lat_t["pore1"]], row[lat_t["pore2"]]
    return {"written_by": "dca", "origin_m": list(network.box[0]), "conductance": network.conductance,
            "voxel_size": None if network.voxel_size is None else list(network.voxel_size),
            "internal_pores": int(len(internal)), "throats_written": int(len(kept)),
            "pore_columns": _columns(pores.iloc[internal], skip=_STATOIL_PORE_COLUMNS),
            "face_pores": {"throat": at.tolist(), "columns": _columns(pores.iloc[face_pores], skip=("boundary",))},
            "throat_columns": _columns(kept, skip=_STATOIL_THROAT_COLUMNS),
            "lateral": {"pores": _columns(pores[lateral]), "throats": _columns(lat_t)},
            "attrs": {k: v for k, v in network.attrs.items() if isinstance(v, (str, int, float, bool))}}


# --------------------------------------------------------------------------- VTK PolyData
def _vtk_array(name: str, values: np.ndarray) -> str:
    values = np.asarray(values)
    kind = "Int64" if values.dtype.kind in "iub" else "Float64"
    text = " ".join(str(int(v)) for v in values) if kind == "Int64" else " ".join(repr(float(v)) for v in values)
    return f'        <DataArray type="{kind}" Name="{name}" format="ascii">{text}</DataArray>\n'


def write_vtp(network: Network, path: str) -> str:
    """Balls and sticks for ParaView: pores as points, throats as lines, every numeric column
    as point or cell data (``boundary`` as a face code 0 = internal, 1..6 = xmin ... zmax).
    Coordinates are the image frame's (metres, x along the image's last axis)."""
    pores, throats = network.pores, network.throats
    points = " ".join(repr(float(v)) for v in network.coords.ravel())
    conn = " ".join(str(int(v)) for v in network.conns.ravel())
    offsets = " ".join(str(2 * (k + 1)) for k in range(network.n_throats))
    point_data = "".join(_vtk_array(c, pores[c]) for c in pores.columns
                         if c not in ("x", "y", "z") and pores[c].dtype.kind in "iufb")
    face_code = pores["boundary"].map({f: i + 1 for i, f in enumerate(FACES)}).fillna(0).astype(np.int64)
    point_data += _vtk_array("boundary", face_code)
    point_data += _vtk_array("coordination", network.coordination)
    cell_data = "".join(_vtk_array(c, throats[c]) for c in throats.columns
                        if c not in ("x", "y", "z") and throats[c].dtype.kind in "iufb")
    text = (
        '<?xml version="1.0"?>\n'
        '<VTKFile type="PolyData" version="1.0" byte_order="LittleEndian" header_type="UInt64">\n'
        '  <PolyData>\n'
        f'    <Piece NumberOfPoints="{network.n_pores}" NumberOfVerts="0" NumberOfLines="{network.n_throats}" '
        'NumberOfStrips="0" NumberOfPolys="0">\n'
        f'      <Points>\n        <DataArray type="Float64" NumberOfComponents="3" format="ascii">{points}'
        '</DataArray>\n      </Points>\n'
        f'      <Lines>\n        <DataArray type="Int64" Name="connectivity" format="ascii">{conn}</DataArray>\n'
        f'        <DataArray type="Int64" Name="offsets" format="ascii">{offsets}</DataArray>\n      </Lines>\n'
        f'      <PointData Scalars="inscribed_diameter">\n{point_data}      </PointData>\n'
        f'      <CellData Scalars="inscribed_diameter">\n{cell_data}      </CellData>\n'
        '    </Piece>\n  </PolyData>\n</VTKFile>\n')
    with atomic_path(path) as tmp, open(tmp, "w", encoding="ascii") as fh:
        fh.write(text)
    return path


# --------------------------------------------------------------------------- tables
def _table_paths(path: str, suffix: str) -> tuple[str, str]:
    stem = path[: -len(suffix)]
    for tail in ("_pores", "_throats"):
        if stem.endswith(tail):
            stem = stem[: -len(tail)]
    return f"{stem}_pores{suffix}", f"{stem}_throats{suffix}"


def _write_tables(network: Network, path: str, suffix: str) -> list[str]:
    import json

    pore_path, throat_path = _table_paths(path, suffix)
    meta = {"box": network.box, "voxel_size": network.voxel_size, "conductance": network.conductance}
    with atomic_paths(pore_path, throat_path) as (tp, tt):
        if suffix == ".csv":
            with open(tp, "w", encoding="utf-8") as fh:
                fh.write(f"# dca network {json.dumps(meta)}\n")
                network.pores.to_csv(fh, index=False)  # floats as repr: they read back exactly
            network.throats.to_csv(tt, index=False)
        else:
            pores = network.pores.copy()
            pores.attrs = {"dca": json.dumps(meta)}
            _parquet(pores, tp)
            _parquet(network.throats, tt)
    return [pore_path, throat_path]


def _parquet(table, path):
    try:
        table.to_parquet(path, index=False)
    except ImportError as err:
        from .._errors import OptionalDependencyError

        raise OptionalDependencyError("Parquet needs pyarrow: pip install pyarrow (or write .csv)") from err


def _read_tables(path: str, suffix: str) -> Network:
    import json

    pore_path, throat_path = _table_paths(path, suffix)
    for p in (pore_path, throat_path):
        if not os.path.exists(p):
            raise MissingFileError(f"{p!r} does not exist (a network in tables is NAME_pores{suffix} "
                                   f"and NAME_throats{suffix})")
    if suffix == ".csv":
        with open(pore_path, encoding="utf-8") as fh:
            first = fh.readline()
            if not first.startswith("# dca network "):
                raise FormatError(f"{pore_path}: not a dca network table (no '# dca network' header)")
            meta = json.loads(first[len("# dca network "):])
            pores = pd.read_csv(fh, keep_default_na=False)
        throats = pd.read_csv(throat_path)
    else:
        pores = pd.read_parquet(pore_path)
        meta = json.loads(pores.attrs.get("dca", "{}")) if pores.attrs else {}
        throats = pd.read_parquet(throat_path)
    pores["boundary"] = pores["boundary"].fillna("").astype(str)
    return Network(pores, throats, box=tuple(tuple(b) for b in meta["box"]),
                   voxel_size=tuple(meta["voxel_size"]) if meta.get("voxel_size") else None,
                   conductance=meta.get("conductance", "pyramids_and_cuboids"), attrs={"source": pore_path})


# --------------------------------------------------------------------------- dispatch
def write_network(network: Network, path: str):
    """Write by extension: .vtp, .csv, .parquet, .dat (Statoil)."""
    path = os.fspath(path)
    if path.endswith(".vtp"):
        return write_vtp(network, path)
    if path.endswith(".csv") or path.endswith(".parquet"):
        return _write_tables(network, path, ".csv" if path.endswith(".csv") else ".parquet")
    if path.endswith(".dat"):
        return write_statoil(network, path)
    raise InputError(f"cannot tell the network format of {path!r}: use .vtp, .csv, .parquet or .dat (Statoil)")


def read_network(path: str) -> Network:
    """Read a network written by ``write_network`` (.csv, .parquet) or a Statoil network (.dat)."""
    path = os.fspath(path)
    if path.endswith(".dat"):
        return read_statoil(path)
    if path.endswith(".csv") or path.endswith(".parquet"):
        return _read_tables(path, ".csv" if path.endswith(".csv") else ".parquet")
    raise InputError(f"cannot read a network from {path!r}: use .csv, .parquet or a Statoil .dat")


# --------------------------------------------------------------------------- OpenPNM
def to_openpnm(network: Network):
    """An ``openpnm.network.Network`` with ``pore.coords`` (x, y, z), ``throat.conns``, every
    numeric column as ``pore.NAME``/``throat.NAME``, and labels ``pore.xmin`` ... for boundaries."""
    import openpnm as op

    pn = op.network.Network(coords=network.coords, conns=network.conns)
    for name in network.pores.columns:
        if name not in ("x", "y", "z") and network.pores[name].dtype.kind in "iufb":
            pn[f"pore.{name}"] = network.pores[name].to_numpy()
    for name in network.throats.columns:
        if name not in ("pore1", "pore2") and network.throats[name].dtype.kind in "iufb":
            pn[f"throat.{name}"] = network.throats[name].to_numpy()
    for face in FACES:
        pn[f"pore.{face}"] = (network.pores["boundary"] == face).to_numpy()
    pn["pore.internal"] = network.internal
    return pn


def from_openpnm(pn, *, box, voxel_size=None, conductance: str = "pyramids_and_cuboids") -> Network:
    """A Network from an OpenPNM network (properties named as ``to_openpnm`` writes them;
    ``box`` ((x0, y0, z0), (x1, y1, z1)) in metres, since OpenPNM does not keep one)."""
    coords = np.asarray(pn["pore.coords"], dtype=float)
    pores = pd.DataFrame({"x": coords[:, 0], "y": coords[:, 1], "z": coords[:, 2]})
    throats = pd.DataFrame({"pore1": pn["throat.conns"][:, 0], "pore2": pn["throat.conns"][:, 1]})
    for key in pn.keys():
        kind, name = key.split(".", 1)
        if name in ("coords", "conns", "all", "internal") or name in FACES:
            continue
        values = np.asarray(pn[key])
        if values.ndim != 1:
            continue
        (pores if kind == "pore" else throats)[name] = values
    boundary = np.full(len(pores), "", dtype=object)
    for face in FACES:
        if f"pore.{face}" in pn.keys():
            boundary[np.asarray(pn[f"pore.{face}"], bool)] = face
    pores["boundary"] = boundary
    if "volume" not in pores:
        raise InputError("the OpenPNM network has no pore.volume")
    pores, throats = with_derived(pores, throats)
    return Network(pores, throats, box=box, voxel_size=voxel_size, conductance=conductance)
