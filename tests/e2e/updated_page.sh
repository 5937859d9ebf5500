#!/bin/sh
# A page whose text changed since the learner read it says so on its module screen, until it
# is read again (records carry the hash of what was read).
. "$(dirname "$0")/lib.sh"

# A copy of the course (with the folders course.yaml points to), so a page can change.
src=$(cd "$LESSONS/.." && pwd)
mkdir -p "$E2E_TMP/course"
for d in lessons quizzes scenarios; do
	[ -d "$src/$d" ] && cp -R "$src/$d" "$E2E_TMP/course/"
done
export LAMBDA_TUTOR_COURSE="$E2E_TMP/course/lessons"
module1=$(ls -d "$LAMBDA_TUTOR_COURSE"/01-* | head -1)
file=$(awk '/^ *file:/ { sub(/^ *file: */, ""); gsub(/"/, ""); print; exit }' "$module1/module.yaml")
[ -f "$module1/$file" ] || e2e_fail "no first page file in $module1"

e2e_start
e2e_wait "Modules"
e2e_keys 1 Enter
e2e_wait "page 1/"
e2e_keys q
e2e_wait "◀ reading"
e2e_keys q q
e2e_exited 0
e2e_kill

printf '\nA paragraph added after the learner read the page.\n' >>"$module1/$file"
e2e_start
e2e_wait "Modules"
e2e_keys 1
e2e_wait "updated since you read it"
e2e_keys Enter
e2e_wait "page 1/"
e2e_keys q
e2e_wait "◀ reading"
e2e_wait_gone "updated since you read it"
e2e_keys q q
e2e_exited 0
echo "ok - a page changed since it was read says so until it is read again"
