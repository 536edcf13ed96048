import sys
from pathlib import Path

# The tests import bundle.py from this directory.
sys.path.insert(0, str(Path(__file__).parent))
