#!/usr/bin/env bash
# The test suite on a build with AddressSanitizer and UndefinedBehaviorSanitizer (gcc; issue 13).
# Copies the tracked files of this work tree to a temporary directory and builds there, so the
# project's own build is untouched; extra arguments go to pytest (e.g. -k softmax).
#
#   bash tools/sanitize.sh            # ~1.5 min to build, ~4 min for the suite
#
# CPython itself is not instrumented: the runtimes are preloaded; leak detection is off (the
# interpreter keeps its allocations at exit). pytest runs with -s because a sanitizer reports
# as the process exits, which pytest's output capture would swallow.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$here" && git ls-files -z | xargs -0 cp --parents -t "$work")
cd "$work"
CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
LDFLAGS="-fsanitize=address,undefined" python setup.py -q build_ext --inplace >/dev/null
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
PYTHONPATH=src python -m pytest -s -q -p no:cacheprovider -m "not build" "$@" tests
