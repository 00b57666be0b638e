#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lint one man page; fail on any diagnostic.
# usage: lint.sh mandoc|groff LINTER_PATH PAGE
set -u
kind=$1 linter=$2 page=$3
case $kind in
mandoc) out=$("$linter" -Tlint -W warning "$page" 2>&1) ;;
groff)  out=$("$linter" -ww -z -man "$page" 2>&1) ;;
*)      echo "lint.sh: unknown linter kind '$kind'" >&2; exit 2 ;;
esac
rc=$?
if [ -n "$out" ] || [ "$rc" -ne 0 ]; then
	printf '%s\n' "$out"
	echo "lint.sh: $page: $kind reported problems (exit $rc)" >&2
	exit 1
fi
echo "$page: clean ($kind)"
