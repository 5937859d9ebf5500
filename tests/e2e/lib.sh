# Shared by the e2e tests: each test drives the real tutor in its own tmux server, with its own
# HOME, XDG_DATA_HOME and record file, and polls the pane for text instead of sleeping.
#
#   . "$(dirname "$0")/lib.sh"
#   e2e_start [ENV=VALUE ...]    start the tutor in a 100x30 pane (E2E_COLS/E2E_ROWS to change)
#   e2e_wait TEXT                wait for TEXT in the pane (up to E2E_WAIT s, 30), else fail
#   e2e_keys KEY...              tmux send-keys
#   e2e_exited CODE              wait for the tutor to exit with CODE, terminal restored
#
# TUTOR is the binary and LESSONS the course (meson passes both: the source tree's lessons/).
# The tests run beside others on a loaded machine: a wait ends as soon as its text shows, and
# gives up only after E2E_WAIT seconds.
set -u

command -v tmux >/dev/null 2>&1 || { echo "1..0 # SKIP tmux is not installed"; exit 77; }
: "${TUTOR:?TUTOR must name the lambda-tutor binary}"

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lt-e2e.XXXXXX")
E2E_RUN=0
E2E_SOCK="lt-e2e-$$-0"
E2E_COLS=${E2E_COLS:-100}
E2E_ROWS=${E2E_ROWS:-30}
E2E_WAIT=${E2E_WAIT:-30}
LESSONS=${LESSONS:-$(dirname "$0")/../../lessons}
export LAMBDA_TUTOR_COURSE="$LESSONS"
export HOME="$E2E_TMP/home" XDG_DATA_HOME="$E2E_TMP/data" LAMBDA_TUTOR_DB="$E2E_TMP/records.db"
mkdir -p "$HOME" "$XDG_DATA_HOME"
# set-clipboard on lets the tutor's OSC 52 copies land in a tmux buffer, where tests read them.
printf 'set -g default-terminal tmux-256color\nset -g set-clipboard on\n' >"$E2E_TMP/tmux.conf"

e2e_cleanup() {
	# Every server this test started (e2e_start makes a new one each time), not only the last:
	# an earlier pane would otherwise wait out its sleep after the test.
	i=0
	while [ "$i" -le "${E2E_RUN:-0}" ]; do
		tmux -L "lt-e2e-$$-$i" kill-server 2>/dev/null
		i=$((i + 1))
	done
	rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT INT TERM

e2e_fail() {
	echo "FAIL: $*"
	echo "--- pane:"
	e2e_capture
	exit 1
}

e2e_capture() {
	tmux -L "$E2E_SOCK" capture-pane -p -t e2e 2>/dev/null
}

# The pane runs the tutor, prints its exit status for e2e_exited, then stays open (a pane that
# dies at once may lose its last output) until the trap kills the server.
# Prints TTY=sane when the terminal is back in cooked mode with echo.
E2E_SANE="stty -a | tr ' ;' '\\n\\n' | grep -cx -e icanon -e echo | grep -q 2 && echo TTY=sane"

e2e_start() {
	# A fresh server each time: a socket name being shut down cannot be reused at once.
	E2E_RUN=$((E2E_RUN + 1))
	E2E_SOCK="lt-e2e-$$-$E2E_RUN"
	envs=""
	for kv in "$@"; do
		envs="$envs '$kv'"
	done
	tmux -L "$E2E_SOCK" -f "$E2E_TMP/tmux.conf" new-session -d -s e2e -x "$E2E_COLS" \
		-y "$E2E_ROWS" "env LC_ALL=C.UTF-8 $envs '$TUTOR'; echo EXITED=\$?; $E2E_SANE; exec sleep 600" ||
		e2e_fail "tmux could not start"
}

e2e_wait() {
	i=0
	while [ $i -lt $((E2E_WAIT * 10)) ]; do
		e2e_capture | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	e2e_fail "waited $E2E_WAIT s for: $1"
}

e2e_wait_gone() {
	i=0
	while [ $i -lt $((E2E_WAIT * 10)) ]; do
		e2e_capture | grep -qF -- "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	e2e_fail "still showing after $E2E_WAIT s: $1"
}

e2e_keys() {
	tmux -L "$E2E_SOCK" send-keys -t e2e "$@"
}

e2e_exited() {
	e2e_wait "EXITED=$1"
	e2e_wait "TTY=sane"
	alt=$(tmux -L "$E2E_SOCK" display-message -p -t e2e '#{alternate_on}')
	[ "$alt" = 0 ] || e2e_fail "the terminal was left on the alternate screen"
}

# The tutor's process id, for signals.
e2e_pid() {
	pane=$(tmux -L "$E2E_SOCK" display-message -p -t e2e '#{pane_pid}')
	pgrep -P "$pane" -f lambda-tutor | head -1
}

e2e_kill() {
	tmux -L "$E2E_SOCK" kill-server 2>/dev/null
}

# The title of page N (1-based) of the module in folder DIR, from its module.yaml.
e2e_page_title() {
	awk -v want="$2" '
		/^pages:/ { inpages = 1; next }
		inpages && /^[^ -]/ { exit }
		inpages && /^ *- *id:/ { n++ }
		inpages && n == want && /^ *title:/ {
			sub(/^ *title: */, ""); gsub(/^"|"$/, ""); print; exit
		}' "$1/module.yaml"
}
