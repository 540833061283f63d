"""SNOW-style pore network extraction: distance-map watershed, region properties, boundary pores."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
from scipy import ndimage

from .._errors import InputError
from .._memory import chunked
from .._phase import field_of_view, phase_label, phase_mask
from .._provenance import Step
from ..util import check_cubic, require_memory, takes_volume
from ._network import FACES, Network, with_derived
from ._peaks import find_peaks, trim_nearby_peaks, trim_saddle_points, watershed
from ._regions import interface_faces, pore_properties

__all__ = ["extract", "partition"]


def partition(selected: np.ndarray, *, sigma: float = 0.4, r_max: int = 4):
    """Watershed regions of the pore space on its distance map, from SNOW peaks.

    Returns (regions int32 with 0 outside, number of regions, distance to the solid in voxels).
    """
    from ..metrics._thickness import squared_distance

    dt = np.sqrt(squared_distance(selected), dtype=np.float32)
    if sigma > 0:
        blurred = ndimage.gaussian_filter(dt, sigma=sigma)
        blurred *= selected
    else:
        blurred = dt
    peaks = find_peaks(blurred, selected, r_max=r_max)
    del blurred  # memory: at most three image-sized arrays live at once
    peaks = trim_saddle_points(peaks, dt)
    peaks = trim_nearby_peaks(peaks, dt)
    markers, n = ndimage.label(peaks, structure=np.ones((3, 3, 3)), output=np.int32)
    del peaks
    return watershed(dt, markers, selected), n, dt


@takes_volume
def extract(volume, *, phase=None, sigma: float = 0.4, r_max: int = 4, boundary_faces=FACES,
            pore_diameter: str = "equivalent", threads: int | None = None) -> Network:
    """Extract the pore network of ``phase`` (default: the pore space), or of several phases.

    ``phase`` a list (``["pore", "active", "binder"]``): each phase is partitioned on its own
    distance map; pores carry their phase label in ``phase``, and throats between pores of
    different phases are the interfaces (``interface`` True) between them, for electrodes
    and other multi-phase media.

    SNOW (Gostick 2017): peaks of the distance map (blurred by ``sigma`` voxels, maximum over
    a ball of ``r_max`` voxels, saddles and near neighbours removed) seed a watershed of the
    pore space; each region is a pore, each pair of touching regions a throat (see
    ``_regions`` for how each property is measured). Boundary pores: every region that
    touches a face in ``boundary_faces`` gets a zero-volume pore on that face, joined by a
    throat whose cross-section is the region's footprint on the face; flow enters there.

    Pore ``diameter`` (used by the conduit models) is the equivalent diameter (6V/pi)^(1/3),
    as in OpenPNM's Berea example (``pore_diameter="inscribed"``: the inscribed one, which
    suits long regions such as tubes); throats use their inscribed diameter. Conduit lengths
    follow OpenPNM's cones-and-cylinders rule: pore segments of half the pore diameter, the
    throat the rest of the centre-to-centre distance (shared out when the pores overlap);
    boundary throats have no segment in the boundary pore.

    A lazy (dask-backed) volume is extracted chunk by chunk, with halos, to the same network
    (``_chunked``); several phases at once need the volume in memory.
    """
    check_cubic(volume.voxel_size, what="network extraction")
    for face in boundary_faces:
        if face not in FACES:
            raise InputError(f"boundary faces must be among {', '.join(FACES)}, got {face!r}")
    several = isinstance(phase, (list, tuple))
    started = time.perf_counter()
    if not several:
        volume = chunked(volume, "network extraction")  # too big for memory: chunk by chunk, the same network
    if volume.is_lazy and not several:  # chunk by chunk, pores stitched across the seams
        props, faces, n, region_phase, planes, selected = _lazy_partition(volume, phase, sigma, r_max,
                                                                          boundary_faces)
    else:
        require_memory(volume.size, "network extraction", shape=volume.shape)
        props, faces, n, region_phase, planes, selected = _partition_in_memory(volume, phase, sigma, r_max, threads,
                                                                               boundary_faces)
    count, sums, local, extended, solid_faces = props
    a, b, area, deepest, near, centre = faces
    h = float(volume.voxel_size[0])
    origin_zyx = np.asarray(volume.origin, dtype=float)
    to_xyz = lambda zyx: (origin_zyx + h * np.asarray(zyx, dtype=float))[..., ::-1]  # noqa: E731
    centroid_zyx = sums[1:] / np.maximum(count[1:], 1)[:, None]
    xyz = to_xyz(centroid_zyx)
    pores = pd.DataFrame({
        "x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2],
        "volume": count[1:] * h ** 3,
        "inscribed_diameter": 2.0 * local[1:].astype(float) * h,
        "extended_diameter": 2.0 * extended[1:].astype(float) * h,
        "surface_area": solid_faces[1:] * (2.0 / 3.0) * h ** 2,
        "region_label": np.arange(1, n + 1),
        "phase": np.asarray(region_phase, dtype=np.int64),
        "boundary": "",
    })
    t_xyz = to_xyz(centre)
    throats = pd.DataFrame({
        "pore1": a - 1, "pore2": b - 1,
        "inscribed_diameter": 2.0 * deepest.astype(float) * h,
        "cross_section_area": area * h ** 2,
        "perimeter": near * h,
        "x": t_xyz[:, 0], "y": t_xyz[:, 1], "z": t_xyz[:, 2],
    })
    pores, throats = _add_boundary_pores(pores, throats, planes, volume, boundary_faces)
    pores, throats = with_derived(pores, throats)
    # the diameter of the conduit models: equivalent for pores (OpenPNM's Berea recipe), the face's for boundaries
    if pore_diameter not in ("equivalent", "inscribed"):
        raise InputError(f"pore_diameter must be 'equivalent' or 'inscribed', got {pore_diameter!r}")
    pores["diameter"] = np.where(pores["boundary"] == "", pores[f"{pore_diameter}_diameter"],
                                 pores["inscribed_diameter"])
    throats = _conduit_lengths(pores, throats)
    phase_of = pores["phase"].to_numpy()
    throats["interface"] = phase_of[throats["pore1"]] != phase_of[throats["pore2"]]
    pores["shape_factor"] = _pore_shape_factor(pores, throats)
    throats["volume"] = 0.0
    (z0, z1), (y0, y1), (x0, x1) = volume.bounds
    step = Step("extract_network", {"phase": phase, "sigma": sigma, "r_max": r_max,
                                    "boundary_faces": list(boundary_faces), "pore_diameter": pore_diameter})
    return Network(pores, throats, box=((x0, y0, z0), (x1, y1, z1)), voxel_size=volume.voxel_size,
                   conductance="pyramids_and_cuboids", provenance=tuple(volume.provenance) + (step,),
                   attrs={"unassigned_voxels": int(selected - count[1:].sum()),
                          "extraction_s": round(time.perf_counter() - started, 3), "phases": dict(volume.phases)})


def _partition_in_memory(volume, phase, sigma, r_max, threads, boundary_faces):
    """Regions of each phase, their properties and the throats between them, in memory."""
    import edt

    several = isinstance(phase, (list, tuple))
    mask = field_of_view(volume)
    regions, dt, region_phase, n, selected = None, None, [], 0, None
    for each in (phase if several else [phase]):
        chosen = phase_mask(volume, each)
        if mask is not None:
            chosen = chosen & mask
        if chosen.all():
            raise _fills()
        r, n_each, d = partition(np.ascontiguousarray(chosen), sigma=sigma, r_max=r_max)
        if regions is None:
            regions, dt, selected = r, d, chosen
        else:  # several phases: each keeps its own regions and its distance to the other phases
            regions[chosen] = np.where(r[chosen] > 0, r[chosen] + n, 0)
            dt[chosen] = d[chosen]
            selected |= chosen
        region_phase += [volume.phase(each) if each is not None else 1] * n_each
        n += n_each
    if n == 0:
        raise _no_pore()
    # distance to the nearest voxel of another region (edt's multi-label transform); the
    # uint32 view spares edt a converted copy of the labels
    dt_local = edt.edt(regions.view(np.uint32), black_border=True, parallel=threads or 2).astype(np.float32, copy=False)
    props = pore_properties(regions, n, dt, dt_local)
    return (props, interface_faces(regions, dt), n, region_phase, face_planes(regions, dt, boundary_faces),
            int(np.count_nonzero(selected)))


def _lazy_partition(volume, phase, sigma, r_max, boundary_faces):
    """The same, chunk by chunk (see ``_chunked``)."""
    import tempfile

    from ..metrics._thickness import _lazy_selected
    from ._chunked import lazy_partition, lazy_properties

    selected = _lazy_selected(volume, phase)
    if bool(selected.all().compute()):
        raise _fills()
    # the distance map and the regions go to disk between the steps: nothing image-sized in memory
    with tempfile.TemporaryDirectory(prefix="dca-network-", dir=os.environ.get("DCA_TMPDIR")) as folder:
        regions, n, dt, radius = lazy_partition(selected, sigma=sigma, r_max=r_max, folder=folder)
        if n == 0:
            raise _no_pore()
        props, faces, planes, voxels = lazy_properties(regions, dt, radius, n,
                                                       extra=(face_planes(regions, dt, boundary_faces),
                                                              selected.sum()))
    return props, faces, n, [phase_label(volume, phase)] * n, planes, int(voxels)


def _fills() -> InputError:
    return InputError("the phase fills the whole volume: there is no solid to shape pores; "
                      "check the segmentation (True/nonzero = pore)")


def _no_pore() -> InputError:
    return InputError("no pore was found: the phase has no voxel farther than one voxel from the solid")


def face_planes(regions, dt, faces) -> dict:
    """The regions and the distance map on each face in ``faces`` (lazy if they are)."""
    planes = {}
    for face in faces:
        axis = 2 - "xyz".index(face[0])  # array axis
        key = (slice(None),) * axis + ((0 if face.endswith("min") else -1),)
        planes[face] = (regions[key], dt[key])
    return planes


def _add_boundary_pores(pores, throats, planes, volume, faces):
    h = float(volume.voxel_size[0])
    bounds = volume.bounds  # z, y, x
    new_pores, new_throats = [], []
    next_index = len(pores)
    for face in faces:
        axis_xyz = "xyz".index(face[0])
        axis = 2 - axis_xyz  # array axis
        side = 0 if face.endswith("min") else -1
        plane_labels, plane_dt = planes[face]
        on = plane_labels > 0
        if not on.any():
            continue
        labels = plane_labels[on]
        rows, cols = np.nonzero(on)
        unique, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
        mean_r = np.bincount(inverse, rows) / counts
        mean_c = np.bincount(inverse, cols) / counts
        deepest = np.zeros(len(unique))
        np.maximum.at(deepest, inverse, plane_dt[on])
        near = np.bincount(inverse, plane_dt[on] < 2)
        # coordinates of the footprint centres: the two in-plane array axes, then the face position
        in_plane = [a for a in range(3) if a != axis]
        zyx = np.zeros((len(unique), 3))
        zyx[:, in_plane[0]] = np.asarray(volume.origin)[in_plane[0]] + h * mean_r
        zyx[:, in_plane[1]] = np.asarray(volume.origin)[in_plane[1]] + h * mean_c
        zyx[:, axis] = bounds[axis][0 if side == 0 else 1]
        xyz = zyx[:, ::-1]
        index = next_index + np.arange(len(unique))
        next_index += len(unique)
        new_pores.append(pd.DataFrame({
            "x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2], "volume": 0.0,
            "inscribed_diameter": 2.0 * deepest * h, "extended_diameter": 2.0 * deepest * h,
            "surface_area": 0.0, "region_label": 0, "phase": pores["phase"].to_numpy()[unique - 1],
            "boundary": face}, index=index))
        new_throats.append(pd.DataFrame({
            "pore1": unique - 1, "pore2": index, "inscribed_diameter": 2.0 * deepest * h,
            "cross_section_area": counts * h ** 2, "perimeter": near * h,
            "x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2]}))
    if new_pores:
        pores = pd.concat([pores] + new_pores)
        throats = pd.concat([throats] + new_throats, ignore_index=True)
    return pores.reset_index(drop=True), throats


def _conduit_lengths(pores, throats):
    """OpenPNM's cones-and-cylinders lengths on the pores' ``diameter``; no segment in boundary pores."""
    throats = throats.copy()
    xyz = pores[["x", "y", "z"]].to_numpy()
    p1, p2 = throats["pore1"].to_numpy(), throats["pore2"].to_numpy()
    ctc = np.linalg.norm(xyz[p1] - xyz[p2], axis=1)
    d1 = pores["diameter"].to_numpy()[p1]
    d2 = pores["diameter"].to_numpy()[p2]
    boundary2 = (pores["boundary"].to_numpy()[p2] != "")
    l1, l2 = d1 / 2, np.where(boundary2, 0.0, d2 / 2)
    overlap = ctc - (l1 + l2) < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        shared = np.where(ctc > 0, (4 * ctc ** 2 + d1 ** 2 - d2 ** 2) / (8 * ctc), 0.0)
    shared = np.where(boundary2, ctc, np.clip(shared, 0, ctc))
    l1 = np.where(overlap, shared, l1)
    l2 = np.where(overlap, ctc - l1, l2)
    throats["pore1_length"] = l1
    throats["pore2_length"] = l2
    throats["throat_length"] = np.maximum(ctc - l1 - l2, 0.0)
    throats["total_length"] = ctc
    return throats


def _pore_shape_factor(pores, throats):
    """A pore's shape factor: the cross-section-weighted mean of its throats' (for Statoil export and
    the Valvatne-Blunt model); 1/(4 pi) (a circle) for a pore without throats."""
    n = len(pores)
    g = throats["shape_factor"].to_numpy()
    w = throats["cross_section_area"].to_numpy()
    conns = throats[["pore1", "pore2"]].to_numpy()
    total = np.bincount(conns.ravel(), np.repeat(g * w, 2), minlength=n)
    weight = np.bincount(conns.ravel(), np.repeat(w, 2), minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(weight > 0, total / weight, 1 / (4 * np.pi))
