"""One theme object for QSS and pyqtgraph items, switchable at runtime.

QSS templates live in ``resources/styles/NN_*.qss`` with ``{{ var }}`` placeholders filled from a :class:`Theme`
(napari's approach); charts read the same :class:`Theme` through ``apply_theme`` on ``themeChanged``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from importlib import resources as _res

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    surface: str
    foreground: str
    muted: str
    grid: str
    accent: str
    positive: str
    negative: str
    warning: str
    vol_down: str
    vol_same: str
    vol_up: str
    heatmap: str  # pyqtgraph colormap name

    def vars(self) -> dict[str, str]:
        """Template variables: the fields plus a few derived shades."""
        out = {k: str(v) for k, v in asdict(self).items()}
        bg, surf, fg = QColor(self.background), QColor(self.surface), QColor(self.foreground)
        dark = bg.lightnessF() < 0.5
        out["border"] = _mix(surf, fg, 0.22).name()
        out["alternate"] = _mix(surf, fg, 0.04).name()
        out["hover"] = _mix(surf, QColor(self.accent), 0.15).name()
        out["selection"] = _mix(surf, QColor(self.accent), 0.45 if dark else 0.30).name()
        out["selection_fg"] = fg.name()
        out["header"] = _mix(bg, fg, 0.07).name()
        out["input"] = (_mix(surf, QColor("black"), 0.15) if dark else QColor("white")).name()
        out["disabled"] = _mix(surf, fg, 0.4).name()
        return out


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t, a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


LIGHT = Theme(name="light", background="#eef0f3", surface="#ffffff", foreground="#1d232b", muted="#6b7480",
              grid="#d5d9df", accent="#2f6fd6", positive="#1f8a4c", negative="#c8322f", warning="#b7791f",
              vol_down="#2f6fd6", vol_same="#4a4f57", vol_up="#d6482f", heatmap="CET-D1")
DARK = Theme(name="dark", background="#15181d", surface="#1e2228", foreground="#dfe3e8", muted="#8b939e",
             grid="#343a43", accent="#5b9bf0", positive="#3fbf75", negative="#f0605a", warning="#e0a93b",
             vol_down="#5b9bf0", vol_same="#c9ced6", vol_up="#f07a5b", heatmap="CET-D1")
THEMES = {t.name: t for t in (LIGHT, DARK)}

_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def load_stylesheet(theme: Theme) -> str:
    """All ``resources/styles/NN_*.qss`` templates in order, placeholders filled; unknown names raise KeyError."""
    styles = _res.files("resources").joinpath("styles")
    names = sorted(p.name for p in styles.iterdir() if p.name.endswith(".qss") and p.name[:2].isdigit())
    values = theme.vars()
    parts = []
    for name in names:
        text = styles.joinpath(name).read_text(encoding="utf-8")

        def sub(m: re.Match, _name: str = name) -> str:
            key = m.group(1)
            if key not in values:
                raise KeyError(f"resources/styles/{_name}: unknown theme variable {key!r}")
            return values[key]

        parts.append(f"/* {name} */\n" + _VAR.sub(sub, text))
    return "\n".join(parts)


def palette_for(theme: Theme) -> QPalette:
    pal = QPalette()
    v = theme.vars()
    roles = {
        QPalette.ColorRole.Window: theme.background, QPalette.ColorRole.WindowText: theme.foreground,
        QPalette.ColorRole.Base: v["input"], QPalette.ColorRole.AlternateBase: v["alternate"],
        QPalette.ColorRole.Text: theme.foreground, QPalette.ColorRole.Button: theme.surface,
        QPalette.ColorRole.ButtonText: theme.foreground, QPalette.ColorRole.Highlight: v["selection"],
        QPalette.ColorRole.HighlightedText: theme.foreground, QPalette.ColorRole.ToolTipBase: theme.surface,
        QPalette.ColorRole.ToolTipText: theme.foreground, QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.Link: theme.accent,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(theme.muted))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor(theme.muted))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(theme.muted))
    return pal


class ThemeManager(QObject):
    """Holds the current theme, applies it to the application and announces changes."""

    themeChanged = Signal(object)  # Theme

    def __init__(self, theme: Theme = LIGHT, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._theme = theme

    @property
    def theme(self) -> Theme:
        return self._theme

    def set_theme(self, theme: Theme | str) -> None:
        if isinstance(theme, str):
            if theme not in THEMES:
                raise KeyError(f"unknown theme {theme!r} (known: {', '.join(THEMES)})")
            theme = THEMES[theme]
        self._theme = theme
        self.apply()
        self.themeChanged.emit(theme)

    def toggle(self) -> Theme:
        self.set_theme(DARK if self._theme.name == LIGHT.name else LIGHT)
        return self._theme

    def apply(self, *, sheet: bool = True) -> None:
        """The theme's palette and style sheet on the application; ``sheet=False``: the palette only, the sheet
        left for the window to apply once it is built (``sheet_pending``; see MainWindow.__init__)."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setPalette(palette_for(self._theme))
            if sheet:
                app.setStyleSheet(load_stylesheet(self._theme))
            self.sheet_pending = not sheet

    sheet_pending = False
