#!/usr/bin/env bash
# The project's one test command: ./tests/run.sh
#
# Sets up the Python side (tests/requirements.txt in .venv: h5py, numpy,
# hdf5plugin, vtk), then runs formatting, lints, the test suite and the
# no_std / wasm builds. The conformance corpus is taken from $VTKHDF_CORPUS,
# by default ../shared/corpus next to the project.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

step() { echo; echo "==> $*"; }

# Python environment for the reference dumper and cross-checks.
if [ ! -x .venv/bin/python ]; then
    step "creating .venv"
    python3 -m venv .venv
fi
step "pip install -r tests/requirements.txt"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt

export VTKHDF_CORPUS="${VTKHDF_CORPUS:-$ROOT/../shared/corpus}"
export VTKHDF_PYTHON="$ROOT/.venv/bin/python"
echo "VTKHDF_CORPUS=$VTKHDF_CORPUS"
echo "VTKHDF_PYTHON=$VTKHDF_PYTHON"

step "reference dumper (h5py) reproduces the corpus reference dumps"
.venv/bin/python tests/check_refdump_corpus.py "$VTKHDF_CORPUS"

step "golden dumps are h5py's view of the golden files"
for f in tests/golden/files/*.h5; do
    .venv/bin/python tests/refdump.py "$f" | cmp - "$f.jsonl"
done

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

step "cargo test --release"
cargo test --release

step "cargo build --no-default-features --lib --target x86_64-unknown-none"
cargo build --no-default-features --lib --target x86_64-unknown-none

step "cargo build --lib --target wasm32-unknown-unknown"
cargo build --lib --target wasm32-unknown-unknown

step "all checks passed"
