"""Offscreen Qt finds fonts (fontconfig + fonts-dejavu-core installed by scripts/setup.sh)."""

from __future__ import annotations


def test_font_database_is_not_empty(qapp) -> None:
    from PySide6.QtGui import QFontDatabase

    families = QFontDatabase.families()
    assert len(families) > 0, "no fonts: install fontconfig and fonts-dejavu-core (scripts/setup.sh)"


def test_default_font_renders_text(qapp) -> None:
    from PySide6.QtGui import QFont, QFontMetrics

    metrics = QFontMetrics(QFont())
    assert metrics.horizontalAdvance("Margin ratio 12.34") > 20
