"""Heavy modules imported on first use, so commands that never call into them start faster.

``recommend`` reads a stored profile and runs queries: it needs the modules that build profiles, but not
scipy, which they use only while building. `LazyModule` stands in for such a module at import time.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["LazyModule"]


class LazyModule:
    """Stands for the module ``name`` and imports it on the first attribute access (``sp.csr_matrix``).

    Not in ``sys.modules`` until then, so ``"scipy.sparse" in sys.modules`` still tells whether it was needed.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
