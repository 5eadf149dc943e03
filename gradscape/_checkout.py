"""A source checkout: `gradscape`'s subpackages are the folders beside it.

The wheel installs ``app/``, ``optimizers/`` and ``surfaces/`` inside
``gradscape/``. In the repository they stay at the top, where people and the
design documents know them, so here `reach_checkout` adds the checkout's root to
``gradscape.__path__`` (``gradscape.optimizers`` is then ``optimizers/``), and
makes the folders' bare names (``import optimizers``, ``from app.state import
…``) aliases of the same modules: one module object per file, whichever name a
script or a test imports it by, so registries and classes are never doubled.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

#: The folders that are `gradscape`'s subpackages in the wheel.
SUBPACKAGES = ("app", "optimizers", "surfaces")


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``optimizers.core`` as the module ``gradscape.optimizers.core``, where the
    checkout's root is on ``sys.path`` (where the bare name would find the folder anyway:
    an editable install used from elsewhere keeps ``app`` free for other packages)."""

    root: Path | None = None

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname.partition(".")[0] not in SUBPACKAGES or not self._on_path():
            return None
        real = importlib.import_module(f"gradscape.{fullname}")
        spec = importlib.util.spec_from_loader(fullname, self, is_package=hasattr(real, "__path__"))
        spec.loader_state = (real, real.__spec__)
        return spec

    def create_module(self, spec) -> ModuleType:
        return spec.loader_state[0]

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias's spec on the module: give it back its own.
        module.__spec__ = module.__spec__.loader_state[1]

    def _on_path(self) -> bool:
        for entry in sys.path:
            try:
                if Path(entry or ".").resolve() == self.root:
                    return True
            except OSError:
                continue
        return False


_ALIAS = _Alias()


def reach_checkout(path: list[str], root: Path) -> None:
    """Let `gradscape` find its subpackages in the checkout at `root`, and alias their names."""
    if str(root) not in path:
        path.append(str(root))
    _ALIAS.root = root.resolve()
    if _ALIAS not in sys.meta_path:
        sys.meta_path.insert(0, _ALIAS)


def become(name: str) -> None:
    """Make the bare name a folder was imported by (``optimizers``) the module
    ``gradscape.<name>`` itself, for a script that imports the folder before anything
    imported `gradscape`. Called at the top of each subpackage's ``__init__``."""
    import gradscape  # noqa: F401  (reaches the checkout, installs the alias)

    sys.modules[name] = importlib.import_module(f"gradscape.{name}")
