"""The voxel solvers' progress bars watch the solve and change nothing in it."""

import pytest

import dca
import flow


@pytest.mark.parametrize("solve, label", [(flow.stokes, "Stokes: BiCGStab"), (flow.tortuosity, "tortuosity: CG")])
def test_a_progress_bar_counts_the_iterations_and_changes_nothing(solve, label, capsys, monkeypatch):
    import tqdm.auto

    v = dca.samples.blobs(24, porosity=0.4, seed=8, voxel_size=1e-6)
    quiet = solve(v, axis="x")
    bars = []
    make = tqdm.auto.tqdm

    def shown(*args, **kwargs):  # without the one-second delay, so a short solve draws its bar
        bars.append(make(*args, **{**kwargs, "delay": 0, "mininterval": 0}))
        return bars[-1]

    monkeypatch.setattr(tqdm.auto, "tqdm", shown)
    watched = solve(v, axis="x", progress=True)
    timeless = lambda r: {k: v for k, v in r.to_dict().items() if k != "seconds"}  # noqa: E731
    assert timeless(watched) == timeless(quiet)
    assert len(bars) == 1 and bars[0].n == quiet.iterations > 0
    err = capsys.readouterr().err
    assert label in err and "residual" in err
