"""The package as installed: what an import of a source tree without its
compiled kernels says."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_source_tree_without_built_kernels_says_how_to_import_the_package(tmp_path):
    shutil.copytree(ROOT / "sk_contrastive", tmp_path / "sk_contrastive",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    # as after `pip install .`, run from the clone's root: the current
    # directory comes first on the path. -S leaves out the .pth files, among
    # them an editable install's finder, which would import this checkout
    site_packages = [path for path in sys.path if path.endswith("site-packages")]
    completed = subprocess.run(
        [sys.executable, "-S", "-c", "import sk_contrastive"], cwd=tmp_path,
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(site_packages)),
    )
    assert completed.returncode != 0
    message = completed.stderr.strip().splitlines()[-1]
    assert message.startswith("ImportError: The compiled kernels of sk_contrastive are not built")
    assert "pip install -e ." in message
