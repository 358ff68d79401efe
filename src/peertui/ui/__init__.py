"""The interaction layer both front-ends render: actions, words, commands and flows.

Nothing here imports Textual or prints; the TUI and plain mode turn these typed values into
widgets or lines (docs/dev/CONTRACTS.md, section "ui").
"""
