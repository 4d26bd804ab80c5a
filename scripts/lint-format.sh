#!/bin/sh
# SPDX-License-Identifier: MIT
# Fails when a C source or header is not formatted as .clang-format says.
# Usage: lint-format.sh SOURCE_DIR [--fix]
set -eu
src=${1:?usage: lint-format.sh SOURCE_DIR [--fix]}
cd "$src"
files=$(find common drivers gateway cloud sim tests -name '*.[ch]' -not -path '*/corpus/*' 2>/dev/null | sort)
[ -n "$files" ] || { echo "lint-format: no sources found under $src" >&2; exit 1; }
if [ "${2:-}" = "--fix" ]; then
	# shellcheck disable=SC2086
	clang-format -i $files
	exit 0
fi
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
echo "lint-format: $(echo "$files" | wc -l) files formatted correctly"
