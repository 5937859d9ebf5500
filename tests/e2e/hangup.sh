#!/bin/sh
# The tutor ends cleanly when its terminal goes away, as when an SSH session drops: within a
# second, exit status 0, nothing it showed lost, no process left behind and none spinning.
# Four ways the terminal goes: the tmux server dies (SIGHUP from the kernel); a tmux client
# is killed (the pane lives on: the tutor waits quietly); and a pty whose far end closes,
# once as the tutor's controlling terminal and once under setsid, where no SIGHUP comes and
# only the input hanging up tells.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP no python3"; exit 77; }

# CPU ticks (user + system) of a process; empty once it is gone.
ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null
}
# gone PID: wait up to 1 s for the process to end (a zombie has ended; its parent reaps it).
gone() {
	i=0
	while [ $i -lt 10 ]; do
		state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
		[ -z "$state" ] || [ "$state" = Z ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# No lambda-tutor process of this test (its HOME) is left, but the cloud's.
left_over() {
	for p in $(pgrep -f "$TUTOR" 2>/dev/null); do
		grep -qz "^HOME=$HOME\$" "/proc/$p/environ" 2>/dev/null || continue
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = Z ] && continue
		tr '\0' ' ' <"/proc/$p/cmdline" | grep -q " serve " && continue
		echo "$p"
	done
}

# 1. The tmux server dies, with the tutor on a page: the kernel hangs its terminal up.
e2e_start
e2e_wait "Modules"
e2e_keys 2
e2e_wait "Module 2 of"
e2e_keys Enter
e2e_wait "page 1/"
pid=$(e2e_pid)
[ -n "$pid" ] || e2e_fail "cannot find the tutor's process"
e2e_kill
gone "$pid" || e2e_fail "the tutor still runs a second after its tmux server died"
[ -z "$(left_over)" ] || e2e_fail "tutor processes left: $(left_over)"
echo "ok 1 - the tmux server dies: the tutor exits within a second, leaving nothing behind"

# What it showed is kept: the next start offers to continue on that page.
e2e_start
e2e_wait "Continue"
e2e_kill
echo "ok 2 - the page it showed when the terminal went is where the next start continues"

# 2. A client attached to the tutor's session is killed: the pane, and the tutor, live on,
# idle. Then the server goes too.
e2e_start
e2e_wait "Modules"
pid=$(e2e_pid)
python3 - "$E2E_SOCK" <<'PY' || e2e_fail "could not attach and kill a tmux client"
import fcntl, os, pty, signal, struct, subprocess, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    # As large as the pane, so that attaching does not shrink it.
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    os.execvp("tmux", ["tmux", "-L", sys.argv[1], "attach", "-t", "e2e"])
deadline = time.time() + 5
while time.time() < deadline:
    out = subprocess.run(["tmux", "-L", sys.argv[1], "list-clients"], capture_output=True,
                         text=True).stdout
    if out.strip():
        break
    time.sleep(0.1)
else:
    sys.exit(1)
os.kill(pid, signal.SIGKILL)
os.close(fd)
os.waitpid(pid, 0)
PY
t0=$(ticks "$pid")
sleep 1
t1=$(ticks "$pid")
[ -n "$t1" ] || e2e_fail "the tutor died with a client of its tmux session"
[ $((t1 - t0)) -le 10 ] || e2e_fail "the tutor spins once the client is gone: $((t1 - t0)) ticks in 1 s"
e2e_wait "Modules"
e2e_kill
gone "$pid" || e2e_fail "the tutor still runs a second after its tmux server died"
echo "ok 3 - a killed tmux client leaves the tutor idle in its pane, which still serves"

# 3 and 4. A pty whose far end closes: as the controlling terminal, and under setsid.
n=3
for mode in ctty setsid; do
	python3 - "$TUTOR" "$mode" <<'PY' || e2e_fail "$mode: see above"
import fcntl, os, select, struct, subprocess, sys, termios, time
tutor, mode = sys.argv[1], sys.argv[2]
m, s = os.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
def child():
    os.setsid()
    if mode == "ctty":
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
p = subprocess.Popen([tutor], stdin=s, stdout=s, stderr=s, preexec_fn=child,
                     env=dict(os.environ, TERM="xterm-256color"))
os.close(s)
out, deadline = b"", time.time() + 10
while b"Modules" not in out and time.time() < deadline:
    if select.select([m], [], [], 0.2)[0]:
        try:
            out += os.read(m, 65536)
        except OSError:
            break
if b"Modules" not in out:
    p.kill()
    print("FAIL: %s: the tutor did not start" % mode)
    sys.exit(1)
os.close(m)
t0 = time.time()
try:
    rc = p.wait(1.5)
except subprocess.TimeoutExpired:
    a = open("/proc/%d/stat" % p.pid).read().split()
    time.sleep(1)
    b = open("/proc/%d/stat" % p.pid).read().split()
    p.kill()
    p.wait()
    print("FAIL: %s: the tutor still runs after its pty closed, using %d%% of a CPU" %
          (mode, int(b[13]) + int(b[14]) - int(a[13]) - int(a[14])))
    sys.exit(1)
if rc != 0 or time.time() - t0 > 1.0:
    print("FAIL: %s: exit status %s after %.2f s" % (mode, rc, time.time() - t0))
    sys.exit(1)
PY
	[ -z "$(left_over)" ] || e2e_fail "$mode: tutor processes left: $(left_over)"
	n=$((n + 1))
	echo "ok $n - $mode: its pty closed, the tutor exits 0 within a second, leaving nothing"
done
echo "1..5"
