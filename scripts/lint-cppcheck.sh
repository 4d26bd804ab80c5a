#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs cppcheck over the project's own library and program sources (tests are
# left to the compilers' warnings). Include paths are every source folder.
# Usage: lint-cppcheck.sh SOURCE_DIR
set -eu
src=${1:?usage: lint-cppcheck.sh SOURCE_DIR}
cd "$src"
dirs=$(find common drivers gateway cloud sim -type d 2>/dev/null | sort)
incs=""
for d in $dirs; do incs="$incs -I $d"; done
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
# shellcheck disable=SC2086
cppcheck --std=c11 $incs --enable=warning,performance,portability --inline-suppr \
	--suppress=missingIncludeSystem --suppress=unmatchedSuppression \
	--error-exitcode=1 --cppcheck-build-dir="$cache" -q -j2 $dirs
echo "lint-cppcheck: no findings in $(echo $dirs | wc -w) folders"
