"""The case runner: stages in dependency order, each cached by the hash of its inputs and parameters.

A stage is a function ``(ctx, params, **upstream values) -> Output``. Stages register
themselves with ``@stage`` in ``_stages`` and ``_series`` (dca), ``_flow_stages`` and
``_mesh_stages`` (they call flow and meshing inside the stage, so only a case that uses them
imports them: the runner sits at the top of the stack).
"""

from __future__ import annotations

import copyreg
import dataclasses
import hashlib
import json
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .._errors import DcaError, InputError

__all__ = ["stage", "Output", "Context", "STAGES", "run_stages", "check_sections", "StageError", "stage_reference"]

def _proxy(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


# the read-only mappings of Volume, Network and Mesh are cached as plain dicts
copyreg.pickle(MappingProxyType, lambda m: (_proxy, (dict(m),)))


@dataclass
class Output:
    """What a stage hands on and reports.

    ``value``: passed to the stages that depend on this one; ``numbers``: {name: (value,
    unit)} for results.json; ``files``: written exports; ``figures``: {title: PNG path};
    ``tables``: {title: list of row dicts} for the report.
    """

    value: Any = None
    numbers: dict[str, tuple[Any, str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)
    tables: dict[str, list[dict]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Stage:
    name: str
    func: Callable
    needs: tuple[str, ...]
    optional: tuple[str, ...]
    title: str
    keys: tuple[str, ...]  # what a case may set in its section; anything else is refused


STAGES: dict[str, _Stage] = {}


def stage(name: str, *, keys, needs=(), optional=(), title: str | None = None):
    """Register a stage: ``keys`` are the keys its section may hold (a typo is refused with
    the closest one); ``needs`` are stages whose values it takes as keyword arguments;
    ``optional`` ones are passed when the case has them (else None)."""
    def register(func):
        STAGES[name] = _Stage(name, func, tuple(needs), tuple(optional), title or name.replace("_", " "), tuple(keys))
        return func
    return register


def _check_keys(name: str, params: dict) -> None:
    """Refuse a key the stage does not know, naming the closest known one."""
    import difflib

    known = STAGES[_kind(name)].keys
    for key in params:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            listed = ", ".join(known) or "none"
            raise InputError(f"unknown key {key!r} in [{name}]{hint} (its keys: {listed})")


class StageError(DcaError, RuntimeError):
    """A stage failed; the message names it. Results of the stages before it are kept."""


@dataclass
class Context:
    """What every stage may use: where to write, the case folder, the seed, progress."""

    out_dir: str
    case_dir: str
    seed: int
    progress: bool
    prefix: str = ""  # for a second stage of a kind ([metrics.particles] writes particles_psd.png)
    sections: dict = field(default_factory=dict)  # the whole case, for stages that restate another's input

    def path(self, name: str) -> str:
        return os.path.join(self.out_dir, self.prefix + name)


def _load_plugins() -> None:
    from . import _flow_stages, _mesh_stages, _series, _stages  # noqa: F401  (importing registers them)


def stage_reference() -> str:
    """Every stage a case file may declare: its section, what it needs, and its keys (the
    stage's docstring). What ``dca run --stages`` prints."""
    import inspect

    _load_plugins()
    parts = []
    for name, spec in STAGES.items():
        needs = ", ".join(f"[{d}]" for d in spec.needs) or "nothing"
        optional = f"; uses {', '.join(f'[{d}]' for d in spec.optional)} where the case has it" if spec.optional else ""
        doc = inspect.getdoc(spec.func) or ""
        body = "\n".join("    " + line if line else "" for line in doc.splitlines())
        keys = f"\n    keys: {', '.join(spec.keys)}" if spec.keys else ""
        parts.append(f"[{name}]  {spec.title}; needs {needs}{optional}\n{body}{keys}".rstrip())
    return "\n\n".join(parts) + "\n"


def _kind(section: str) -> str:
    """The stage a section runs: ``[metrics.particles]`` is a second [metrics]."""
    return section.split(".", 1)[0]


def _order(names: list[str]) -> list[str]:
    """The case's sections, each after the sections it needs (by stage name: a [metrics.x]
    section needs [segment], not [segment.y])."""
    done: list[str] = []

    def visit(name, chain=()):
        if name in done:
            return
        if name in chain:
            raise InputError(f"stages depend on each other in a circle: {' -> '.join(chain + (name,))}")
        if _kind(name) not in STAGES:
            raise InputError(f"unknown stage [{name}]; the runner knows {sorted(STAGES)}")
        spec = STAGES[_kind(name)]
        for dep in spec.needs:
            if dep not in names:
                raise InputError(f"stage [{name}] needs [{dep}]; add a [{dep}] section to the case")
            visit(dep, chain + (name,))
        for dep in spec.optional:
            if dep in names:
                visit(dep, chain + (name,))
        done.append(name)

    for n in names:
        visit(n)
    return done


def _code_hash(func) -> str:
    """The stage function's own source: editing a stage invalidates its cache (and its
    dependants'), even when the package version has not changed."""
    import inspect

    try:
        return hashlib.sha256(inspect.getsource(func).encode()).hexdigest()[:16]
    except (OSError, TypeError):
        return ""


def _key(name: str, params: dict, upstream: dict[str, str], extra: dict) -> str:
    blob = json.dumps({"stage": name, "params": params, "upstream": upstream, **extra}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def check_sections(sections: dict[str, dict]) -> list[str]:
    """The sections in the order they run, after refusing an unknown stage, a missing one
    that another needs, a circle, or a key a stage does not know."""
    _load_plugins()
    order = _order(list(sections))
    for name in order:
        _check_keys(name, sections[name])
    return order


def run_stages(sections: dict[str, dict], ctx: Context, *, extra_key: dict, log=print) -> dict:
    """Run the stages named by ``sections`` (name -> params) in dependency order.

    Returns {name: {"output": Output, "key": str, "cached": bool, "seconds": float}}. A stage
    whose key (its parameters, the keys of its inputs, ``extra_key``, its function's source)
    matches a cached run is loaded instead of run. A failing stage raises StageError naming
    it; finished stages stay cached and their outputs stay on disk. With ``ctx.progress``, a
    bar over the stages names the one that runs.
    """
    order = check_sections(sections)
    cache_dir = os.path.join(ctx.out_dir, ".cache")
    os.makedirs(cache_dir, exist_ok=True)
    bar = None
    if ctx.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(order), desc="case", unit="stage", leave=False, delay=1.0)
        if log is print:
            log = bar.write  # lines above the bar, not through it
    try:
        return _run(order, sections, ctx, extra_key, log, bar, cache_dir)
    finally:
        if bar is not None:
            bar.close()


def _run(order, sections, ctx, extra_key, log, bar, cache_dir) -> dict:
    """Each stage in ``order``: loaded from the cache when its key matches, else run and cached."""
    done: dict[str, dict] = {}
    for name in order:
        if bar is not None:
            bar.set_description(f"[{name}]")
        spec = STAGES[_kind(name)]
        params = dict(sections[name])
        deps = [d for d in spec.needs + spec.optional if d in done]
        key = _key(name, params, {d: done[d]["key"] for d in deps}, {**extra_key, "code": _code_hash(spec.func)})
        cache = os.path.join(cache_dir, f"{name}-{key[:20]}.pkl")
        start = time.perf_counter()
        stored = _load(cache)
        if stored is not None:
            output, cached = stored, True
        else:
            kwargs = {d: done[d]["output"].value if d in done else None for d in spec.needs + spec.optional}
            here = dataclasses.replace(ctx, prefix="" if name == spec.name else name.split(".", 1)[1] + "_")
            try:
                output = spec.func(here, params, **kwargs)
            except Exception as exc:  # name the stage; earlier results stay cached and written
                raise StageError(f"stage [{name}] failed: {type(exc).__name__}: {exc}") from exc
            output = _cache(output, cache, reread=spec.name == "input")
            cached = False
        seconds = time.perf_counter() - start
        title = spec.title if name == spec.name else f"{spec.title} ({name.split('.', 1)[1]})"
        done[name] = {"output": output, "key": key, "cached": cached, "seconds": seconds, "title": title}
        log(f"{name:<18s} {'cached' if cached else f'{seconds:6.1f} s'}")
        if bar is not None:
            bar.update(1)
    return done



def _load(cache: str) -> Output | None:
    """The cached output of a stage, or None: pickled to ``cache``, or (a lazy volume) to a
    folder beside it holding the pickle and the volume's arrays as Zarr."""
    for path in (cache, os.path.join(cache[:-len(".pkl")] + ".zarr", "output.pkl")):
        if os.path.exists(path):
            with open(path, "rb") as fh:
                return pickle.load(fh)
    return None


def _cache(output: Output, cache: str, *, reread: bool) -> Output:
    """Pickle ``output`` to ``cache``; returns the output the later stages get.

    A lazy volume (a scan too big for memory) is written chunk by chunk to Zarr in a folder
    beside the pickle, and the later stages read it from there instead of each computing its
    graph (a median filter, say) again. The input stage's lazy volume is only a reader: it is
    read again next time (``reread``), not copied.
    """
    import shutil

    from .._volume import Volume

    value = output.value
    if not (isinstance(value, Volume) and value.is_lazy):
        _pickle(output, cache)
        return output
    if reread:
        return output
    folder = cache[:-len(".pkl")] + ".zarr"
    tmp = folder + ".part"
    shutil.rmtree(tmp, ignore_errors=True)
    _stored(value, tmp)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)  # then the pickle, which reads the arrays from their place
    output = dataclasses.replace(output, value=_stored(value, folder, written=True))
    _pickle(output, os.path.join(folder, "output.pkl"))
    return output


def _stored(volume, folder: str, *, written: bool = False):
    """``volume`` read lazily from its data and mask in ``folder``, written first unless ``written``."""
    import dask.array as da

    arrays = {"data": volume.data} if volume.mask is None else {"data": volume.data, "mask": volume.mask}
    if not written:
        for name, array in arrays.items():
            array = da.asarray(array).rechunk(volume.data.chunksize)
            array.to_zarr(os.path.join(folder, name))
    return volume.replace(**{name: da.from_zarr(os.path.join(folder, name)) for name in arrays})


def _pickle(output: Output, path: str) -> None:
    tmp = path + ".part"
    with open(tmp, "wb") as fh:
        pickle.dump(output, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
