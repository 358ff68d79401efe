"""peertui: anonymous, end-to-end encrypted peer-support groups in the terminal."""

__version__ = "0.1.0"
