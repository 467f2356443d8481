"""Build hook: the wheel carries the project's sources as package data.

The repository keeps ontology/, shapes/, queries/ and data/ at its root (where people edit
them, and where a checkout reads them). Building the package copies them into
``aula_kg/resources/`` inside the build tree, so that an installed aula-kg finds them beside
its code (config.py reads them there when it does not run from a checkout). They are copied
rather than mapped with ``package-dir`` so that they stay plain folders, not packages, and
the checkout's layout does not change. Editable installs copy nothing: they read the
checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: The folders shipped, and the files of each (any other file stays out of the wheel).
SHIPPED = {
    "ontology": ("*.ttl",),
    "shapes": ("*.ttl",),
    "queries": ("*.rq", "internal/*.rq", "README.md"),
    "data": ("*.ttl", "opendata/*.trig", "opendata/*.geojson"),
}


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "aula_kg" / "resources"
        shutil.rmtree(target, ignore_errors=True)
        for folder, patterns in SHIPPED.items():
            source = ROOT / folder
            if not source.is_dir():
                raise SystemExit(f"setup.py: {source} is missing; the wheel needs it")
            for pattern in patterns:
                for path in sorted(source.glob(pattern)):
                    destination = target / folder / path.relative_to(source)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination)


setup(cmdclass={"build_py": BuildPyWithResources})
