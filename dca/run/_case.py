"""A case study: case.toml in, results.json (every number with its unit, and provenance) and
report.html out."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from dataclasses import dataclass

from .._errors import InputError, MissingFileError
from ..io._atomic import write_text
from ._engine import Context, check_sections, run_stages
from ._report import write_report

__all__ = ["run_case", "run_case_beside", "CaseResult", "load_case", "check_expected"]

_PACKAGES = ("dca", "numpy", "scipy", "scikit-image", "porespy", "openpnm", "pyamg", "SimpleITK", "meshio",
             "pyvista", "edt", "numba", "pandas", "matplotlib")


@dataclass(frozen=True)
class CaseResult:
    out_dir: str
    results: dict
    report: str
    files: tuple[str, ...]


def load_case(path) -> dict:
    """The case file (or an already parsed case dict) with ``[case]`` (name, title, seed) filled in."""
    if isinstance(path, dict):
        case = {k: dict(v) for k, v in path.items()}
        default_name = "case"
    else:
        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib

        if not os.path.isfile(path):
            raise MissingFileError(f"no case file at {path}; give the path of a case.toml "
                                   "(for example case_studies/sandstone_berea/case.toml)")
        with open(path, "rb") as fh:
            try:
                case = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise InputError(f"{path} is not valid TOML: {exc}") from exc
        default_name = os.path.basename(os.path.dirname(os.path.abspath(path)))
    meta = case.setdefault("case", {})
    meta.setdefault("name", default_name)
    meta.setdefault("title", meta["name"].replace("_", " "))
    meta.setdefault("seed", 0)
    if "input" not in case:
        raise InputError(f"{path} has no [input] section: every case starts from a volume")
    return case


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _input_checksums(case: dict, case_dir: str) -> dict:
    """sha256 of every file the case reads ([input] path, [series] paths), or the generator's
    parameters: part of every stage's cache key and of the provenance."""
    from .._provenance import file_sha256

    spec = case["input"]
    if "path" not in spec:
        out = {"generated": spec.get("sample", {})}
    else:
        path = spec["path"] if os.path.isabs(spec["path"]) else os.path.join(case_dir, spec["path"])
        if not os.path.exists(path):
            raise MissingFileError(f"the case's input {os.path.normpath(path)} does not exist; see the case's "
                                   "README for where the data comes from")
        out = {os.path.basename(path): file_sha256(path)}
    paths = case.get("series", {}).get("paths") if isinstance(case.get("series"), dict) else None
    if paths:
        from ._series import series_files

        files = [f for f in series_files(paths, case_dir) if os.path.isfile(f)]
        out["series"] = {os.path.basename(f): file_sha256(f) for f in files}
    return out


