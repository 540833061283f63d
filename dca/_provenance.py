"""Provenance: where a volume came from (Source) and what was done to it (Step)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

__all__ = ["Source", "Step", "file_sha256"]

_HASH_BLOCK = 8 << 20


@lru_cache(maxsize=256)
def _sha256_cached(paths: tuple[str, ...], stamps: tuple[tuple[int, int], ...]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            while block := fh.read(_HASH_BLOCK):
                digest.update(block)
    return digest.hexdigest()


def _files_of(path: str) -> list[str]:
    if os.path.isdir(path):
        return sorted(os.path.join(root, name) for root, _, names in os.walk(path) for name in names)
    return [path]


def file_sha256(*paths: str | os.PathLike) -> str:
    """SHA-256 of the bytes of ``paths`` in order (folders: every file below, sorted).

    Cached by (path, size, modification time), so asking twice costs nothing.
    """
    files = tuple(f for p in paths for f in _files_of(os.fspath(p)))
    stamps = tuple((os.stat(f).st_size, os.stat(f).st_mtime_ns) for f in files)
    return _sha256_cached(files, stamps)


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Source:
    """The file(s) a volume was read from.

    The checksum is computed on first request (``source.sha256``), not at read time, so
    opening a 2 GB file stays instant.
    """

    paths: tuple[str, ...]
    format: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "paths", tuple(os.path.abspath(os.fspath(p)) for p in self.paths))
        object.__setattr__(self, "options", _frozen(self.options))

    @property
    def sha256(self) -> str:
        """SHA-256 of the source file(s), hex."""
        return file_sha256(*self.paths)

    def to_dict(self, *, checksum: bool = True) -> dict[str, Any]:
        out = {"paths": list(self.paths), "format": self.format, "options": _jsonable(self.options)}
        if checksum:
            out["sha256"] = self.sha256
        return out


@dataclass(frozen=True)
class Step:
    """One operation applied to a volume, with the parameters it was called with."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "params", _frozen(self.params))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "params": _jsonable(self.params)}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


def _jsonable(value):
    """Plain JSON types for results files (tuples to lists, NumPy scalars to Python)."""
    import numpy as np

    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, slice):
        return [value.start, value.stop, value.step]
    return repr(value)
