"""Wheel build step: compile the message catalogue (.po -> .mo) into the wheel.

The .mo files are not kept in git (binary, and rebuilt from the .po whenever a translation
changes); a wheel built from a fresh clone gets them here. An editable install reads the .po
tree directly and compiles in memory when no current .mo is there (peertui.i18n).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LOCALE = Path("src/peertui/locale")


class CatalogueBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        out = Path(tempfile.mkdtemp(prefix="peertui-mo-"))
        root = Path(self.root)
        for po_path in sorted((root / LOCALE).glob("*/LC_MESSAGES/*.po")):
            relative = po_path.relative_to(root / LOCALE).with_suffix(".mo")
            mo_path = out / relative
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as handle:
                catalog = read_po(handle)
            with mo_path.open("wb") as handle:
                write_mo(handle, catalog)
            build_data["force_include"][str(mo_path)] = f"peertui/locale/{relative.as_posix()}"
