"""Makes the core's given-when-then helper (scenarios/gwt_core.py) importable as `gwt_core`."""

from __future__ import annotations

import sys
from pathlib import Path

_SCENARIOS = str(Path(__file__).resolve().parent / "scenarios")
if _SCENARIOS not in sys.path:
    sys.path.insert(0, _SCENARIOS)
