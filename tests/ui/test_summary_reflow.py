"""The account summary keeps one row only while its figures fit: the liquidation moves arrive after the result
("\u2026", then "beyond \u00b1100%"), and the longer text used to cut "Portfolio margin" at 1600x1000 instead of
moving the figures onto two rows."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication


def test_liquidation_text_arriving_later_reflows_the_summary(qtbot):
    from workstation.widgets.summary import AccountSummary

    s = AccountSummary()
    qtbot.addWidget(s)
    for key, text in (("adjEq", "1,507,589"), ("totalImr", "234,727"), ("totalMmr", "180,490"),
                      ("marginRatio", "8.35"), ("borrowMmr", "24.23"), ("availEq", "1,272,861"),
                      ("upl", "23,423"), ("mode", "Portfolio margin"), ("rules", "okx-2025-01")):
        s._set(key, text)
    for _cap, val in s._pairs:                                # the window's style: figures in a large bold font
        val.setStyleSheet("font-size: 16pt; font-weight: bold;")
    s.show_liq(None)                                          # "…" while the search runs
    s.show()
    s.resize(s._one_row_width() + 5, 80)
    QApplication.processEvents()
    assert s._columns == len(s.FIELDS)                        # one row fits, just
    s.show_liq((None, None))                                  # "beyond ±100%": wider than the 5 px to spare
    QApplication.processEvents()
    assert s._columns < len(s.FIELDS), "one row kept although it no longer fits"
    for cap, val in s._pairs:
        assert val.width() >= val.sizeHint().width(), f"{val.text()!r} cut"
