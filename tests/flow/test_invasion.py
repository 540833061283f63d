"""A flow-cell series against the network drainage simulation."""

import numpy as np
import pytest

import dca
import flow


@pytest.mark.slow
def test_measured_interface_pressure_rises_with_saturation_beside_the_drainage_curve():
    steps = [dca.samples.partially_saturated(80, saturation=s, seed=2) for s in (0.8, 0.5, 0.3)]
    series = dca.series.Series(steps, coords=[1, 2, 3], unit="uL", name="injected")
    table = dca.series.invasion(series, nonwetting="air", wetting="water", surface_tension=0.072)
    assert table["nonwetting_saturation"].is_monotonic_increasing
    assert table["capillary_pressure_pa"].is_monotonic_increasing  # drainage: Pc grows as air invades
    pore = steps[0].replace(data=steps[0].to_numpy() != 2, phases={})
    result = flow.drainage(dca.network.extract(pore), axis="x", surface_tension=0.072, contact_angle=0)
    both = flow.invasion_vs_drainage(table, result)
    np.testing.assert_allclose(both["wetting_saturation"], 1 - table["nonwetting_saturation"])
    assert both["simulated_pc_pa"].is_monotonic_increasing  # the simulated curve too, as water drains
    assert np.all((both["ratio"] > 0.1) & (both["ratio"] < 10))
    with pytest.raises(dca.InputError, match="dca.series.invasion"):
        flow.invasion_vs_drainage(table.drop(columns="capillary_pressure_pa"), result)
