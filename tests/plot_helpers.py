"""Reading a matplotlib figure back: what its legend and its rows say. The ``drawn`` fixture (in
conftest) keeps each figure a test's code would save."""

from __future__ import annotations


def legend(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def rows(ax) -> list[str]:
    return [label.get_text() for label in ax.get_yticklabels()]
