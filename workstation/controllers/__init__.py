"""What the main window does for the user, one job per module (mixins of ``workstation.main_window.MainWindow``).

- ``portfolios``: the portfolio browser: list, open, new/duplicate/rename/delete, import/export, per-portfolio undo;
- ``account_mode``: the account-mode and rule-set switch (before/after dialog, applied on confirmation);
- ``results``: recomputation requests and showing results (summary, dashboard, charts, spot-in-use preview).

A mixin reads and writes the window's state (``holder``, ``store``, ``compute``, widgets) and talks to the user
through the window (``status``, ``show_error``, ``confirm``, ``ask_text``), so a test can replace those on the window.
"""
