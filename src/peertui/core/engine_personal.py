"""What the engine keeps for this person only, on this device: members, words and messages
they hide, their safety plan, and the files they export."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from peertui.core.engine_moderation import EngineModeration
from peertui.core.errors import (
    ExportFailed,
    InvalidInput,
    Why,
    refused,
)
from peertui.core.models import (
    Hidden,
    Member,
)
from peertui.core.moderation import resolve_member
from peertui.core.store import (
    ExportWords,
    Message,
    StoreError,
)
from peertui.paths import write_private_file

if TYPE_CHECKING:
    from peertui.wellbeing.safety_plan import SafetyPlan


class EnginePersonal(EngineModeration):
    """Kept on this device only, never sent: what is hidden, the safety plan, exports."""

    # ----- personal controls (this device only) ------------------------------------------
    def _hidden_set(self, key: str) -> frozenset[str]:
        if key not in self._hiding:
            self._hiding[key] = frozenset(self.store.get(key, []))
        return self._hiding[key]

    def _save_hidden(self, key: str, items: Iterable[str]) -> None:
        kept = frozenset(items)
        self.store.put(key, sorted(kept))
        self._hiding[key] = kept

    def ignore_member(self, group_id: str, who: str) -> Member:
        member = resolve_member(self.members(group_id), who)
        if member.is_me:
            raise refused(InvalidInput, Why.HIDE_YOURSELF)
        self._save_hidden("ignored_members", self._hidden_set("ignored_members") | {member.key})
        return member

    def ignore_word(self, word: str) -> None:
        word = word.strip().casefold()
        if not word:
            raise refused(InvalidInput, Why.HIDE_NO_WORD)
        self._save_hidden("ignored_words", self._hidden_set("ignored_words") | {word})

    def unignore(self, item: str) -> None:
        self._save_hidden(
            "ignored_words", {w for w in self._hidden_set("ignored_words") if w != item.casefold()}
        )
        self._save_hidden(
            "ignored_members", {k for k in self._hidden_set("ignored_members") if k != item}
        )

    def hidden(self, group_id: str) -> tuple[list[Member], list[str]]:
        """What this device hides: members of this group, and words (in every group)."""
        keys = self._hidden_set("ignored_members")
        members = [m for m in self.members(group_id) if m.key in keys]
        return members, sorted(self._hidden_set("ignored_words"))

    def hide_message(self, group_id: str, msg_id: str) -> None:
        hidden = self._hidden_set("hidden_messages") | {
            f"{self._session(group_id).group_id}/{msg_id}"
        }
        self._save_hidden("hidden_messages", hidden)

    def why_hidden(self, message: Message) -> Hidden | None:
        """Why this message is hidden on this device (None when shown); worded by
        `peertui.ui.received.hidden_reason`."""
        if message.extra.get("key") in self._hidden_set("ignored_members"):
            return Hidden.MEMBER
        if f"{message.group_id}/{message.msg_id}" in self._hidden_set("hidden_messages"):
            return Hidden.MESSAGE
        return Hidden.WORD if self.is_ignored_word(message.text) else None

    def is_ignored_word(self, text: str) -> bool:
        folded = text.casefold()
        return any(word in folded for word in self._hidden_set("ignored_words"))

    # ----- wellbeing and data ------------------------------------------------------------
    def safety_plan(self) -> SafetyPlan:
        from peertui.wellbeing.safety_plan import SafetyPlan

        return SafetyPlan.from_dict(self.store.get("safety_plan", {}))

    def save_safety_plan(self, plan: SafetyPlan) -> None:
        self.store.put("safety_plan", plan.to_dict())

    @staticmethod
    def _export_target(path: str | Path, overwrite: bool) -> Path:
        target = Path(path).expanduser().absolute()
        if target.exists() and not overwrite:
            raise refused(InvalidInput, Why.EXPORT_TARGET_EXISTS, target=target)
        if not target.parent.is_dir():
            raise refused(InvalidInput, Why.EXPORT_NO_FOLDER, parent=target.parent)
        return target

    def export_safety_plan(
        self, path: str | Path, lang: str = "en", overwrite: bool = False
    ) -> Path:
        """Write the safety plan as text the person asked for, readable only by them."""
        from peertui.wellbeing.safety_plan import format_lines

        target = self._export_target(path, overwrite)
        text = "\n".join(format_lines(self.safety_plan(), lang)) + "\n"
        try:
            write_private_file(target, text)
        except OSError as exc:
            raise refused(
                InvalidInput, Why.EXPORT_NOT_WRITTEN, target=target, reason=exc.strerror or str(exc)
            ) from None
        return target

    def export(
        self, group_id: str, path: str | Path, words: ExportWords, overwrite: bool = False
    ) -> tuple[Path, int]:
        """Write a group's history as a readable text file the person asked for, headed and
        labelled with `words`."""
        target = self._export_target(path, overwrite)
        try:
            count = self.store.export_group(self._session(group_id).group_id, target, words)
        except StoreError as exc:
            raise ExportFailed(exc) from None
        return target, count
