#!/usr/bin/env bash
# Regenerate README.md, CHANGELOG.md and docs/*.md (not docs/performance.md) from
# docs/_generate/templates, with every example run again for real. `make docs` runs this.
#
#   DOCS_PYTHON  the Python with cspkit installed (default: .venv/bin/python)
#   SHARED       the shared folder (default: ../shared beside the repository)
#
# Scratch files go to $TMPDIR/cspkit-docs (default /tmp/cspkit-docs), which is
# deleted and made afresh. `make demo` is run in the repository (it rebuilds
# demo-output/ as it always does). Your own warehouse and mapping files are not used.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PY=${DOCS_PYTHON:-$REPO/.venv/bin/python}
[ -x "$PY" ] || { echo "no Python at $PY: run \`make docs\`, or set DOCS_PYTHON" >&2; exit 2; }
SHARED_DIR=${SHARED:-$REPO/../shared}
[ -d "$SHARED_DIR/data" ] || { echo "no shared data at $SHARED_DIR/data: set SHARED" >&2; exit 2; }
TMP=${TMPDIR:-/tmp}

export DOCGEN_REPO=$REPO
export DOCGEN_SHARED=$(cd "$SHARED_DIR" && pwd -P)
export DOCGEN_ROOT=${TMP%/}/cspkit-docs
export DOCGEN_BIN=$(dirname "$PY")

# Examples must not depend on the developer's own settings, warehouse or mapping file.
unset CSPKIT_WAREHOUSE CSPKIT_TAXONOMY
export XDG_CONFIG_HOME=$DOCGEN_ROOT/config
export XDG_DATA_HOME=$DOCGEN_ROOT/data

rm -rf "$DOCGEN_ROOT"
mkdir -p "$DOCGEN_ROOT"/{ex,out,warehouse,config,data,site/main}
# Examples are run from site/main, with site/shared beside it, so `../shared/data` works.
ln -s "$DOCGEN_SHARED" "$DOCGEN_ROOT/site/shared"

bash "$HERE/setup.sh"
"$PY" "$HERE/examples.py"
bash "$HERE/demo.sh"
"$PY" "$HERE/render.py"
