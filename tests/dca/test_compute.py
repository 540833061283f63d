"""dask.distributed: the same calls on a LocalCluster of worker processes give the same numbers."""

import json

import dask.array as da
import pytest

import dca
from dca.cli import main
from dca.compute import compute, scheduler_address


def test_lazy_metrics_on_two_worker_processes_equal_the_in_memory_ones(tmp_path, capsys):
    v = dca.samples.blobs(48, porosity=0.35, seed=3, voxel_size=2e-6)
    lazy = v.replace(data=da.from_array(v.to_numpy(), chunks=(11, 48, 48)))
    dca.write(v.replace(data=v.to_numpy().astype("uint8")), tmp_path / "v.zarr")
    with compute("local", workers=2, memory_limit="1GB") as client:
        assert len(client.scheduler_info()["workers"]) == 2
        assert dca.metrics.porosity(lazy) == dca.metrics.porosity(v)
        assert dca.metrics.specific_surface(lazy) == pytest.approx(dca.metrics.specific_surface(v), rel=1e-12)
        # the command line inside an active client uses it too
        assert main(["info", str(tmp_path / "v.zarr"), "--json"]) == 0
    on_cluster = json.loads(capsys.readouterr().out)["grey_levels"]
    assert main(["info", str(tmp_path / "v.zarr"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["grey_levels"] == on_cluster


def test_a_case_declares_its_cluster(tmp_path):
    from dca.run import run_case

    case = {"case": {"name": "c"}, "input": {"sample": {"generator": "blobs", "shape": 32, "porosity": 0.4}},
            "segment": {"method": "none"}, "metrics": {}}
    here = run_case(case, str(tmp_path / "threads"), progress=False, log=lambda *a: None)
    there = run_case({**case, "compute": {"scheduler": "local", "workers": 2}}, str(tmp_path / "cluster"),
                     progress=False, log=lambda *a: None)
    assert there.results["results"]["metrics"] == here.results["results"]["metrics"]
    with pytest.raises(dca.InputError, match="unknown key 'nodes' in \\[compute\\]"):
        run_case({**case, "compute": {"nodes": 4}}, str(tmp_path / "bad"), progress=False, log=lambda *a: None)


def test_the_scheduler_comes_from_the_call_then_the_environment(monkeypatch):
    monkeypatch.delenv("DCA_SCHEDULER", raising=False)
    assert scheduler_address() is None
    monkeypatch.setenv("DCA_SCHEDULER", "tcp://10.0.0.1:8786")
    assert scheduler_address() == "tcp://10.0.0.1:8786" and scheduler_address("local") == "local"
    monkeypatch.setenv("DCA_SCHEDULER", "somewhere")
    with pytest.raises(dca.InputError, match="tcp://host:8786"):
        scheduler_address()
