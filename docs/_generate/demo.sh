#!/usr/bin/env bash
# Record `make demo` (a second run: .venv is already set up, as `make docs` ensures)
# and the README's first steps (run by generate.sh).
set -euo pipefail
: "${DOCGEN_REPO:?run docs/_generate/generate.sh}" "${DOCGEN_ROOT:?}" "${DOCGEN_SHARED:?}" "${DOCGEN_BIN:?}"
OUT=$DOCGEN_ROOT/out
export COLUMNS=100
# Run make as a newcomer would: not as a sub-make of `make docs` (no "Entering directory"),
# and without the SHARED that `make docs` passed to generate.sh (make would read it).
unset MAKELEVEL MAKEFLAGS MFLAGS SHARED DATA

cd "$DOCGEN_REPO"
data=()
if [ "$(cd ../shared 2>/dev/null && pwd -P || true)" != "$DOCGEN_SHARED" ]; then
    data=(DATA="$DOCGEN_SHARED/data")
fi
{ echo '$ make demo'; make demo ${data[@]+"${data[@]}"} 2>&1; } | sed 's/[[:space:]]*$//' > "$OUT/readme_demo.txt"
{ echo '$ head -4 demo-output/barnet-monthly-counts.csv'; head -4 demo-output/barnet-monthly-counts.csv; } > "$OUT/readme_demo_csv.txt"

# First steps: the default warehouse (in the scratch XDG_DATA_HOME set by generate.sh).
export PATH="$DOCGEN_BIN:$PATH"
cd "$DOCGEN_ROOT/site/main"
cspkit ingest ../shared/data/mps/borough ../shared/data/population > /dev/null 2>&1
step() { echo "\$ $1"; bash -c "$1" 2>&1 | sed 's/[[:space:]]*$//'; }
{
    step 'cspkit series --area Barnet --offence residential_burglary --from 2023-10 --to 2023-12'
    step 'cspkit series --area Barnet --offence residential_burglary --from 2023-10 --to 2023-12 --vintage 2024-01 --format csv'
} > "$OUT/readme_first_steps.txt"
