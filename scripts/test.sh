#!/usr/bin/env bash
# Sets up (packages + Release build) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --test-dir build --output-on-failure -j 2 "$@"
