#!/usr/bin/env bash
# Smoke test of the installed product, run by `make test`:
#   build the wheel (no deps) from a copy of the files a wheel is made of, install it in a
#   fresh virtual environment in a temporary directory, then from another temporary
#   directory (outside the repository, no AULA_KG_* variable, no PYTHONPATH):
#   `aula-kg where`, `aula-kg build`, one stored query with its known answer, and
#   `aula-kg serve` on a free 127.0.0.1 port answering /api/status and / with 200.
# Exits non-zero with "smoke: FAILED: <why>" on the first failure.
# PYTHON picks the interpreter (default python3); KEEP=1 keeps the temporary directory.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/aula-kg-smoke.XXXXXX")
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [ "${KEEP:-0}" = 1 ]; then echo "smoke: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
step() { echo "smoke: $*"; }

# The installed product must not see the checkout or the caller's settings.
unset PYTHONPATH VIRTUAL_ENV
for variable in $(env | sed -n 's/^\(AULA_KG_[A-Z0-9_]*\)=.*/\1/p'); do unset "$variable"; done

step "building the wheel"
mkdir -p "$WORK/tree"
(cd "$REPO" && tar --exclude=__pycache__ --exclude='*.egg-info' -cf - \
    pyproject.toml setup.py MANIFEST.in README.md src ontology shapes queries data) \
    | tar -xf - -C "$WORK/tree"
"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/dist" "$WORK/tree" \
    || fail "pip wheel failed"
WHEEL=$(ls "$WORK"/dist/aula_kg-*.whl 2>/dev/null | head -1)
[ -n "$WHEEL" ] || fail "no wheel in $WORK/dist"

step "installing $(basename "$WHEEL") in a fresh virtual environment"
"$PYTHON" -m venv "$WORK/venv" || fail "cannot create a virtual environment"
"$WORK/venv/bin/python" -m pip install --quiet "$WHEEL" || fail "pip install of the wheel failed"
AULA_KG="$WORK/venv/bin/aula-kg"
[ -x "$AULA_KG" ] || fail "the wheel installed no aula-kg command"

mkdir -p "$WORK/run" "$WORK/xdg"
cd "$WORK/run"
export XDG_DATA_HOME="$WORK/xdg"
HOME_DIR="$XDG_DATA_HOME/aula-kg"

step "aula-kg where"
where=$("$AULA_KG" where) || fail "aula-kg where exited with an error"
echo "$where"
site=$("$WORK/venv/bin/python" -c 'import aula_kg, pathlib; print(pathlib.Path(aula_kg.__file__).parent)')
for folder in ontology shapes queries data; do
    echo "$where" | grep -Eq "^  $folder +$site/resources/$folder +\[installed package\]$" \
        || fail "aula-kg where: $folder is not read from $site/resources/$folder"
done
echo "$where" | grep -Eq "^  home +$HOME_DIR +\[XDG_DATA_HOME\]" \
    || fail "aula-kg where: the data directory is not $HOME_DIR (XDG_DATA_HOME)"
case "$where" in *"$REPO"*) fail "aula-kg where names the repository ($REPO)";; esac

step "aula-kg build"
"$AULA_KG" build || fail "aula-kg build failed"
[ -s "$HOME_DIR/build/aula-kg.nq" ] || fail "no graph at $HOME_DIR/build/aula-kg.nq after the build"
[ -s "$HOME_DIR/build/manifest.json" ] || fail "no manifest at $HOME_DIR/build/manifest.json"

step "aula-kg query unexplored_recommendations -p territory=Lens-Liévin"
answer=$("$AULA_KG" query unexplored_recommendations -p territory=Lens-Liévin --format csv) \
    || fail "the stored query failed"
echo "$answer"
labels=$(echo "$answer" | "$WORK/venv/bin/python" -c '
import csv, sys
print(" ".join(row["label"] for row in csv.DictReader(sys.stdin)))')
[ "$labels" = "Organisation Régulation" ] \
    || fail "expected the two rows Organisation, Régulation; got: ${labels:-no rows}"

step "aula-kg serve"
port=$("$WORK/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$AULA_KG" serve --host 127.0.0.1 --port "$port" --workers 1 > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
status() {
    "$WORK/venv/bin/python" - "$1" "${2:-120}" <<'PY'
import sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])) as response:
        response.read()
        print(response.status)
except urllib.error.HTTPError as error:
    print(error.code)
except OSError as error:
    print(f"down ({error})")
PY
}
for _ in $(seq 1 120); do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; fail "aula-kg serve exited"; }
    case "$(status "http://127.0.0.1:$port/api/status" 5)" in down*) ;; *) break;; esac
    sleep 0.5
done
for path in /api/status /; do
    code=$(status "http://127.0.0.1:$port$path")
    [ "$code" = 200 ] || { cat "$WORK/serve.log" >&2; fail "GET $path answered $code, not 200"; }
    step "GET $path -> 200"
done
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

step "passed"
