"""The documentation site: it builds with warnings as errors (the tutorials and the example
gallery executed on the way, so a broken example fails here), and its pages render in a
headless browser with the gallery's figures."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FIGURE_PAGES = ["auto_examples/plot_03_pore_network.html", "tutorials/04_meshes.html"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("sphinx")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("myst_nb")
    out = tmp_path_factory.mktemp("site")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS),
                          str(out)], capture_output=True, text=True, timeout=1200, cwd=ROOT, env=env)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    return out


@pytest.mark.slow
def test_every_section_of_the_site_is_built(site):
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    for page in ["index.html", "getting_started.html", "conventions.html", "guide/meshing.html",
                 "tutorials/03_networks_and_flow.html", "auto_examples/index.html",
                 "case_studies/sandstone_berea.html", "api/flow.html", "api/generated/flow.scal.html",
                 "api/generated/meshing.graded_tet_mesh.html", "formats/txrm.html", "formats/zarr.html",
                 "export/openfoam.html", "export/calculix.html"]:
        assert page in pages, page
    api = (site / "api/generated/flow.scal.html").read_text()
    assert "Parameters" in api and "contact_model" in api  # numpydoc rendered the docstring
    # every stage's guide page holds its README section, with its code
    assert "graded_tet_mesh" in (site / "guide/meshing.html").read_text()
    assert "OME-XML" in (site / "formats/tiff.html").read_text()


@pytest.mark.slow
def test_the_gallery_and_the_tutorials_carry_their_figures(site):
    for example in sorted((DOCS / "examples").glob("plot_*.py")):
        page = (site / "auto_examples" / f"{example.stem}.html").read_text()
        images = re.findall(r'<img[^>]+src="([^"]+)"', page)
        assert images, example.name
        for src in images:
            assert (site / "auto_examples" / src).resolve().stat().st_size > 5000, src
    tutorial = (site / "tutorials/03_networks_and_flow.html").read_text()
    assert tutorial.count("<img") >= 3  # the network and the flow field in 3-D, the SCAL curves
    assert "&lt;Figure size" not in tutorial  # figures drawn, not named


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
@pytest.mark.parametrize("page", ["index.html", "auto_examples/index.html", "api/generated/flow.stokes.html",
                                  *FIGURE_PAGES])
def test_pages_render_in_a_headless_browser(site, page, tmp_path):
    import numpy as np
    from PIL import Image

    shot = tmp_path / "page.png"
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1600",
                          f"--screenshot={shot}", (site / page).as_uri()], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and shot.exists(), run.stderr[-1000:]
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    assert len(np.unique(pixels, axis=0)) > 100  # drawn: text, theme, pictures; not a blank sheet
    colourful = np.mean(pixels.max(axis=1) - pixels.min(axis=1) > 60)
    if page in FIGURE_PAGES:  # a 3-D picture with its colour legend fills a good part of the screen
        assert colourful > 0.03, colourful  # (measured 0.05; a page of text and links: 0.002-0.02)
