"""Length units: parsing user input such as ``"5.345um"`` and formatting lengths for people.

Everything inside the package is SI (metres). Conversions that must round-trip exactly
(a voxel size written to a file in micrometres and read back) go through ``decimal`` so
that ``from_unit(to_unit(x, u), u) == x`` holds bit for bit.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from ._errors import InputError

__all__ = ["M2_PER_MILLIDARCY", "LENGTH_UNITS", "parse_length", "parse_voxel_size",
           "format_length", "to_unit", "from_unit", "unit_factor"]

#: One millidarcy in square metres.
M2_PER_MILLIDARCY = 9.869233e-16

#: Metres per unit, as exact decimal strings (keys are lower-case spellings).
LENGTH_UNITS = {
    "m": "1", "meter": "1", "metre": "1", "meters": "1", "metres": "1",
    "cm": "1e-2", "centimeter": "1e-2", "centimetre": "1e-2",
    "mm": "1e-3", "millimeter": "1e-3", "millimetre": "1e-3",
    "um": "1e-6", "µm": "1e-6", "μm": "1e-6", "micron": "1e-6", "microns": "1e-6",
    "micrometer": "1e-6", "micrometre": "1e-6",
    "nm": "1e-9", "nanometer": "1e-9", "nanometre": "1e-9",
}

_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Zµμ]*)\s*$")


def unit_factor(unit: str) -> Decimal:
    """Metres per ``unit`` as an exact Decimal; raises InputError for an unknown unit."""
    key = unit.strip().lower()
    if key not in LENGTH_UNITS:
        known = ", ".join(sorted({"m", "mm", "um", "nm", "cm"}))
        raise InputError(f"unknown length unit {unit!r}; use one of {known}")
    return Decimal(LENGTH_UNITS[key])


def to_unit(metres: float, unit: str) -> str:
    """Express ``metres`` in ``unit`` as a decimal string that converts back exactly."""
    value = Decimal(repr(float(metres))) / unit_factor(unit)
    return format(value.normalize(), "f") if abs(value) >= Decimal("1e-6") else str(value)


def from_unit(value: str | float, unit: str) -> float:
    """Convert a number given in ``unit`` to metres (exact decimal scaling, then rounding once)."""
    return float(Decimal(str(value).strip()) * unit_factor(unit))


def parse_length(text: str | float) -> float:
    """Parse a length: a bare number is metres, or a number with a unit suffix.

    Examples
    --------
    >>> parse_length("5.345um")
    5.345e-06
    >>> parse_length(2e-3)
    0.002
    """
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        match = _NUMBER_UNIT.match(str(text))
        if not match:
            raise InputError(f"cannot read {text!r} as a length; write metres (5.345e-6) "
                             "or a number with a unit (5.345um, 0.1mm)")
        number, unit = match.groups()
        value = from_unit(number, unit) if unit else float(number)
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"a length must be positive and finite, got {text!r}")
    return value


def parse_voxel_size(text: str) -> tuple[float, float, float]:
    """Parse ``"5.345um"`` (isotropic) or ``"2um,1um,1um"`` (dz, dy, dx) into metres."""
    parts = [p for p in str(text).split(",") if p.strip()]
    if len(parts) not in (1, 3):
        raise InputError(f"voxel size {text!r} must be one length or three (dz,dy,dx), "
                         "e.g. 5.345um or 2um,1um,1um")
    values = [parse_length(p) for p in parts]
    return tuple(values * 3 if len(values) == 1 else values)  # type: ignore[return-value]


def format_length(metres: float, digits: int = 4) -> str:
    """A length in the unit that reads best: ``format_length(5.345e-6) == '5.345 µm'``."""
    if metres == 0 or not math.isfinite(metres):
        return f"{metres:g} m"
    for unit, factor in (("m", 1.0), ("mm", 1e-3), ("µm", 1e-6), ("nm", 1e-9)):
        if abs(metres) >= factor:
            return f"{metres / factor:.{digits}g} {unit}"
    return f"{metres / 1e-9:.{digits}g} nm"
