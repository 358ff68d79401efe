"""Plain mode driven through a pseudo-terminal, exactly as a person types it."""

from __future__ import annotations

import pytest
from tests.plain.people import PlainUser


@pytest.fixture
def plain_user(tmp_path):
    """Start plain-mode users; every one still running at teardown is killed."""
    started: list[PlainUser] = []

    def start(name: str = "home", **options) -> PlainUser:
        user = PlainUser(tmp_path / name, **options)
        started.append(user)
        return user

    yield start
    for user in started:
        user.close()
        # pytest shows this only when the test failed: what each person saw, in order.
        print(f"===== {user.home.name} =====\n{user.transcript}")
    for user in started:
        # Contract v2: every question ends with a question mark (and names its choices).
        for line in user.lines():
            if line.startswith(("?? ", "Question: ")):
                assert line.rstrip().endswith("?"), f"a question without '?': {line!r}"
