"""When a volume opens lazily, and what dca info reads of a big one."""

import json

import numpy as np
import pytest

import dca
from dca.cli import main


def test_a_volume_of_exactly_the_threshold_opens_lazily(tmp_path, monkeypatch):
    data = np.zeros((16, 16, 16), np.uint8)  # 4096 bytes
    np.save(tmp_path / "v.npy", data)
    monkeypatch.setattr(dca.io._registry, "LAZY_THRESHOLD_BYTES", 4096)
    assert dca.read(tmp_path / "v.npy", voxel_size=1e-6).is_lazy  # was eager: the test was "above"
    monkeypatch.setattr(dca.io._registry, "LAZY_THRESHOLD_BYTES", 4097)
    assert not dca.read(tmp_path / "v.npy", voxel_size=1e-6).is_lazy


def test_little_memory_makes_smaller_volumes_lazy(tmp_path, monkeypatch):
    np.save(tmp_path / "v.npy", np.zeros((16, 16, 16), np.uint8))
    monkeypatch.setenv("DCA_MEMORY_LIMIT", str(8 * 4096))  # an eighth of it is the volume's size
    assert dca.read(tmp_path / "v.npy", voxel_size=1e-6).is_lazy
    monkeypatch.setenv("DCA_MEMORY_LIMIT", str(8 * 4096 + 8))
    assert not dca.read(tmp_path / "v.npy", voxel_size=1e-6).is_lazy


def test_info_summarises_a_big_volume_from_a_strided_sample_unless_asked(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(0)
    data = rng.integers(100, 200, size=(40, 40, 40), dtype=np.uint16)
    np.save(tmp_path / "v.npy", data)
    monkeypatch.setattr(dca.cli._info, "SAMPLE_VOXELS", 8000)  # 64000 voxels: every 2nd along each axis
    assert main(["info", str(tmp_path / "v.npy"), "--voxel-size", "1um", "--json"]) == 0
    sampled = json.loads(capsys.readouterr().out)["grey_levels"]
    assert sampled["stride"] == 2 and sampled["voxels"] == 8000
    assert sampled["mean"] == pytest.approx(data[::2, ::2, ::2].mean())
    assert main(["info", str(tmp_path / "v.npy"), "--voxel-size", "1um", "--json", "--exact"]) == 0
    exact = json.loads(capsys.readouterr().out)["grey_levels"]
    assert exact["stride"] == 1 and exact["voxels"] == data.size and exact["mean"] == pytest.approx(data.mean())
    assert abs(sampled["mean"] - exact["mean"]) < 0.01 * exact["mean"]  # the sample is representative
