"""Cold start of two trees, interleaved: ``python -m bench.cold_pair BASE_TREE HEAD_TREE [RUNS]``.

Each tree runs its own ``bench.jobs cold_start`` with its own ``.venv`` on a demo database of its own (seeded
once), bytecode cached in a prefix of its own (as after an installation; one warm-up run each), offscreen. The
runs alternate base, head, base, head... so both see the same load; medians of the wall time from process launch
to the first painted result, of the process CPU time at that moment and of the first paint of the window, with
the load average before and after. Extra variants: ``HEAD_TREE:ENV=VALUE`` runs that tree with that variable set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _job(tree: Path, db: Path, tmp: Path, extra: dict[str, str]) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp / "config"),
           "HOME": str(tmp / "home"), "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),
           **extra}
    launched = time.time()
    proc = subprocess.run([str(tree / ".venv" / "bin" / "python"), "-m", "bench.jobs", "cold_start", str(db)],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=300, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"{tree}: {proc.stderr.strip().splitlines()[-1:] or 'no output'}")
    r = json.loads(lines[-1])
    return {"result": r["wall_clock_at_result_paint"] - launched, "paint": r["wall_clock_at_paint"] - launched,
            "cpu": r["cpu_at_result_paint_s"]}


def main(argv: list[str]) -> None:
    runs = int(argv[-1]) if argv and argv[-1].isdigit() else 8
    specs = [a for a in argv if not a.isdigit()]
    variants = []
    for spec in specs:
        tree, _, setting = spec.partition(":")
        extra = dict([setting.split("=", 1)]) if setting else {}
        variants.append((spec, Path(tree).resolve(), extra))
    with tempfile.TemporaryDirectory(prefix="cold_pair_") as d:
        tmps = {spec: Path(d) / str(i) for i, (spec, _, _) in enumerate(variants)}
        for spec, tree, extra in variants:
            tmps[spec].mkdir()
            _job(tree, tmps[spec] / "demo.db", tmps[spec], extra)     # seeds the database, writes the bytecode
        out: dict[str, list[dict]] = {spec: [] for spec, _, _ in variants}
        load0 = os.getloadavg()
        for _ in range(runs):
            for spec, tree, extra in variants:
                out[spec].append(_job(tree, tmps[spec] / "demo.db", tmps[spec], extra))
        load1 = os.getloadavg()
    print(f"{runs} interleaved runs each; load average {load0[0]:.2f} before, {load1[0]:.2f} after")
    base = None
    for spec, _, _ in variants:
        med = {k: float(np.median([r[k] for r in out[spec]])) * 1e3 for k in ("result", "cpu", "paint")}
        base = base or med
        ratio = " ".join(f"{k} {med[k] / base[k]:.2f}" for k in med)
        print(f"{spec}: first painted result {med['result']:.0f} ms, CPU at it {med['cpu']:.0f} ms, first paint "
              f"{med['paint']:.0f} ms  (x base: {ratio})")
        print("   results: " + " ".join(f"{r['result'] * 1e3:.0f}" for r in out[spec]) + "; cpu: "
              + " ".join(f"{r['cpu'] * 1e3:.0f}" for r in out[spec]))


if __name__ == "__main__":
    main(sys.argv[1:])