def run_case(path, out_dir: str | None = None, *, size: int | None = None, progress: bool = True,
             log=print, case_dir: str | None = None) -> CaseResult:
    """Run the pipeline that ``path`` (a case.toml, or the same as a dict) declares, into
    ``out_dir`` (default ``dca_output/<case name>``). ``size`` crops the input to its first N
    voxels along each axis (the reduced runs of the tests). Stages already run with the same
    inputs and parameters are loaded from ``out_dir/.cache``. Relative input paths are read
    from ``case_dir`` (default: the case file's folder, or the working directory)."""
    case = load_case(path)
    if case_dir is None:
        case_dir = os.getcwd() if isinstance(path, dict) else os.path.dirname(os.path.abspath(path))
    name = case["case"]["name"]
    out_dir = out_dir or os.path.join("dca_output", name)
    sections = _sections(case)
    if size is not None:
        sections["input"] = {**sections["input"], "size": int(size)}
    check_sections(sections)  # a typo or a missing stage is said before anything is written
    checksums = _input_checksums(case, case_dir)
    versions = _versions()
    ctx = Context(out_dir=out_dir, case_dir=case_dir, seed=int(case["case"]["seed"]), progress=progress,
                  sections=sections)
    fresh = not os.path.exists(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    try:
        with _cluster(case.get("compute", {})):
            done = run_stages(sections, ctx, extra_key={"versions": versions, "inputs": checksums,
                                                        "seed": ctx.seed}, log=log)
    except BaseException:
        cache = os.path.join(out_dir, ".cache")
        if fresh and not (os.path.isdir(cache) and os.listdir(cache)):  # nothing finished: leave nothing
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    results = {
        "case": case["case"],
        "results": {stage: {k: {"value": v, "unit": u} for k, (v, u) in d["output"].numbers.items()}
                    for stage, d in done.items()},
        "stages": {stage: {"seconds": round(d["seconds"], 3), "cached": d["cached"], "key": d["key"][:20]}
                   for stage, d in done.items()},
        "provenance": {"versions": versions, "inputs": checksums, "parameters": sections, "seed": ctx.seed,
                       "case_file": None if isinstance(path, dict) else os.path.abspath(path)},
    }
    files = [write_text(os.path.join(out_dir, "results.json"), json.dumps(results, indent=2, default=_plain) + "\n")]
    report = write_report(os.path.join(out_dir, "report.html"), case, done, results)
    files.append(report)
    for d in done.values():
        files += d["output"].files + list(d["output"].figures.values())
    return CaseResult(out_dir, results, report, tuple(files))


def run_case_beside(notebook_file: str | None = None, **options) -> CaseResult:
    """Run the case.toml in the folder of ``notebook_file`` (a case study's notebook; the
    working directory when None, as in Jupyter). The environment may shrink or redirect the
    run: ``DCA_CASE_SIZE`` (the reduced size the tests use) and ``DCA_CASE_OUT`` (default
    ``dca_output/<case folder>``)."""
    here = os.path.dirname(os.path.abspath(notebook_file)) if notebook_file else os.getcwd()
    size = int(os.environ.get("DCA_CASE_SIZE", "0")) or None
    out = os.environ.get("DCA_CASE_OUT") or os.path.join("dca_output", os.path.basename(here))
    return run_case(os.path.join(here, "case.toml"), out, size=size, **{"progress": False, **options})


_COMPUTE_KEYS = ("scheduler", "workers", "memory_limit")


def _cluster(spec: dict):
    """The case's ``[compute]`` section (``scheduler``, ``workers``, ``memory_limit``; see
    dca.compute), unless the caller already runs on a cluster (``dca run --scheduler``)."""
    import contextlib

    from ..compute import compute

    unknown = sorted(set(spec) - set(_COMPUTE_KEYS))
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r} in [compute]; its keys: {', '.join(_COMPUTE_KEYS)}")
    try:
        from distributed import default_client

        default_client()
        return contextlib.nullcontext()  # a client is already active: the command line's
    except (ImportError, ValueError):
        return compute(**spec)


def _sections(case: dict) -> dict:
    """Stage sections by name; an array of tables (``[[metrics]]``) gives several stages of one
    kind, the second and later named ``metrics.<name>`` (their ``name`` key, else their index)."""
    out = {}
    for kind, spec in case.items():
        if kind in ("case", "compute"):
            continue
        if isinstance(spec, list):
            for i, item in enumerate(spec):
                item = dict(item)
                label = item.pop("name", None)
                out[kind if i == 0 and label is None else f"{kind}.{label or i}"] = item
        else:
            out[kind] = spec
    return out


def _plain(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def check_expected(results: dict, expected: dict) -> list[str]:
    """Differences between ``results`` (results.json) and ``expected`` (expected.json:
    {"results": {stage: {name: {"value": v, "rel": r} or {"value": v, "abs": a}}}}, where a
    list value, a history, is compared element by element); [] when all agree."""
    problems = []
    for stage, numbers in expected.get("results", {}).items():
        for name, want in numbers.items():
            got = results["results"].get(stage, {}).get(name)
            if got is None:
                problems.append(f"{stage}.{name}: missing from the results")
                continue
            value, target = got["value"], want["value"]
            if isinstance(target, (bool, str)) or isinstance(value, (bool, str)):
                ok = value == target
            elif isinstance(target, list) or isinstance(value, list):  # a history: element by element
                ok = (isinstance(target, list) and isinstance(value, list) and len(value) == len(target)
                      and all(_close(v, t, want) for v, t in zip(value, target)))
            else:
                ok = _close(value, target, want)
            if not ok:
                bound = f"abs {want['abs']}" if "abs" in want else f"rel {want.get('rel', 1e-9)}"
                problems.append(f"{stage}.{name}: got {value!r}, expected {target!r} ({bound})")
    return problems


def _close(value, target, want) -> bool:
    tol = want.get("abs", abs(target) * want.get("rel", 1e-9))
    return abs(value - target) <= tol
