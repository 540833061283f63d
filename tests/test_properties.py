"""Invariants, over many random images (hypothesis): the physics does not depend on how a
sample is held or on the units it is measured in.

- permeability scales with the voxel size squared, specific surface with its inverse;
- mirroring or transposing the image permutes the results accordingly;
- the flux is the same through every cross-section (network and Stokes mass balance);
- the porosity of a volume is the voxel-weighted mean of the porosities of its crops;
- every writable format gives back the data, dtype, voxel size and origin it was given.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dca
import flow

# derandomized: the same examples every run, so CI is reproducible (the project's rule for results)
_common = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
slow = settings(max_examples=5, **_common)
quick = settings(max_examples=25, **_common)

seeds = st.integers(0, 10_000)
porosities = st.floats(0.35, 0.6)
voxels = st.floats(1e-7, 2e-5)


def _image(n, porosity, seed, voxel=1e-6):
    return dca.samples.blobs(n, porosity=porosity, seed=seed, voxel_size=voxel)


@slow
@given(seed=seeds, porosity=porosities, h1=voxels, h2=voxels)
def test_permeability_scales_with_the_voxel_size_squared(seed, porosity, h1, h2):
    image = _image(14, porosity, seed).to_numpy()
    k1 = flow.stokes(image, axis="x", voxel_size=h1, inlet="periodic", lateral="periodic").k_m2
    k2 = flow.stokes(image, axis="x", voxel_size=h2, inlet="periodic", lateral="periodic").k_m2
    assert k2 == pytest.approx(k1 * (h2 / h1) ** 2, rel=1e-6, abs=0)


@quick
@given(seed=seeds, porosity=porosities, h1=voxels, h2=voxels)
def test_specific_surface_scales_with_the_inverse_voxel_size(seed, porosity, h1, h2):
    image = _image(16, porosity, seed).to_numpy()
    s1 = dca.metrics.specific_surface(image, voxel_size=h1)
    s2 = dca.metrics.specific_surface(image, voxel_size=h2)
    assert s2 == pytest.approx(s1 * h1 / h2, rel=1e-9)


@slow
@given(seed=seeds, porosity=porosities, flip=st.sampled_from([0, 1, 2]))
def test_mirroring_the_image_changes_no_permeability(seed, porosity, flip):
    image = _image(14, porosity, seed).to_numpy()
    k = flow.stokes(image, axis="x", voxel_size=1e-6).k_m2
    mirrored = flow.stokes(np.flip(image, axis=flip), axis="x", voxel_size=1e-6).k_m2
    assert mirrored == pytest.approx(k, rel=1e-5, abs=1e-30)


@slow
@given(seed=seeds, porosity=porosities)
def test_transposing_the_image_permutes_the_axes(seed, porosity):
    image = _image(14, porosity, seed).to_numpy()
    swapped = np.swapaxes(image, 0, 2)  # array z <-> x
    k_x = flow.stokes(image, axis="x", voxel_size=1e-6).k_m2
    assert flow.stokes(swapped, axis="z", voxel_size=1e-6).k_m2 == pytest.approx(k_x, rel=1e-5, abs=1e-30)
    t_y = flow.tortuosity(image, axis="y", voxel_size=1e-6).tau
    assert flow.tortuosity(np.swapaxes(image, 0, 1), axis="z", voxel_size=1e-6).tau == pytest.approx(t_y, rel=1e-5)


@slow
@given(seed=seeds, porosity=porosities)
def test_stokes_and_network_conserve_mass(seed, porosity):
    v = _image(32, porosity, seed)
    s = flow.stokes(v, axis="x")
    assert s.permeability.mass_balance < 1e-9
    net = dca.network.extract(v)
    k = flow.permeability(net, axis="x")
    assert k.mass_balance < 1e-9 or k.reason


@quick
@given(seed=seeds, porosity=porosities, cut=st.integers(1, 15), axis=st.sampled_from([0, 1, 2]))
def test_porosity_of_a_volume_is_the_weighted_mean_of_its_crops(seed, porosity, cut, axis):
    v = _image(16, porosity, seed)
    index = [slice(None)] * 3
    index[axis] = slice(0, cut)
    first = v[tuple(index)]
    index[axis] = slice(cut, None)
    second = v[tuple(index)]
    mean = (dca.metrics.porosity(first) * first.size + dca.metrics.porosity(second) * second.size) / v.size
    assert dca.metrics.porosity(v) == pytest.approx(mean, rel=1e-12)


_FORMATS = [".npy", ".npz", ".h5", ".mhd", ".nrrd", ".vti", ".zarr", ".tif", ".raw"]


@quick
@given(shape=st.tuples(st.integers(1, 6), st.integers(1, 7), st.integers(1, 8)),
       dtype=st.sampled_from(["uint8", "uint16", "int16", "float32"]),
       voxel=st.tuples(voxels, voxels, voxels), seed=seeds, suffix=st.sampled_from(_FORMATS))
def test_every_format_round_trips_data_dtype_and_voxel_size(tmp_path_factory, shape, dtype, voxel, seed, suffix):
    rng = np.random.default_rng(seed)
    data = (rng.random(shape) * 200).astype(dtype)
    v = dca.Volume(data, voxel_size=voxel)
    path = tmp_path_factory.mktemp("rt") / f"v{suffix}"
    dca.write(v, path)
    options = {"shape": shape, "dtype": dtype} if suffix == ".raw" else {}
    if suffix in (".raw", ".npy"):  # formats that keep no voxel size
        options["voxel_size"] = voxel
    back = dca.read(path, lazy=False, **options)
    assert back.shape == v.shape and back.dtype == v.dtype
    np.testing.assert_array_equal(back.to_numpy(), data)
    np.testing.assert_allclose(back.voxel_size, v.voxel_size, rtol=1e-9)
