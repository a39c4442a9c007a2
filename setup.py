"""Only a build step: the wheel carries the model folders a scan loads, models/<name>/ as
ipscan/data/<name>/ (see models/README.md); the float folders (models/encoder-float32/, the
trained encoder, and models/encoder-student-float32/, the student distilled from it that the
shipped int8 encoder is quantized from) stay out of it.

Everything else about the package is in pyproject.toml. In a source checkout (and an editable
install) ipscan reads models/ directly; an installed wheel has no models/ folder beside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MODELS = Path(__file__).resolve().parent / "models"
SHIPPED = ("encoder", "classifier")


class BuildPyWithModels(build_py):
    """build_py that also copies each model folder into the package's data folder."""

    def run(self) -> None:
        super().run()
        if not MODELS.is_dir():
            return
        for folder in (MODELS / name for name in SHIPPED):
            target = Path(self.build_lib) / "ipscan" / "data" / folder.name
            shutil.rmtree(target, ignore_errors=True)  # no file of an earlier build stays
            target.mkdir(parents=True)
            for f in folder.iterdir():
                if f.is_file():
                    shutil.copy2(f, target / f.name)


setup(cmdclass={"build_py": BuildPyWithModels})
