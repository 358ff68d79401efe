"""peertui: anonymous, end-to-end encrypted peer-support groups in the terminal."""

import logging

__version__ = "0.1.0"

# Library convention: nothing is printed unless an application configures logging. Stray
# warnings on stderr would land in the middle of a screen reader's output or the TUI.
logging.getLogger("peertui").addHandler(logging.NullHandler())
