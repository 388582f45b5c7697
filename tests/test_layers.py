"""The apps' layering (pyproject.toml, [tool.importlinter]): the domain below matching imports
nothing from matching, subscriptions or the API; it announces changes instead."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_import_layers_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout
