#!/usr/bin/env bash
# Idempotent set-up for a Debian/Ubuntu machine: Qt system libraries, fonts, Xvfb, make, a Python >= 3.11
# virtual environment in .venv, and `pip install -e .[test]`. Fast when everything is already there:
# packages are checked with dpkg-query first, and `apt-get update` only runs when something is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Offscreen Qt (tests, screenshots).
APT_OFFSCREEN=(libgl1 libegl1 libfontconfig1 libglib2.0-0 libxkbcommon0 libdbus-1-3 fonts-dejavu-core)
# A real window (xcb platform plugin) and a virtual display when there is no screen.
APT_WINDOW=(xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
            libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0)
APT_TOOLS=(make ca-certificates)
MIN_PY_MINOR=11
VENV=.venv
STAMP="$VENV/.riskws-setup"

say() { printf 'setup: %s\n' "$*" >&2; }

installed() {  # a Debian package, or its 64-bit-time twin (libfoo -> libfoot64 on Debian 13 / Ubuntu 24.04)
    local p
    for p in "$1" "${1}t64"; do
        if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then return 0; fi
    done
    return 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else say "need root to run: $*  (run as root, or install sudo)"; exit 1
    fi
}

apt_install() {  # installs whichever of "$@" is missing
    local missing=() p
    for p in "$@"; do installed "$p" || missing+=("$p"); done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        say "not a Debian-like system; please install the equivalents of: ${missing[*]}"
        return 0
    fi
    say "installing system packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

python_ok() {  # $1 runs, is >= 3.MIN_PY_MINOR and can create virtual environments
    command -v "$1" >/dev/null 2>&1 &&
        "$1" -c "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, $MIN_PY_MINOR))" >/dev/null 2>&1
}

find_python() {
    local c
    for c in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
        if python_ok "$c"; then command -v "$c"; return 0; fi
    done
    return 1
}

# 1. System packages (Debian names).
if command -v dpkg-query >/dev/null 2>&1; then
    apt_install "${APT_OFFSCREEN[@]}" "${APT_WINDOW[@]}" "${APT_TOOLS[@]}"
fi

# 2. Python and the virtual environment.
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import sys; sys.exit(sys.version_info < (3, $MIN_PY_MINOR))"; then
    if ! PY=$(find_python); then
        command -v dpkg-query >/dev/null 2>&1 && apt_install python3 python3-venv python3-pip
        PY=$(find_python) || { say "need Python >= 3.$MIN_PY_MINOR with the venv module"; exit 1; }
    fi
    say "creating $VENV with $PY ($("$PY" --version 2>&1))"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
fi

# 3. The package and its test dependencies, re-installed when pyproject.toml changes.
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$want" ] || [ ! -x "$VENV/bin/riskws" ] ||
   ! "$VENV/bin/python" -c "import PySide6, pyqtgraph, sqlite_utils, pytest, pytestqt, engine, db, workstation" 2>/dev/null; then
    say "pip install -e .[test]"
    "$VENV/bin/python" -m pip install --quiet -e ".[test]"
    echo "$want" > "$STAMP"
fi
# 4. Start-up speed (issue 16, cold start): shiboken6 keeps its Python support modules inside its binary and
# compiles them from source at every start (~40 ms); SBK_EMBED=0 is its own switch to unpack them once into
# shiboken6/files.dir, which it then imports like any module, from cached bytecode. Unpacked again at every set-up,
# so they always match the installed shiboken6. Then the bytecode of those and of the program is written now
# rather than at a first start (a shell with PYTHONDONTWRITEBYTECODE set would otherwise compile them every time).
SBK_EMBED=0 "$VENV/bin/python" -c "import shiboken6" ||
    say "warning: shiboken6's support files were not unpacked (the workstation starts ~40 ms slower)"
"$VENV/bin/python" - <<'PY' || say "warning: bytecode not compiled (compiled at the first start instead)"
import compileall, pathlib, shiboken6
dirs = [pathlib.Path(shiboken6.__file__).parent / "files.dir", *map(pathlib.Path, ("engine", "db", "workstation"))]
ok = all(compileall.compile_dir(d, quiet=1) for d in dirs if d.is_dir())
raise SystemExit(0 if ok else 1)
PY
say "ready ($("$VENV/bin/python" --version 2>&1), $VENV/bin/riskws)"
