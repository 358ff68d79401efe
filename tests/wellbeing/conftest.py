import sys
from pathlib import Path

# The evaluation helper lives next to the tests so it can also be run as a script.
sys.path.insert(0, str(Path(__file__).parent))
