#!/usr/bin/env bash
# Prints one checksum over every file in gen/ (names and contents), so the
# Makefile's drift check can tell whether `make generate` changed anything.
set -euo pipefail
cd "$(dirname "$0")/.."
find gen -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
