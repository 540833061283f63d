"""``dca run``: a case study's declared pipeline, cached stage by stage, with results.json and
report.html. Stages of flow and meshing register themselves from their ``_stages`` modules."""

from ._case import CaseResult, check_expected, load_case, run_case, run_case_beside
from ._engine import STAGES, Context, Output, StageError, stage, stage_reference
from ._report import save_scene

__all__ = ["run_case", "run_case_beside", "load_case", "check_expected", "CaseResult", "stage", "Output", "Context",
           "STAGES", "StageError", "save_scene", "stage_reference"]
