"""Writer for test_sigkill.py: saves portfolios of growing size in a loop until it is killed.

Each book is named ``kill-<k>-n<n>-sum<s>``: it holds n positions whose sizes are 1..n (sum s = n(n+1)/2) and one
USDT balance equal to n. The rolling book ``rolling`` is replaced on every step with the same shape, so a torn
replace would show as a count that does not match its balance.

Run as a server (``kill_writer.py serve``): it imports everything once, then for each stdin line ``DB START``
forks a writer process, prints its pid, and after the writer dies prints ``reaped <signal>``. The writer prints
``open`` once its Store is open. Forking keeps 50 kills fast (no interpreter start-up per kill); each writer is
still a separate process killed with SIGKILL.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from db.store import Store  # noqa: E402
from db.sqlite_lib import sqlite_utils  # noqa: E402

sqlite_utils()   # the store loads it at its first write: imported once here, before the forks, like the rest
from engine.portfolio import Asset, Portfolio, Position  # noqa: E402


def book(name: str, n: int) -> Portfolio:
    positions = tuple(Position(f"BTC-USD-250328-{1000 + 10 * i}-C", float(i + 1), 0.01) for i in range(n))
    return Portfolio(name=name, assets=(Asset("USDT", float(n)),), positions=positions)


def write_forever(db: str, k: int) -> None:
    with Store(db) as store:
        print("open", flush=True)
        while True:
            n = 1 + (k * 37) % 1500
            store.save_portfolio(book(f"kill-{k}-n{n}-sum{n * (n + 1) // 2}", n))
            store.save_portfolio(book("rolling", n))
            k += 1


def serve() -> None:
    for line in sys.stdin:
        db, start = line.split()
        sys.stdout.flush()
        go_r, go_w = os.pipe()   # the writer waits until its pid is printed: its "open" must come after it
        pid = os.fork()
        if pid == 0:
            try:
                os.close(go_w)
                os.read(go_r, 1)
                os.close(go_r)
                write_forever(db, int(start))
            finally:
                os._exit(3)
        os.close(go_r)
        print(pid, flush=True)
        os.write(go_w, b"g")
        os.close(go_w)
        _, status = os.waitpid(pid, 0)
        print(f"reaped {os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status)}", flush=True)


if __name__ == "__main__":
    serve() if sys.argv[1:] == ["serve"] else write_forever(sys.argv[1], int(sys.argv[2]))
