import math

import pytest

from dca import InputError
from dca.instrument import Geometry, design_for, geometric_magnification, total_resolution


def test_formulas_by_hand():
    g = Geometry(source_to_object=0.02, object_to_detector=0.18, detector_pixel=127e-6, spot_size=5e-6)
    assert g.geometric_magnification == pytest.approx(10.0)
    assert g.spot_blur == pytest.approx(5e-6 * 9 / 10)
    assert g.detector_blur == pytest.approx(12.7e-6)
    assert g.voxel_size == pytest.approx(12.7e-6)
    assert g.resolution == pytest.approx(math.sqrt(12.7**2 + 4.5**2) * 1e-6)
    assert g.field_of_view(2000) == pytest.approx(25.4e-3)
    assert g.resolves(30e-6) and not g.resolves(20e-6)


def test_optical_magnification_divides_the_detector_blur():
    g = Geometry(source_to_object=0.01, object_to_detector=0.01, detector_pixel=13.5e-6, spot_size=3e-6,
                 optical_magnification=20)
    assert g.total_magnification == pytest.approx(40)
    assert g.voxel_size == pytest.approx(13.5e-6 / 40)
    assert total_resolution(2, detector_pixel=13.5e-6, spot_size=3e-6, optical_magnification=20) == \
        pytest.approx(g.resolution)


def test_contact_and_limits():
    assert geometric_magnification(0.1, 0.0) == 1.0
    assert total_resolution(1.0, detector_pixel=50e-6, spot_size=10e-6) == pytest.approx(50e-6)
    with pytest.raises(InputError, match="source_to_object"):
        geometric_magnification(0, 0.1)


def test_design_for_meets_the_target_with_the_least_magnification():
    kwargs = dict(source_to_detector=0.5, detector_pixel=127e-6, spot_size=4e-6)
    g = design_for(20e-6, **kwargs)  # resolve a 20 um throat with 2 samples: 10 um resolution
    assert g.resolution == pytest.approx(10e-6, rel=1e-9)
    assert g.source_to_object + g.object_to_detector == pytest.approx(0.5)
    lower = Geometry(source_to_object=g.source_to_object * 1.01, object_to_detector=0.5 - g.source_to_object * 1.01,
                     detector_pixel=127e-6, spot_size=4e-6)
    assert lower.resolution > 10e-6  # any less magnification no longer resolves it


def test_design_for_picks_the_lowest_objective_and_explains_failure():
    kwargs = dict(source_to_detector=0.1, detector_pixel=13.5e-6, spot_size=3e-6)
    g = design_for(2e-6, optical_magnification=(40, 0.4, 4, 20), **kwargs)
    # 4x reaches only a*S/sqrt(a^2 + S^2) = 2.24 um with a = 13.5/4 um; 20x reaches 0.66 um
    assert g.optical_magnification == 20 and g.resolution <= 1e-6 * (1 + 1e-9)
    with pytest.raises(InputError, match="best resolution.*is 2.929 µm"):
        design_for(1e-6, **kwargs)  # best: 13.5 * 3 / hypot(13.5, 3) = 2.929 um > 0.5 um
