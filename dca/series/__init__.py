"""4D series: one sample through time, load, strain or charge; registration, change detection,
feature tracking and fluid invasion."""

from ._changes import PhaseChanges, label_features, phase_changes, track
from ._invasion import Curvature, interface_curvature, invasion, saturation
from ._pipeline import step_metrics
from ._register import Registration, correlation, register
from ._series import Series

__all__ = ["Series", "register", "Registration", "correlation", "phase_changes", "PhaseChanges", "track",
           "label_features", "saturation", "interface_curvature", "Curvature", "invasion", "step_metrics"]
