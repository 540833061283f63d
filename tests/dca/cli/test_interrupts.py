"""SIGINT and SIGTERM during a write: one line, a non-zero status, and nothing left behind."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.npy"
    data = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint16, shape=(256, 512, 512))
    data[:] = np.random.default_rng(0).integers(0, 60000, size=data.shape, dtype=np.uint16)  # incompressible
    data.flush()
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("suffix", [".zarr", ".h5"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_convert_leaves_nothing(big, tmp_path, suffix, sig):
    out = tmp_path / f"out{suffix}"
    proc = subprocess.Popen([sys.executable, "-m", "dca", "convert", str(big), str(out), "--voxel-size", "1um"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(name.startswith(f".out{suffix}.") for name in os.listdir(tmp_path)):  # the write has begun
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else "no start"
        time.sleep(0.01)
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig
    assert err.strip().splitlines() == ["dca convert: interrupted; nothing was written"]
    assert os.listdir(tmp_path) == []
