"""The napari reader plugin: layers at the volume's voxel size, phases as labels."""

import numpy as np
import pytest

import dca
from dca._napari import get_reader, read_layers
from tests.helpers.amira import write_am
from tests.helpers.cfb import write_txm


@pytest.fixture
def files(tmp_path):
    dca.write(dca.samples.electrode(24, seed=1), tmp_path / "e.zarr")
    write_am(tmp_path / "g.am", (np.arange(6 * 7 * 8).reshape(6, 7, 8) % 251).astype(np.uint8),
             spacing=(2.5, 2.5, 2.5), unit="µm")
    write_txm(str(tmp_path / "s.txm"), np.full((5, 6, 7), 3, np.uint16), pixel_size_um=1.5)
    np.save(tmp_path / "a.npy", np.zeros((3, 3, 3)))
    return tmp_path


def test_layers_carry_the_voxel_size_and_segmented_volumes_their_phases(files):
    (data, attrs, kind), = read_layers(str(files / "e.zarr"))
    assert kind == "labels" and attrs["scale"] == pytest.approx((0.4, 0.4, 0.4))  # micrometres
    assert attrs["features"] == {"index": [0, 1, 2], "phase": ["pore", "active", "binder"]}
    assert attrs["metadata"]["voxel_size_m"] == pytest.approx((4e-7,) * 3) and data.shape == (24, 24, 24)
    (data, attrs, kind), = read_layers(str(files / "g.am"))
    assert kind == "image" and attrs["scale"] == pytest.approx((2.5, 2.5, 2.5)) and data.shape == (6, 7, 8)
    (data, attrs, kind), = read_layers([str(files / "s.txm")])
    assert kind == "image" and attrs["scale"] == pytest.approx((1.5, 1.5, 1.5))
    assert attrs["axis_labels"] == ("z", "y", "x")
    # formats without a voxel size, and anything else, are left to other readers
    assert get_reader(str(files / "a.npy")) is None and get_reader(str(files / "notes.txt")) is None
    assert get_reader([str(files / "g.am"), str(files / "s.txm")]) is None
    assert get_reader(str(files / "g.am")) is read_layers


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # napari's own pydantic noise, not ours
def test_napari_opens_txm_am_and_zarr_at_their_scale_headless(files):
    pytest.importorskip("napari")
    from napari.components import ViewerModel
    from napari.plugins import _initialize_plugins

    _initialize_plugins()
    viewer = ViewerModel()  # the viewer's model: no window, no Qt
    for name, scale, kind in (("e.zarr", 0.4, "Labels"), ("g.am", 2.5, "Image"), ("s.txm", 1.5, "Image")):
        layer, = viewer.open(str(files / name), plugin="dca")
        assert type(layer).__name__ == kind and np.allclose(layer.scale, scale)
        assert [str(u) for u in layer.units] == ["micrometer"] * 3
    assert list(viewer.layers[0].features["phase"]) == ["pore", "active", "binder"]
