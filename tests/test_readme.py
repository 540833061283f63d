"""The README's Python examples run as written (after the demo, as a new user would)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    from dca.demo import run_demo

    monkeypatch.chdir(tmp_path)
    run_demo("dca_output/demo", progress=False)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 3
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    assert (tmp_path / "crop.vti").exists()
    assert namespace["sub"].shape == (40, 80, 80)
    assert namespace["scan"].grey.shape == (96, 96, 96)
