#!/bin/sh
# What loading and linting every quiz adds to `lambda-tutor list`: the course as it is, against
# a copy of it whose quizzes folder is empty (and whose modules name no quiz), timed in the same
# run. Builds nothing: point it at a build directory.
#
#   bench/quiz_load.sh [BUILD_DIR]        (default: build)
#
# Target (issue 6): the difference of the medians is at most 3 ms. Needs hyperfine.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tutor=$build/lambda-tutor
runs=${RUNS:-50}

die() {
	echo "bench/quiz_load.sh: $*" >&2
	exit 2
}
[ -x "$tutor" ] || die "no $tutor; build first (meson setup build && meson compile -C build)"
command -v hyperfine >/dev/null || die "hyperfine is missing (apt-get install hyperfine)"

tmp=$(mktemp -d /tmp/bench-quiz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LAMBDA_TUTOR_DB="$tmp/learner.db"

# The same course without quizzes: lessons copied, `quiz:` lines dropped, an empty folder.
cp -r "$root/lessons" "$tmp/lessons"
mkdir "$tmp/quizzes"
cp -r "$root/scenarios" "$tmp/scenarios"
for f in "$tmp"/lessons/*/module.yaml; do
	grep -v '^quiz:' "$f" >"$f.new" && mv "$f.new" "$f"
done
"$tutor" list --course "$root/lessons" >/dev/null || die "list fails on the course"
"$tutor" list --course "$tmp/lessons" >/dev/null || die "list fails on the copy without quizzes"

questions=$(grep -c '^  - id:' "$root"/quizzes/*.yaml | awk -F: '{ n += $2 } END { print n }')
hyperfine -N -w 5 -r "$runs" --export-json "$tmp/times.json" \
	-n "list, $(ls "$root"/quizzes/*.yaml | wc -l) quiz files ($questions questions)" \
	"$tutor list --course $root/lessons" \
	-n "list, no quizzes" "$tutor list --course $tmp/lessons" >/dev/null
python3 - "$tmp/times.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
for x in r:
    print("%-44s median %6.2f ms   mean %6.2f ± %.2f ms" %
          (x["command"], x["median"] * 1e3, x["mean"] * 1e3, x["stddev"] * 1e3))
d = (r[0]["median"] - r[1]["median"]) * 1e3
print("quizzes add %.2f ms to list (target: at most 3 ms)" % d)
EOF

# Instructions are steadier than wall time on a busy machine: count both runs with callgrind.
if command -v valgrind >/dev/null 2>&1; then
	count() {
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$tutor" list --course "$1" \
			>/dev/null 2>&1
		awk '/^summary:/ { print $2 }' "$tmp/cg"
	}
	# Twice: the first run under valgrind fills the lint cache for valgrind's own binary.
	count "$root/lessons" >/dev/null
	with=$(count "$root/lessons")
	without=$(count "$tmp/lessons")
	echo "instructions: $with with quizzes, $without without: $(((with - without) / 1000)) k more"
fi
