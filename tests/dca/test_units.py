import random

import pytest

from dca import InputError, format_length, parse_length
from dca._units import M2_PER_MILLIDARCY, from_unit, parse_voxel_size, to_unit


@pytest.mark.parametrize("text, metres", [
    ("5.345e-6", 5.345e-6), ("5.345um", 5.345e-6), ("5.345 µm", 5.345e-6), ("0.1mm", 1e-4),
    ("250nm", 2.5e-7), ("2 microns", 2e-6), (3e-6, 3e-6), ("1m", 1.0),
])
def test_parse_length(text, metres):
    assert parse_length(text) == pytest.approx(metres, rel=1e-15)


@pytest.mark.parametrize("bad", ["five", "5 furlongs", "-1um", "0", ""])
def test_parse_length_rejects_with_a_hint(bad):
    with pytest.raises(InputError):
        parse_length(bad)


def test_voxel_size_strings():
    assert parse_voxel_size("5um") == (5e-6,) * 3
    assert parse_voxel_size("2um,1um,1e-6") == (2e-6, 1e-6, 1e-6)
    with pytest.raises(InputError, match="one length or three"):
        parse_voxel_size("1um,2um")


def test_unit_conversion_round_trips_bit_for_bit():
    rng = random.Random(3)
    for _ in range(20000):
        x = rng.uniform(1e-9, 1e-2)
        for unit in ("um", "mm", "nm", "m"):
            assert from_unit(to_unit(x, unit), unit) == x


def test_constants_and_formatting():
    assert M2_PER_MILLIDARCY == 9.869233e-16
    assert format_length(5.345e-6) == "5.345 µm"
    assert format_length(2.138e-3) == "2.138 mm"
