"""Spanish questions open with ¿, and "el mensaje #3" is not capitalised mid-sentence.

Before: "?? Enviar igualmente: sí, editar, quitar o no?" and "¿Publicar estas 2 normas? Cada
miembro ...: sí o no?" (no opening mark for the question that is answered), and "Los
moderadores quitaron Mensaje #3: ..." (es) / "Mensagem #3 foi removida" (pt_BR, no article).
"""

from __future__ import annotations

import pytest

from peertui import i18n
from peertui.core import events as ev
from peertui.i18n import _, pgettext
from peertui.ui import flows, wording


@pytest.fixture
def spanish():
    i18n.use_language("es")
    yield
    i18n.use_language("en")


def test_yes_no_questions_open_with_the_inverted_mark(spanish):
    questions = [
        flows.Question(pgettext("question", "Send anyway"), (flows.YES, flows.NO)),
        flows.Question(
            _("Publish these {n} guidelines; every member reads and accepts them again").format(
                n=2
            ),
            (flows.YES, flows.NO),
        ),
        flows.Question(_("Leave {name}").format(name="Martes"), (flows.YES, flows.NO)),
        flows.Question(_("Do you accept these guidelines"), (flows.YES, flows.NO)),
    ]
    for question in questions:
        shown = question.render()
        assert shown.startswith("¿") and shown.endswith("?"), shown
        # One question, opened once and closed once.
        assert shown.count("¿") == 1 and shown.count("?") == 1, shown
    # The button keeps its label without a question mark.
    assert not _("Send anyway").startswith("¿")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "Los moderadores quitaron el mensaje #3: datos personales"),
        ("pt_BR", "A mensagem #3 foi removida pelos moderadores: datos personales"),
    ],
)
def test_a_removed_message_is_named_in_the_middle_of_the_sentence(language, expected):
    i18n.use_language(language)
    try:
        event = ev.MessageRemoved("g", msg_id="m", reason="datos personales")
        lines = wording.event_lines(event, wording.EventContext("Martes", (), 3))
    finally:
        i18n.use_language("en")
    assert [line.text for line in lines] == [expected]
