"""Results: asking the compute service for them and showing them (summary, dashboard, charts, spot in use).

The window never computes margin: ``recompute`` submits jobs ("main", "curve"; "unit" for the selected unit's
charts; "preview" while the spot-in-use handle is dragged) and ``_on_computed`` shows what comes back on the GUI
thread, latest request winning. A committed spot-in-use amount is one undo step (drags and key steps merge).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import QMenu

from engine.portfolio import Asset
from engine.result import MarginResult
from workstation.models.columns import fmt_amount
from workstation.services import jobs
from workstation.undo import MERGE_SPOT_IN_USE
from workstation.widgets.repaint_batch import RepaintBatch


class ResultsView:
    """Mixin of ``MainWindow``: the compute requests, the result display and the spot-in-use control."""

    def refresh(self) -> None:
        if self.holder.doc is not None:
            self.recompute()
            self.status("Recomputing")

    def recompute(self) -> None:
        doc = self.holder.doc
        if doc is None:
            return
        self.compute.cancel("preview")
        portfolio, market, scenario = doc.valuation_inputs()      # the worker applies the what-if
        # a what-if slider held: the unit charts come with each step's result (live grids) and a preview curve
        # follows, shown even when a newer step superseded it; at release everything is computed in full
        live = self.market_panel.whatif.dragging()
        if not live:
            self._live_liq = None                      # liquidation moves of a held slider's live curves
        unit = (self.selected_underlying if self.prepared is not None and self.prepared.mode == "mc"
                else self.selected_unit) if live and self.charts else None
        first = getattr(self, "first_result", None)      # computed while the window was built (first_result.py)
        job = first.job_for(portfolio, market, scenario, unit) if first is not None else None
        # a held slider's step is shown even when the next step superseded it (steps slower than the hand: the
        # dashboard would otherwise freeze until the hand stops); never a stale book after an edit
        self.compute.submit("main", job or (lambda: jobs.compute_main(portfolio, market, scenario, unit)),
                            show_superseded=live)
        if live:                                       # in a child process: no GIL shared with the steps
            child = self.compute.curve_process()
            self.compute.submit("curve", lambda: child.curve(portfolio, market, scenario, True),
                                show_superseded=True, pace_s=jobs.LIVE_CURVE_PACE_S)
        else:
            self.compute.submit("curve", lambda: jobs.compute_curve(portfolio, market, live, scenario))

    def _on_busy(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
            return
        self._busy_timer.stop()
        if self.busy_label.text():
            self.busy_label.setText("")
        self.computationSettled.emit()

    def _on_computed(self, channel: str, payload: Any) -> None:
        if channel == "reconcile":             # needs no open portfolio (an observation carries its own book)
            self._reconcile_done(payload)
            return
        if self.holder.doc is None:
            return
        if self.charts_ready():
            # one repaint pass for all the charts this result changes; none before the charts are built: the
            # first result is then painted at once, not when every queued result has been handled (cold start)
            self._repaint_batch().hold()
        if channel == "main":
            self.prepared = payload.prepared
            self.spots = payload.spot_in_use
            if payload.charts is not None:             # a what-if step: charts first (see "preview" below)
                self._show_unit_charts(payload.charts, payload.result, live=True)
            # a step keeps the live curve's liquidation moves in view meanwhile
            live_liq = getattr(self, "_live_liq", None) if payload.live else None
            self._show_result(payload.result, committed=True, step=payload.live, charted=payload.charts is not None,
                              liq_shock=... if live_liq is None else live_liq)
        elif channel == "preview":
            # charts first: when a chart's QGraphicsScene processes its changes, Qt repaints the window at once
            # (one pass per scene); with the charts' data in first, the dashboard's repaint joins the first
            # chart's pass instead of adding a pass of its own
            if payload.charts is not None:
                self._show_unit_charts(payload.charts, payload.result, live=True)
            self._show_result(payload.result, committed=False)
        elif channel == "unit":
            self._show_unit_charts(payload)
        elif channel == "explain":
            self._show_explain(payload)
        elif channel == "curve":
            self._live_liq = None if payload.exact else payload.liq_shock
            if self.result is not None:            # the curve's job found the liquidation moves (see jobs)
                self.result = replace(self.result, liq_shock=payload.liq_shock)
                self.summary.show_liq(payload.liq_shock)
            chart = self.charts.get("MarginCurveChart")
            if chart is None and not self.charts_ready():      # shown when the charts are built (layout_charts)
                self._pending_curve = payload
            if chart is not None:
                chart.show_curve(payload.shocks, payload.mmr, payload.margin_ratio, payload.liq_shock,
                                 live=not payload.exact)
        elif channel == "compare":
            self._open_compare(payload)
        elif channel == "sides":
            self._show_sides(payload)

    def _repaint_batch(self) -> RepaintBatch:
        batch = self.__dict__.get("_repaints")
        if batch is None:
            batch = self._repaints = RepaintBatch(self)
        return batch

    def _on_compute_failed(self, channel: str, message: str, is_input: bool) -> None:
        if channel == "reconcile":
            self._reconcile_failed(message)
            return
        if channel == "compare":
            self._compare_failed(message)
            return
        if channel == "sides":
            self._sides_failed(message)
            return
        if channel in ("unit", "curve", "explain"):
            self.status(f"Chart not updated: {message}", error=True)
            return
        if channel == "preview":
            self.status(f"Preview not computed: {message}", error=True)
            return
        what = "Cannot compute" if is_input else "Computation failed"
        self.summary.clear(f"{what}: {message}")
        self.result = None
        self.prepared = None
        self.unit_model.set_units(())
        self.spot_control.set_unit(None)
        for c in self.charts.values():
            c.clear(f"{what}:\n{message}")
        self.explain_panel.clear()
        self._refresh_book_tables()
        self.status(f"{what}: {message}", error=True)

    def _show_result(self, r: MarginResult, *, committed: bool, step: bool = False, charted: bool = False,
                     liq_shock: object = ...) -> None:
        """Show a result. ``step``: one step of a held what-if slider: the book tables (per-position figures of
        every position) wait for the release; ``charted``: the unit charts came with it."""
        breakdown = self.charts.get("MrBreakdownChart")
        if breakdown is not None:                    # charts before widgets: see _on_computed
            # a what-if step is live too: the margin axis holds while the bars stay well inside it (a range change
            # regenerates the axis and re-transforms every bar label)
            breakdown.show_result(r, live=not committed or step)
        doc = self.holder.doc
        notes = []
        if doc is not None and doc.market is not None:
            from engine.sources import stale_market_warning
            stale = stale_market_warning(doc.portfolio, doc.market, "Market \u25b8 Fetch from OKX")  # today's book, old market
            if stale is not None:
                notes.append(stale[0].upper() + stale[1:])
        if not committed:
            notes.append("Preview: spot in use being dragged (not saved)")
        if doc is not None and doc.scenario is not None:
            from workstation.widgets.whatif_panel import describe
            notes.append(f"What-if {describe(doc.scenario)} (not saved)")
        elif doc is not None and doc.whatif:
            moves = ", ".join(f"{c} {m * 100:+.1f}%" for c, m in sorted(doc.whatif.items()))
            notes.append(f"What-if index move {moves} (not saved)")
        if r.warnings:
            notes.append("; ".join(r.warnings[:3]) + (" \u2026" if len(r.warnings) > 3 else ""))
        self.summary.show_result(r, "   \u2022   ".join(notes), liq_shock, tooltips=committed and not step)
        tip = "\n".join(r.warnings) if r.warnings else ""
        if self.summary.toolTip() != tip:                 # setToolTip sends an event even when unchanged
            self.summary.setToolTip(tip)
        self.unit_model.set_units(r.units, doc.portfolio.asset_amounts() if doc is not None else None, r.assets)
        fitter = getattr(self, "unit_columns", None)
        if fitter is not None and (step or not committed):
            fitter.stop()               # column widths: measured when a drag ends, not between its steps
        elif fitter is not None:
            fitter.refit_soon()
        mode_note = (self.UNIT_NOTE_PM if r.acct_lv == "4" else self.UNIT_NOTE_MC if r.acct_lv == "3"
                     else self.UNIT_NOTE_FUTURES if r.acct_lv == "2" else self.UNIT_NOTE_SPOT)
        # outside portfolio margin the table is empty by design: the words go in the empty grid, not under it
        self.unit_note.setText(self.UNIT_NOTE_PM if r.acct_lv == "4" else "")
        self.unit_empty.set_text(mode_note if r.acct_lv != "4" else self.UNIT_EMPTY_PM)
        if committed:
            self.result = r
            if "sources" in r.extra:                  # a what-if step's result has none: keep the last ones
                self.market_panel.set_sources(r.extra["sources"])
            if not step:
                self._refresh_book_tables()
            mc = r.acct_lv in ("2", "3")              # per-position margin: multi-currency and futures mode
            for key in ("imr", "mmr"):
                self.editor.positions_view.setColumnHidden(self.editor.positions.column_index(key), not mc)
            if self._resize_book_columns:            # once per opened portfolio, with figures in the cells
                self._resize_book_columns = False
                self.editor.resize_columns_once()
                self.fit_dashboard()
            self._select_unit_row(request_charts=not charted)
            self._update_spot_control()
            if not charted:
                self._request_unit_charts()
        self.resultShown.emit(r)

    def _select_unit_row(self, request_charts: bool = True) -> None:
        r = self.result
        if r is None or not r.units:
            self.selected_unit = ""
            self.spot_control.set_unit(None, no_unit=self._no_unit_for_spot())
            self.explain_panel.clear()
            reason = self._no_unit_reason(r)
            if reason is None:                   # multi-currency: the charts show the P&L by underlying
                if request_charts:
                    self._request_unit_charts()
                return
            for name in ("StressChart", "HeatmapChart"):
                if name in self.charts:
                    self.charts[name].clear(reason)
            return
        names = [u.risk_unit for u in r.units]
        unit = self.selected_unit if self.selected_unit in names else names[0]
        self.selected_unit = unit
        row = self.unit_model.row_of_unit(unit)
        sel = self.unit_view.selectionModel()
        if _only_row_selected(sel, row, self.unit_model.columnCount()):   # a what-if step: already so, no repaint
            return
        sel.blockSignals(True)
        self.unit_view.selectRow(row)
        sel.blockSignals(False)
        self.unit_view.viewport().update()

    def _on_unit_selected(self, *_args: Any) -> None:
        rows = self.unit_view.selectionModel().selectedRows()
        if not rows:
            return
        unit = self.unit_model.row_object(rows[0].row()).risk_unit
        if unit == self.selected_unit:
            return
        self.selected_unit = unit
        self._update_spot_control()
        self._request_unit_charts()

    def _unit_result(self) -> Any:
        if self.result is None or not self.selected_unit:
            return None
        try:
            return self.result.unit(self.selected_unit)
        except KeyError:
            return None

    def _update_spot_control(self) -> None:
        u = self._unit_result()
        doc = self.holder.doc
        if u is None or doc is None:
            self.spot_control.set_unit(None, no_unit=self._no_unit_for_spot())
        else:
            user = u.ccy in doc.portfolio.spot_in_use_amounts()
            reason = ""
            if u.max_spot_in_use <= 0:
                from workstation.widgets.spot_in_use import zero_max_reason
                reason = zero_max_reason(u.ccy, u.delta,          # no spot in use: delta is the derivatives'
                                         doc.portfolio.asset_amounts().get(u.ccy))
            self.spot_control.set_unit(u.ccy, u.spot_in_use, u.max_spot_in_use, user, reason)
        self._update_actions()

    def _no_unit_for_spot(self) -> str:
        """The spot-in-use control's words when no unit is shown (a risk unit is a portfolio-margin notion)."""
        if self.result is not None and self.result.units:
            return "select a risk unit"
        mode = self.prepared.mode if self.prepared is not None else "pm"
        return "no risk units in this account mode" if mode != "pm" else "no risk unit in this book"

    def _no_unit_reason(self, r: MarginResult | None) -> str | None:
        """Why the unit charts are empty, or None when the underlying's P&L can be shown (multi-currency)."""
        if r is None:
            return "No result: see the status bar"
        if self.prepared is not None and self.prepared.mode == "mc":
            from engine.underlying import underlyings
            names = underlyings(self.prepared)
            if names:
                if self.selected_underlying not in names:
                    self.selected_underlying = names[0]
                return None
            return "No positions: add one to see its P&L\nacross index moves"
        return "No positions and no coin balances:\nno risk unit to stress"

    def _select_underlying_of_position(self, current: Any, _previous: Any = None) -> None:
        """Multi-currency mode: the charts follow the underlying of the selected position."""
        if self.prepared is None or self.prepared.mode != "mc" or not current.isValid():
            return
        inst = self.editor.positions.index(current.row(), self.editor.positions.column_index("instId")).data()
        ccy = str(inst or "").split("-", 1)[0]
        if ccy and ccy != self.selected_underlying:
            from engine.underlying import underlyings
            if ccy in underlyings(self.prepared):
                self.selected_underlying = ccy
                self._request_unit_charts()

    def _request_unit_charts(self) -> None:
        if self.prepared is not None and self.prepared.mode == "mc" and self.charts_wanted():
            prepared, ccy = self.prepared, self.selected_underlying
            if ccy:
                self.compute.submit("unit", lambda: jobs.compute_underlying(prepared, ccy))
            return
        if self.prepared is None or not self.selected_unit:
            return
        prepared, unit, spots = self.prepared, self.selected_unit, dict(self.spots)
        panel = getattr(self, "explain_panel", None)
        # while a what-if slider is held the explanation waits for the release (it shares the slow lane with the
        # main result, and a step's result must not queue behind it)
        if panel is not None and not self.market_panel.whatif.dragging():
            self.compute.submit("explain", lambda: jobs.compute_explain(prepared, unit, spots))
        if not self.charts_wanted():
            return
        self.compute.submit("unit", lambda: jobs.compute_unit(prepared, unit, spots))

    def _show_explain(self, outcome: "jobs.ExplainOutcome | None") -> None:
        panel = getattr(self, "explain_panel", None)
        if panel is None:
            return
        if outcome is None:
            panel.clear("Explanations need portfolio margin (risk units)")
        elif outcome.unit.risk_unit == self.selected_unit:
            panel.show_unit(outcome.unit, outcome.ratio_line)

    def _show_unit_charts(self, uc: jobs.UnitCharts, result: MarginResult | None = None, live: bool = False) -> None:
        if not self.charts_ready():                # shown when the charts are built (layout_charts.py)
            self._pending_unit = (uc, result, live)
            return
        if uc.kind == "underlying":
            if uc.unit != self.selected_underlying:
                return
            what = f"{uc.unit} book"
            stress = self.charts.get("StressChart")
            if stress is not None:
                stress.show_pnl(uc.moves, uc.stress, f"Stress P&L \u2014 {what}", live=live)
            heat = self.charts.get("HeatmapChart")
            if heat is not None:
                heat.show_grid(uc.heat_moves, uc.vol_shifts, uc.grid, live=live, contour=uc.contour,
                               title=f"P&L \u2014 {what}")
            return
        if uc.unit != self.selected_unit:
            return
        u = self._unit_result()
        if result is not None:
            u = next((x for x in result.units if x.risk_unit == uc.unit), u)
        stress = self.charts.get("StressChart")
        if stress is not None and u is not None:
            stress.show_unit(uc.moves, uc.stress, u, live=live)
        heat = self.charts.get("HeatmapChart")
        if heat is not None:
            heat.show_grid(uc.heat_moves, uc.vol_shifts, uc.grid, live=live, contour=uc.contour)

    def _preview_spot(self, ccy: str, amount: float) -> None:
        if self.prepared is None:
            return
        prepared, unit = self.prepared, self.selected_unit
        spots = dict(self.spots)
        spots[ccy] = amount
        self.compute.submit("preview", lambda: jobs.compute_preview(prepared, spots, unit))

    def _cancel_preview(self) -> None:
        self.compute.cancel("preview")
        if self.result is not None:
            self.summary.show_result(self.result)
            doc = self.holder.doc
            self.unit_model.set_units(self.result.units, doc.portfolio.asset_amounts() if doc is not None else None,
                                      self.result.assets)
            breakdown = self.charts.get("MrBreakdownChart")
            if breakdown is not None:
                breakdown.show_result(self.result)
            self._request_unit_charts()

    def _commit_spot(self, ccy: str, amount: Any, gesture: int) -> None:
        doc = self.holder.doc
        if doc is None:
            return
        self.compute.cancel("preview")
        current = dict(doc.portfolio.spot_in_use_amounts())
        if amount is None:
            current.pop(ccy, None)
            text = f"Spot in use {ccy}: automatic"
        else:
            current[ccy] = float(amount)
            text = f"Spot in use {ccy}: {fmt_amount(amount)}"
        spot = tuple(Asset(c, a) for c, a in current.items())
        after = replace(doc.state, portfolio=replace(doc.portfolio, spot_in_use=spot))
        try:
            self.push_state(after, text, merge_id=MERGE_SPOT_IN_USE, merge_key=(ccy, gesture))
        except Exception as exc:  # noqa: BLE001
            self.show_error("Spot in use", str(exc))
            self._update_spot_control()

    def spot_back_to_automatic(self) -> None:
        if self.spot_control.ccy:
            self.spot_control.auto_button.click()

    def _unit_context_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        menu.addAction(self.act_export_csv)
        cols = menu.addMenu("Columns")
        header = self.unit_view.horizontalHeader()
        for i, col in enumerate(self.unit_model.columns):
            a = cols.addAction(col.title)
            a.setCheckable(True)
            a.setChecked(not header.isSectionHidden(i))
            a.toggled.connect(lambda on, i=i: header.setSectionHidden(i, not on))
        menu.exec(self.unit_view.viewport().mapToGlobal(pos))


def _only_row_selected(sel: Any, row: int, columns: int) -> bool:
    """Whether ``row`` is selected whole and alone. A row selected by ``selectRow`` is one selection range; reading
    the ranges asks the model nothing (``isRowSelected`` and ``selectedRows`` ask each column's flags, ~0.3 ms of a
    what-if step). Any other shape of selection answers False: the row is then selected again, as before."""
    ranges = sel.selection()
    if len(ranges) != 1:
        return False
    r = ranges[0]
    return r.top() == row == r.bottom() and r.left() == 0 and r.right() == columns - 1
