"""The benchmarks are scripts in bench/, not a package: their harness is imported from that folder."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
