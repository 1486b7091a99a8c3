#!/usr/bin/env bash
# Installs everything Parlons needs, idempotently; fast when nothing changed.
# Used by `make setup`, hence by `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# 1. System packages (Debian, as root): GDAL/GEOS/PROJ and SpatiaLite for GeoDjango, gettext for translations,
#    Chromium for the browser tests, Node.js/npm for the front-end packages.
SYSTEM_PACKAGES=(gdal-bin libgdal-dev libsqlite3-mod-spatialite gettext python3-venv python3-dev chromium chromium-driver)
command -v npm >/dev/null 2>&1 || SYSTEM_PACKAGES+=(nodejs npm)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "missing system packages: ${missing[*]} — install them (as root: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

# 2. A Python that can load SpatiaLite (the first python3 on PATH here cannot load SQLite extensions).
can_load_spatialite() {
  "$1" - <<'PY' >/dev/null 2>&1
import sqlite3, sys
assert sys.version_info >= (3, 11)
c = sqlite3.connect(":memory:")
c.enable_load_extension(True)
c.load_extension("mod_spatialite")
PY
}
PYTHON=""
for candidate in "${PARLONS_PYTHON:-}" /usr/bin/python3 python3.13 python3.12 python3.11 python3; do
  [[ -n "$candidate" ]] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if can_load_spatialite "$path"; then PYTHON=$path; break; fi
done
if [[ -z "$PYTHON" ]]; then
  say "no Python >= 3.11 here can load SpatiaLite (sqlite3.enable_load_extension + mod_spatialite)." >&2
  say "On Debian: apt-get install python3 python3-venv libsqlite3-mod-spatialite, or set PARLONS_PYTHON." >&2
  exit 1
fi

# 3. The virtual environment, rebuilt when the interpreter changes, re-installed when pyproject.toml changes.
if [[ -x .venv/bin/python ]] && ! can_load_spatialite .venv/bin/python; then
  say "the existing .venv cannot load SpatiaLite: rebuilding it with $PYTHON"
  rm -rf .venv
fi
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
if [[ ! -f .venv/.installed || pyproject.toml -nt .venv/.installed ]]; then
  say "installing Python dependencies"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch .venv/.installed
fi

# 4. Front-end packages from the npm registry (htmx, Leaflet, axe-core for the accessibility tests).
if [[ ! -f node_modules/.installed || package.json -nt node_modules/.installed || package-lock.json -nt node_modules/.installed ]]; then
  say "installing npm packages"
  if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
  touch node_modules/.installed
fi

# 5. Translations.
if [[ -n "$(find parlons -name '*.po' 2>/dev/null)" ]] &&
   [[ ! -f .venv/.compiled || -n "$(find parlons -name '*.po' -newer .venv/.compiled 2>/dev/null)" ]]; then
  say "compiling translations"
  (cd parlons && ../.venv/bin/parlons compilemessages -v 0)
  touch .venv/.compiled
fi
