"""Only a build step: the wheel carries models/*/ as ipscan/data/*/ (see models/README.md).

Everything else about the package is in pyproject.toml. In a source checkout (and an editable
install) ipscan reads models/ directly; an installed wheel has no models/ folder beside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MODELS = Path(__file__).resolve().parent / "models"


class BuildPyWithModels(build_py):
    """build_py that also copies each model folder into the package's data folder."""

    def run(self) -> None:
        super().run()
        if not MODELS.is_dir():
            return
        for folder in sorted(p for p in MODELS.iterdir() if p.is_dir()):
            target = Path(self.build_lib) / "ipscan" / "data" / folder.name
            target.mkdir(parents=True, exist_ok=True)
            for f in folder.iterdir():
                if f.is_file():
                    shutil.copy2(f, target / f.name)


setup(cmdclass={"build_py": BuildPyWithModels})
