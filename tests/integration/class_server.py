"""
The class server (`lambda-tutor class serve`) with learners as separate processes on
loopback: two honest learners join and their records reach the server graded as their own
tutors graded them; a hostile one tries every forgery the server must refuse (a classmate's
name, a wrong or borrowed token, a replayed batch, quiz answers for a closed attempt, an
unknown quiz or version, marks of its own making, a trainer's kind of event, malformed
requests); a learner offline while the server is away sends what waited when it is back,
once; a server killed with SIGKILL keeps what it acknowledged. TAP.

    python3 class_server.py path/to/lambda-tutor path/to/gen-class SOURCE_ROOT
"""

import csv
import glob
import io
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "runtimes"))
sys.path.insert(0, HERE)
from rtlib import Tap  # noqa: E402
import record_chain  # noqa: E402

TUTOR, GEN, ROOT = sys.argv[1], sys.argv[2], sys.argv[3]
TMP = tempfile.mkdtemp(prefix="class-server-")
CLASS = os.path.join(TMP, "class")
HOMES = os.path.join(TMP, "learners")


class Server:
    """`lambda-tutor class serve CLASS`, its address and class code."""

    def __init__(self, listen="127.0.0.1:0", folder=CLASS, sock=None, extra=()):
        where = (["--socket", sock] if sock else ["--listen", listen]) + list(extra)
        self.proc = subprocess.Popen(
            [TUTOR, "class", "serve", folder] + where,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self.url = self.code = self.fingerprint = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self.code:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the class server stopped: " + self.proc.stderr.read())
            m = re.search(r"serving ((?:https?|unix):\S+)", line)
            self.url = m.group(1) if m else self.url
            m = re.match(r"certificate SHA-256 (\S+)", line)
            self.fingerprint = m.group(1) if m else self.fingerprint
            m = re.match(r"key SHA-256 (\S+)", line)
            self.key_pin = m.group(1) if m else getattr(self, "key_pin", None)
            self.renewed = getattr(self, "renewed", False) or "issued again" in line
            m = re.match(r"class code (\S+)", line)
            self.code = m.group(1) if m else None
        self.port = int(self.url.rsplit(":", 1)[1]) if not sock else None

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()


def tutor(db, *args, learner=None):
    argv = [TUTOR, "--db", db] + (["--learner", learner] if learner else []) + list(args)
    env = dict(os.environ, HOME=HOMES)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)


def http(method, path, body=None, token=None, raw=None):
    """(status, answer as JSON or None)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(SERVER.url + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, None


def rows(db, where="1"):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute("SELECT id, kind, item, data FROM events WHERE %s ORDER BY id"
                           % where).fetchall()
    finally:
        con.close()


def held(db):
    """A record's rows as the server keeps them: check runs without a code package are kept
    as unreproduced (test_unknown_exercise), so their data is not compared."""
    return [x[:3] if x[1] == "check_run" else x for x in rows(db)]


def token_of(db):
    with open(db + ".class.json") as f:
        return json.load(f)["token"]


def local_append(db, kind, item, data, module=None):
    """What a learner's tutor does: append one event, chained, to their own record; its id."""
    con = sqlite3.connect(db)
    try:
        id_ = record_chain.append(con, int(time.time() * 1000), kind, module, item, data)
        con.commit()
        return id_
    finally:
        con.close()


def send(token, events):
    return http("POST", "/v1/events", {"events": events}, token)


def event(id_, kind, item, data, module=None):
    return {"id": id_, "at_ms": int(time.time() * 1000), "kind": kind, "item": item,
            "module": module, "data": data}


os.makedirs(HOMES)
subprocess.run([GEN, os.path.join(TMP, "gen"), "4", "11", str(int(time.time() * 1000))],
               check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
DB = {}
for i, name in enumerate(["ada", "bob", "mallory"]):
    DB[name] = os.path.join(HOMES, name + ".db")
    shutil.copy(os.path.join(TMP, "gen", "learner-%03d.db" % (i + 1)), DB[name])
SERVER = Server()


def test_join(t):
    for name in ("ada", "bob"):
        r = tutor(DB[name], "join", SERVER.url, SERVER.code.lower(), learner=name)
        t.eq(r.returncode, 0, "%s joins with the class code" % name, r.stderr)
        t.match(r"sent \d+ events", r.stdout, "%s's record is sent at once" % name)
        t.eq(stat.S_IMODE(os.stat(DB[name] + ".class.json").st_mode), 0o600,
             "%s's token is kept 0600" % name)
        srv = os.path.join(CLASS, name + ".db")
        t.eq(held(srv), held(DB[name]),
             "the server holds %s's record, every quiz event graded as their tutor did" % name)
    t.eq(stat.S_IMODE(os.stat(CLASS).st_mode), 0o700, "the class folder is the trainer's alone")
    t.ok(any(k == "quiz_try" for _, k, _, _ in rows(DB["ada"])),
         "the records graded include quiz answers")


def test_names(t):
    r = tutor(DB["mallory"], "join", SERVER.url, SERVER.code, learner="ada")
    t.ok(r.returncode == 2 and "taken" in r.stderr, "a classmate's name cannot be taken",
         r.stderr)
    r = tutor(DB["mallory"], "join", SERVER.url, "ABCD-EFGH", learner="mallory")
    t.ok(r.returncode == 2 and "class code" in r.stderr, "a wrong class code is refused",
         r.stderr)
    st, ans = http("POST", "/v1/join", {"code": SERVER.code, "learner": "../trainer"})
    t.eq(st, 400, "a name that is not a file name is refused", ans)
    t.ok(not os.path.exists(os.path.join(TMP, "trainer.db")), "nothing is made outside the class")
    r = tutor(DB["mallory"], "join", SERVER.url, SERVER.code, learner="mallory")
    t.eq(r.returncode, 0, "mallory joins under her own name", r.stderr)
    # One rule for a name, the tutor's and the class's: what the tutor takes, a class takes,
    # and a class knows a name in lower case.
    folder = os.path.join(TMP, "names")
    other = Server(folder=folder)
    try:
        r = subprocess.run([TUTOR, "--db", os.path.join(HOMES, "Alice.db"), "--learner", "Alice",
                            "join", other.url, other.code], capture_output=True, text=True,
                           timeout=60, cwd=ROOT, env=dict(os.environ, HOME=HOMES))
        t.ok(r.returncode == 0 and os.path.exists(os.path.join(folder, "alice.db")) and
             "as 'alice'" in r.stdout,
             "a name the tutor takes (Alice) joins a class, as 'alice'", r.stdout + r.stderr)
        r = subprocess.run([TUTOR, "--db", os.path.join(HOMES, "alice2.db"), "--learner",
                            "alice", "join", other.url, other.code], capture_output=True,
                           text=True, timeout=60, cwd=ROOT, env=dict(os.environ, HOME=HOMES))
        t.ok(r.returncode == 2 and "taken" in r.stderr,
             "and 'alice' is then taken: one learner whatever the case", r.stderr)
        bad = subprocess.run([TUTOR, "--db", os.path.join(HOMES, "x.db"), "--learner",
                              "a" * 33, "join", other.url, other.code], capture_output=True,
                             text=True, timeout=60, cwd=ROOT, env=dict(os.environ, HOME=HOMES))
        t.ok(bad.returncode == 2 and "1-32 of letters" in bad.stderr and
             len(bad.stderr.splitlines()) == 1 and
             not os.path.exists(os.path.join(folder, "a" * 33 + ".db")),
             "a name the class would refuse is refused by the tutor first, with the rule",
             bad.stderr)
    finally:
        other.stop()


def test_tokens(t):
    ada, bob = token_of(DB["ada"]), token_of(DB["bob"])
    borrowed = "lt1.ada." + bob.rsplit(".", 1)[1]
    before = rows(os.path.join(CLASS, "ada.db"))
    nxt = before[-1][0] + 1
    for name, tok in (("bob's secret under ada's name", borrowed),
                      ("a made-up token", "lt1.ada." + secrets.token_hex(32)),
                      ("a token of no shape", "ada"), ("no token", None)):
        st, ans = send(tok, [event(nxt, "page_view", "what-is-lambda", None)])
        t.eq(st, 401, "%s is refused" % name, ans)
    t.eq(rows(os.path.join(CLASS, "ada.db")), before, "ada's record is as she sent it")
    st, ans = http("GET", "/v1/acked", token=ada)
    t.ok(st == 200 and ans["learner"] == "ada" and ans["acked"] == before[-1][0],
         "ada's own token speaks for ada", ans)


def test_replay(t):
    tok = token_of(DB["ada"])
    srv = os.path.join(CLASS, "ada.db")
    before = rows(srv)
    mine = rows(DB["ada"])[-3:]
    batch = [event(i, k, it, d) for i, k, it, d in mine]
    st, ans = send(tok, batch)
    t.ok(st == 200 and ans["recorded"] == 0, "a batch sent again records nothing", ans)
    t.eq(rows(srv), before, "every event is held once")
    st, ans = send(tok, [event(before[-1][0] + 2, "page_view", "a", None),
                         event(before[-1][0] + 1, "page_view", "b", None)])
    t.eq(st, 400, "events out of order are refused", ans)


def test_gaps(t):
    """A record's ids follow one another: a gap is events taken out of it before sending."""
    global SERVER
    main, folder = SERVER, os.path.join(TMP, "gaps")
    SERVER = Server(folder=folder)
    try:
        st, ans = http("POST", "/v1/join", {"code": SERVER.code, "learner": "gapper"})
        tok = ans.get("token") if ans else None
        st, ans = send(tok, [event(1, "page_view", "what-is-lambda", None, "core-concepts"),
                             event(4, "page_view", "function-anatomy", None, "core-concepts")])
        srv = rows(os.path.join(folder, "gapper.db"))
        notes = {i: json.loads(d) for i, k, _, d in srv if k == "refused"}
        t.ok(st == 200 and ans.get("refused_count") == 1 and
             "events 2 to 3 never came" in ans["refused"][0]["why"] and
             [i for i, _, _, _ in srv] == [1, 2, 4] and notes.get(2, {}).get("kind") == "gap",
             "a gap in a record's ids is kept as a note where the events were, and told",
             (st, ans, srv))
    finally:
        SERVER.stop()
        SERVER = main


def quiz_of(db):
    """A quiz the learner finished, its first start's data and a wrong answer it holds."""
    starts, wrong = {}, {}
    for _, kind, item, data in rows(db, "kind LIKE 'quiz%'"):
        d = json.loads(data)
        if kind == "quiz_start":
            starts.setdefault(item, (data, 0))
            starts[item] = (starts[item][0], starts[item][1] + 1)
        if kind == "quiz_try" and d["fraction"] == 0 and item not in wrong:
            wrong[item] = d
    item = next(q for q in wrong if q in starts)
    return item, starts[item][0], starts[item][1], wrong[item]


def test_forged_quiz(t):
    db, srv = DB["mallory"], os.path.join(CLASS, "mallory.db")
    tok = token_of(db)
    quiz, start, n_starts, wrong = quiz_of(db)
    nxt = rows(srv)[-1][0] + 1
    finish = json.dumps({"attempt": 1, "score": 15, "max": 15, "percent": 100,
                         "passed": True, "reason": "submitted"})
    st, ans = send(tok, [event(nxt, "quiz_finish", quiz, finish)])
    t.ok(st == 200 and ans["refused_count"] == 1 and "not open" in ans["refused"][0]["why"],
         "a score for a closed attempt is refused", ans)
    t.eq(rows(srv, "id = %d" % nxt)[0][1], "refused",
         "the trainer's copy keeps a note of the refusal in its place")
    st, ans = send(tok, [event(nxt + 1, "quiz_try", "no-such-quiz", json.dumps(wrong))])
    t.ok(ans and ans.get("refused_count") == 1 and "not one this class holds"
         in ans["refused"][0]["why"], "an answer for a quiz the server lacks is refused", ans)
    # A new attempt, copied from the learner's first: the questions are the server's versions.
    again = re.sub(r'"attempt":\d+', '"attempt":%d' % (n_starts + 1), start, count=1)
    tampered = re.sub(r'"hash":"([0-9a-f])', lambda m: '"hash":"%s' % ("0" if m.group(1) != "0"
                                                                      else "1"), again)
    st, ans = send(tok, [event(nxt + 2, "quiz_start", quiz, tampered)])
    t.ok(ans and ans.get("refused_count") == 1, "a start whose questions are not the "
         "server's versions is refused", ans)
    st, ans = send(tok, [event(nxt + 3, "quiz_start", quiz, again)])
    opened = st == 200 and ans["refused_count"] == 0
    t.ok(opened, "a new attempt at the same version opens", ans)
    forged = dict(wrong, attempt=n_starts + 1, fraction=1, mark=wrong["max"], penalty=0,
                  **{"try": 1})
    st, ans = send(tok, [event(nxt + 4, "quiz_try", quiz, json.dumps(forged))])
    got = json.loads(rows(srv, "id = %d" % (nxt + 4))[0][3]) if opened else {}
    t.ok(opened and got.get("fraction") == 0 and got.get("mark") == 0,
         "a wrong answer marked right by the learner is recorded as the server grades it",
         "%r %r" % (ans, got))
    st, ans = send(tok, [event(nxt + 5, "quiz_finish", quiz, finish.replace(
        '"attempt": 1', '"attempt": %d' % (n_starts + 1)))])
    got = json.loads(rows(srv, "id = %d" % (nxt + 5))[0][3]) if opened else {}
    t.ok(opened and got.get("percent", 100) < 100 and got.get("passed") is not True,
         "the attempt's score is the server's, not the one claimed", got)


def test_unknown_exercise(t):
    """A check run of an exercise the course does not have is refused and never credited."""
    db, srv = DB["bob"], os.path.join(CLASS, "bob.db")
    run = json.dumps({"passed": 5, "total": 5, "tasks": []})
    new = local_append(db, "check_run", "hello-function", run)
    r = tutor(db, "join", "--sync")
    got = rows(srv, "id = %d" % new)
    t.ok(r.returncode == 0 and got and got[0][1] == "refused" and
         "not one this class's course has" in (got[0][3] or ""),
         "a check run of an exercise the course lacks is refused at upload",
         "%r %s" % (got, r.stdout + r.stderr))
    review = local_append(db, "review", "iam", json.dumps({"criterion": 4, "note": "x"}))
    later = local_append(db, "page_view", "function-anatomy", None, "core-concepts")
    r = tutor(db, "join", "--sync")
    held_review = rows(srv, "id = %d" % review)
    t.ok(r.returncode == 0 and rows(srv, "id = %d" % later) and
         [x[1:] for x in held_review] == [("private", None, None)],
         "a kind the server refuses stays in the learner's record (only its place goes) and "
         "blocks nothing",
         r.stdout + r.stderr)
    bare = local_append(db, "check_run", "hello-world", json.dumps(
        {"exercise": "hello-world", "status": "passed", "passed": 5, "total": 5,
         "tasks": [{"id": "a", "pass": True}]}), module="core-concepts")
    tutor(db, "join", "--sync")
    got = rows(srv, "id = %d" % bare)
    kept = json.loads(got[0][3]) if got else {}
    t.ok(kept.get("status") == "unreproduced" and kept.get("passed") == 0 and
         not any(x.get("pass") for x in kept.get("tasks", [])) and
         kept.get("claimed", {}).get("passed") == 5,
         "a check run without its code package is kept as unreproduced at once", kept)
    grades = subprocess.run([TUTOR, "export", CLASS, "--format", "grades"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    t.ok(grades.returncode == 0 and "hello-function" not in grades.stdout,
         "and the grades export does not credit it", grades.stdout[-400:] + grades.stderr)


def test_bad_requests(t):
    tok = token_of(DB["bob"])
    nxt = rows(os.path.join(CLASS, "bob.db"))[-1][0] + 1
    cases = [
        ("malformed JSON", http("POST", "/v1/events", raw=b'{"events": [', token=tok), 400),
        ("a trainer's review", send(tok, [event(nxt, "review", "x", '{"score": 10}')]), 400),
        ("data that is not JSON", send(tok, [event(nxt, "hint", "x", "{")]), 400),
        ("an id of 0", send(tok, [event(0, "hint", "x", None)]), 400),
        ("a chain that is not 64 hex digits",
         send(tok, [dict(event(nxt, "hint", "x", None), chain="ab")]), 400),
        ("an \"after\" with a negative id",
         http("POST", "/v1/events", {"after": {"id": -1, "chain": ""}, "events": []}, tok), 400),
        ("an \"after\" past the record's start without a chain",
         http("POST", "/v1/events", {"after": {"id": 3, "chain": ""}, "events": []}, tok), 400),
        ("a \"bare\" that is not true or false",
         http("POST", "/v1/events", {"after": {"id": 0, "chain": "", "bare": 1},
                                      "events": []}, tok), 400),
        ("an \"after\" the class never received",
         http("POST", "/v1/events", {"after": {"id": nxt + 5, "chain": "0" * 64},
                                      "events": [event(nxt + 6, "hint", "x", None)]}, tok), 409),
        ("a join that is not JSON", http("POST", "/v1/join", raw=b"\x00\xff"), 400),
        ("an unknown path", http("GET", "/v1/nothing"), 404),
        ("a GET of join", http("GET", "/v1/join"), 405),
    ]
    for name, (st, ans), want in cases:
        t.ok(st == want and ans and ans.get("error"), "%s gets %d and one line" % (name, want),
             (st, ans))
    t.eq(rows(os.path.join(CLASS, "bob.db"))[-1][0], nxt - 1, "and changes nothing")


def test_offline(t):
    global SERVER
    port = SERVER.port
    SERVER.stop()
    new = local_append(DB["bob"], "page_view", "function-anatomy", None, "core-concepts")
    r = tutor(DB["bob"], "join", "--sync")
    t.ok(r.returncode == 2 and "cannot be reached: 1 event waits here" in r.stderr and
         len(r.stderr.splitlines()) == 1 and not r.stdout,
         "with the server away, join --sync says so in one line, exits 2, the event waits",
         r.stdout + r.stderr)
    SERVER = Server("127.0.0.1:%d" % port)
    r = tutor(DB["bob"], "join", "--sync")
    t.ok(r.returncode == 0 and "sent 1 event " in r.stdout, "it goes when the server is back",
         r.stdout + r.stderr)
    srv = os.path.join(CLASS, "bob.db")
    t.eq([x[0] for x in rows(srv, "id = %d" % new)], [new], "once, under its own id")
    r = tutor(DB["bob"], "join", "--sync")
    t.match(r"sent 0 events", r.stdout, "and is not sent twice")
    SERVER.stop(signal.SIGKILL)
    SERVER = Server("127.0.0.1:%d" % port)
    st, ans = http("GET", "/v1/acked", token=token_of(DB["bob"]))
    t.ok(st == 200 and ans["acked"] == new, "a server killed with SIGKILL lost nothing it "
         "acknowledged", ans)


def test_wrong_record(t):
    fresh = os.path.join(HOMES, "fresh.db")
    shutil.copy(os.path.join(TMP, "gen", "learner-000.db"), fresh)
    shutil.copy(DB["bob"] + ".class.json", fresh + ".class.json")
    r = tutor(fresh, "join", "--sync")
    t.ok(r.returncode == 2 and "not the record that joined" in r.stderr,
         "a record shorter than what the class holds is not sent over it", r.stderr)


def renumber(db, sql):
    """What a learner can do to their own record with sqlite3: the triggers dropped first."""
    con = sqlite3.connect(db)
    try:
        con.executescript("DROP TRIGGER IF EXISTS events_no_update;"
                          "DROP TRIGGER IF EXISTS events_no_delete;" + sql)
    finally:
        con.close()


def test_renumbered(t):
    """A record renumbered or reordered with sqlite3, after it was sent or before, is refused
    by the server, which keeps what it received; grade tells it from the tutor's own."""
    folder = os.path.join(TMP, "class-renumbered")
    server = Server(folder=folder)
    try:
        renumbered(t, server, folder)
    finally:
        server.stop()


def renumbered(t, server, folder):
    ren = os.path.join(HOMES, "ren.db")
    shutil.copy(os.path.join(TMP, "gen", "learner-000.db"), ren)
    r = tutor(ren, "join", server.url, server.code, learner="ren")
    t.eq(r.returncode, 0, "a record in the tutor's own order is received", r.stderr)
    srv = os.path.join(folder, "ren.db")
    kept = held(srv)
    last = rows(ren)[-1][0]
    # After it was sent: every id moved up, the class's events sent again as new ones.
    renumber(ren, "UPDATE events SET id = id + 1000;")
    r = tutor(ren, "join", "--sync")
    t.ok(r.returncode != 0 and "no longer holds event %d" % last in r.stderr,
         "a record renumbered after it was sent is refused, naming the event", r.stderr)
    t.eq(held(srv), kept, "and the class keeps what it received, nothing added")
    # Two events the class holds swapped in place, and one more recorded after them.
    renumber(ren, "UPDATE events SET id = id - 1000;"
             "UPDATE events SET id = -1 WHERE id = 2; UPDATE events SET id = 2 WHERE id = 3;"
             "UPDATE events SET id = 3 WHERE id = -1;")
    local_append(ren, "page_view", "what-is-lambda", None, "core-concepts")
    r = tutor(ren, "join", "--sync")
    t.ok(r.returncode != 0 and "changed after the class received it" in r.stderr,
         "a record reordered after it was sent is refused", r.stderr)
    t.eq(held(srv), kept, "nothing of it is taken")
    seen = json.load(open(os.path.join(folder, ".seen.json"))).get("ren", {})
    t.ok("renumbered, reordered or edited" in json.dumps(seen),
         "the dashboard's sync state says why", seen)
    # Before it was sent: two rows of a record that never reached the class, swapped.
    reo = os.path.join(HOMES, "reo.db")
    shutil.copy(os.path.join(TMP, "gen", "learner-000.db"), reo)
    renumber(reo, "UPDATE events SET id = -1 WHERE id = 4; UPDATE events SET id = 4 WHERE id = 5;"
             "UPDATE events SET id = 5 WHERE id = -1;")
    r = tutor(reo, "grade", "hello-world")
    t.ok(r.returncode == 2 and "event 4 does not follow the one before it" in r.stderr,
         "grade tells a reordered record as changed outside lambda-tutor", r.stderr)
    # The issue's own forgery: a failed run marked passed, appended with one INSERT.
    ins = os.path.join(HOMES, "ins.db")
    shutil.copy(os.path.join(TMP, "gen", "learner-000.db"), ins)
    r = tutor(ins, "join", server.url, server.code, learner="ins")
    kept = held(os.path.join(folder, "ins.db"))
    con = sqlite3.connect(ins)
    con.execute("INSERT INTO events(at_ms, kind, module, item, data) VALUES (?, 'check_run',"
                " 'core-concepts', 'hello-world', ?)",
                (int(time.time() * 1000), json.dumps({"status": "passed", "passed": 5,
                                                      "total": 5, "tasks": []})))
    con.commit()
    con.close()
    r = tutor(ins, "join", "--sync")
    t.ok(r.returncode != 0 and "carries no chain" in r.stderr and
         held(os.path.join(folder, "ins.db")) == kept,
         "a pass appended with one sqlite3 INSERT is refused by the server", r.stderr)
    r = tutor(ins, "grade", "hello-world")
    t.ok(r.returncode == 2 and "does not follow the one before it" in r.stderr,
         "and grade tells the record as changed outside lambda-tutor", r.stderr)
    r = tutor(reo, "join", server.url, server.code, learner="reo")
    t.ok("event 4 of your record does not follow event 3" in r.stderr + r.stdout,
         "the server refuses a record reordered before it was sent", r.stdout + r.stderr)
    srv = os.path.join(folder, "reo.db")
    t.ok(not any(x[0] >= 4 for x in (rows(srv) if os.path.exists(srv) else [])),
         "and takes nothing from it", rows(srv) if os.path.exists(srv) else None)


def test_dashboard(t):
    r = subprocess.run([TUTOR, "trainer", CLASS, "--once", "--json"], capture_output=True,
                       text=True, timeout=60, cwd=ROOT)
    ok = r.returncode == 0
    learners = {x.get("id"): x for x in json.loads(r.stdout)["learners"]} if ok else {}
    t.eq(sorted(learners), ["ada", "bob", "mallory"],
         "the trainer's dashboard reads the class served", r.stderr)
    m = learners.get("mallory", {})
    t.ok(m.get("refused", 0) >= 3 and learners["ada"].get("refused") == 0,
         "and shows who had events refused", m)
    r = subprocess.run([TUTOR, "trainer", CLASS, "--once"], capture_output=True, text=True,
                       timeout=60, cwd=ROOT)
    t.match(r"^mallory: the class server refused \d+ events; last: ", r.stdout,
            "with the last reason, in words")


LIVE_GRACE_S = 2  # class/live.h: LIVE_GRACE_MS


def trainer(*args):
    return subprocess.run([TUTOR, "trainer", CLASS] + list(args), capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


def room(db):
    st, ans = http("GET", "/v1/room", token=token_of(db))
    return ans if st == 200 else {"status": st, "answer": ans}


def live_panel():
    r = trainer("--once", "--json")
    return json.loads(r.stdout).get("live", {}) if r.returncode == 0 else {"error": r.stderr}


def test_live(t):
    """The trainer pushes a question; the room answers through the server, once, while open."""
    _, _, _, wrong = quiz_of(DB["ada"])
    qid, resp = wrong["question"], wrong["response"]
    t.ok("live" not in room(DB["ada"]), "before a push, the room has no live question")
    r = trainer("--push", qid, "--seconds", "120")
    t.ok(r.returncode == 0 and "pushed " + qid in r.stdout, "the trainer pushes a question",
         r.stdout + r.stderr)
    live = room(DB["ada"]).get("live", {})
    t.ok(live.get("question") == qid and live.get("open") and live.get("timer") and
         0 < live.get("left_ms", 0) <= 120000 and not live.get("revealed"),
         "a learner's tutor reads the pushed question, open, with its timer", live)
    push, qhash = live.get("push", live.get("id")), live.get("hash")
    answer = {"push": push, "hash": qhash, "response": resp, "seconds": 3, "fraction": 1}
    local_append(DB["bob"], "live_answer", qid, json.dumps(answer))
    r = tutor(DB["bob"], "join", "--sync")
    got = [json.loads(d) for _, k, _, d in rows(os.path.join(CLASS, "bob.db"))
           if k == "live_answer"]
    t.ok(r.returncode == 0 and len(got) == 1 and got[0]["fraction"] == 0,
         "bob's answer reaches the server, graded by it (the full marks claimed replaced)",
         "%s %r" % (r.stderr, got))
    srv = os.path.join(CLASS, "mallory.db")
    nxt = rows(srv)[-1][0] + 1
    tok = token_of(DB["mallory"])
    cases = [("another version of the question", dict(answer, hash="0" * 64), "version"),
             ("another push", dict(answer, push=push - 1), "not the one"),
             ("no response", {k: v for k, v in answer.items() if k != "response"}, "needs")]
    for name, data, why in cases:
        st, ans = send(tok, [event(nxt, "live_answer", qid, json.dumps(data))])
        t.ok(st == 200 and ans["refused_count"] == 1 and why in ans["refused"][0]["why"],
             "an answer for %s is refused" % name, ans)
        nxt += 1
    st, ans = send(tok, [event(nxt, "live_answer", qid, json.dumps(answer))])
    t.ok(st == 200 and ans["refused_count"] == 0, "mallory's answer counts", ans)
    st, ans = send(tok, [event(nxt + 1, "live_answer", qid, json.dumps(answer))])
    t.ok(ans and ans.get("refused_count") == 1 and "already" in ans["refused"][0]["why"],
         "a second answer to the same push is refused", ans)
    nxt += 2
    panel = live_panel()
    bars = panel.get("bars", [])
    t.ok(panel.get("answered") == 2 and panel.get("not_answered") == ["ada"] and
         panel.get("answered_by") == ["bob", "mallory"] and
         panel.get("open") and 0 < panel.get("left_s", 0) <= 120,
         "the trainer's panel counts the room's answers, who has not answered, time left",
         panel)
    t.ok(bars and sum(b["count"] for b in bars) >= 2 and
         all("right" not in b for b in bars) and any(b["percent"] > 0 for b in bars) and
         panel.get("text"), "with the question's text, option labels and shares; the "
         "right answer hidden until revealed", panel)
    r = trainer("--once")
    t.match(r"Live question %s \(open, \d+ s left\): 2 of 3 answered" % re.escape(qid),
            r.stdout, "the text dashboard shows the live question too")
    r = trainer("--close")
    t.ok(r.returncode == 0 and not room(DB["ada"])["live"]["open"],
         "the trainer closes the question for the room", r.stdout + r.stderr)
    time.sleep(LIVE_GRACE_S + 0.3)
    tok = token_of(DB["mallory"])
    st, ans = send(tok, [event(nxt, "live_answer", qid, json.dumps(answer))])
    t.ok(ans and ans.get("refused_count") == 1 and "closed" in ans["refused"][0]["why"] and
         live_panel().get("answered") == 2,
         "an answer to a closed question is refused and does not count", ans)
    r = trainer("--reveal")
    panel = live_panel()
    t.ok(r.returncode == 0 and room(DB["ada"])["live"]["revealed"] and
         any(b.get("right") for b in panel.get("bars", [])),
         "reveal shows the room the right answer, and the panel marks it", panel)
    items = subprocess.run([TUTOR, "export", CLASS, "--format", "items"], capture_output=True,
                           text=True, timeout=60, cwd=ROOT).stdout.splitlines()
    longs = subprocess.run([TUTOR, "export", CLASS, "--format", "long"], capture_output=True,
                           text=True, timeout=60, cwd=ROOT).stdout.splitlines()
    t.ok(any(x.startswith("live,%s,,2,1,0," % qid) for x in items) and
         sum(1 for x in longs if x.startswith(("bob,", "mallory,")) and ",live,live,%d,%s,"
             % (push, qid) in x) == 2,
         "the answers go into the item statistics and the long export",
         [x for x in items if x.startswith("live")])
    r = subprocess.run([TUTOR, "stats", "live", "--class", CLASS], capture_output=True,
                       text=True, timeout=60, cwd=ROOT)
    t.ok(r.returncode == 0 and any(x.startswith("live,%s,,2,1,0," % qid)
                                   for x in r.stdout.splitlines()),
         "stats live --class gives the live questions' item statistics", r.stdout + r.stderr)
    r = subprocess.run([TUTOR, "export", CLASS, "--format", "xapi"], capture_output=True,
                       text=True, timeout=60, cwd=ROOT)
    lines = r.stdout.splitlines()
    live = [json.loads(x) for x in lines if "/live/" in x]
    ok = len(live) == 2
    for st in live:
        d, res = st["object"]["definition"], st["result"]
        ids = {c["id"] for c in d.get("choices", [])}
        ok = ok and st["verb"]["display"]["en-US"] == "answered" and \
            st["object"]["id"].endswith("/live/" + qid) and \
            d.get("interactionType") in ("choice", "true-false", "numeric", "fill-in",
                                         "matching", "sequencing") and \
            d.get("correctResponsesPattern") and d.get("description") and \
            (d["interactionType"] != "choice" or
             (ids and set(res["response"].split("[,]")) <= ids)) and \
            "score" in res and res.get("completion") is True and \
            st["context"]["contextActivities"]["parent"][0]["id"].endswith(
                "/live/push/%d" % push)
    t.ok(ok, "each live answer is an xAPI statement with its interaction, choices, pattern "
         "and the push it answered", live[:1])
    validator = os.path.join(ROOT, "tests", "xapi", "validate.js")
    if os.path.exists(os.path.join(ROOT, "tests", "xapi", "node_modules", "xapi-validation")) \
            and shutil.which("node"):
        v = subprocess.run(["node", validator], input="\n".join(json.dumps(x) for x in live),
                           capture_output=True, text=True, timeout=60)
        t.ok(v.returncode == 0, "xapi-validation accepts the live answers' statements",
             v.stdout + v.stderr)
    else:
        t.ok(True, "xapi-validation is not installed: structural check only # SKIP")


def test_live_quiz(t):
    """A whole quiz pushed: its questions one at a time, --next moving the room on."""
    r = trainer("--next")
    t.ok(r.returncode == 2 and "on its own" in r.stderr,
         "--next after a single question is refused", r.stderr)
    for bad, why in (("no-such-quiz", "no quiz"), ("troubleshooting", "no quiz")):
        r = trainer("--push-quiz", bad)
        t.ok(r.returncode == 2 and why in r.stderr, "--push-quiz %s is refused" % bad, r.stderr)
    r = trainer("--push-quiz", "first-function", "--seconds", "90")
    live = room(DB["ada"]).get("live", {})
    t.ok(r.returncode == 0 and "(1 of 15 in first-function)" in r.stdout and
         live.get("question") == "ff-test-before-deploy" and live.get("quiz") ==
         "first-function" and live.get("index") == 0 and live.get("count") == 15 and
         live.get("open") and live.get("timer"),
         "the quiz's first question reaches the room with its place in the quiz",
         r.stdout + r.stderr + repr(live))
    first = live.get("id")
    r = trainer("--next")
    live = room(DB["ada"]).get("live", {})
    t.ok(r.returncode == 0 and live.get("question") == "ff-handler-setting" and
         live.get("index") == 1 and live.get("id") != first and live.get("open") and
         0 < live.get("left_ms", 0) <= 90000,
         "--next pushes the second question with the same timer", live)
    path = os.path.join(CLASS, ".live.json")
    doc = json.load(open(path))
    prev = doc.get("prev", {})
    t.ok(prev.get("id") == first and prev.get("question") == "ff-test-before-deploy" and
         abs(prev.get("until_ms", 0) - time.time() * 1000) < 60000,
         "--next keeps the question it closed, and when", doc)
    # An answer given before --next reached the learner arrives just after it: it counts for
    # LIVE_GRACE_S, on the server's clock. The file is set back by hand so the test does not
    # race the machine's load.
    answer = {"push": first, "hash": prev.get("hash"), "response": "true"}
    for who, ago, refused, what in (
            ("mallory", 0, 0, "an answer to the question --next just closed still counts"),
            ("bob", LIVE_GRACE_S + 1, 1, "one arriving after the grace is refused")):
        doc["prev"]["until_ms"] = int(time.time() * 1000) - int(ago * 1000)
        with open(path + ".tmp", "w") as f:
            json.dump(doc, f)
        os.replace(path + ".tmp", path)
        nxt = rows(os.path.join(CLASS, who + ".db"))[-1][0] + 1
        st, ans = send(token_of(DB[who]), [event(nxt, "live_answer", "ff-test-before-deploy",
                                                 json.dumps(answer))])
        t.ok(ans and ans.get("refused_count") == refused and
             (not refused or "closed" in ans["refused"][0]["why"]), what, ans)
    nxt = rows(os.path.join(CLASS, "ada.db"))[-1][0] + 1
    st, ans = send(token_of(DB["ada"]), [event(nxt, "live_answer", "ff-test-before-deploy",
                                               json.dumps(dict(answer, push=first - 1)))])
    t.ok(ans and ans.get("refused_count") == 1 and "not the one" in ans["refused"][0]["why"],
         "an answer to an older push is refused", ans)
    r = trainer("--once")
    t.match(r"Live question ff-handler-setting \(2 of 15 in first-function, open",
            r.stdout, "the dashboard shows where the room is in the quiz")
    for _ in range(13):
        trainer("--next")
    live = room(DB["ada"]).get("live", {})
    r = trainer("--next")
    end = room(DB["ada"]).get("live", {})
    t.ok(live.get("index") == 14 and live.get("open") and r.returncode == 0 and
         "is over" in r.stdout and end.get("index") == 14 and not end.get("open"),
         "after the last question --next closes it and says the quiz is over",
         r.stdout + repr(end))
    # The trainer's close, like --next, leaves LIVE_GRACE_S for answers already on their way.
    doc = json.load(open(path))
    answer = {"push": end.get("id"), "hash": end.get("hash"), "response": "0"}
    for who, ago, refused, what in (
            ("ada", 0, 0, "an answer arriving just after the trainer's close counts"),
            ("bob", LIVE_GRACE_S + 1, 1, "one arriving after the grace is refused as closed")):
        doc["closed_ms"] = int(time.time() * 1000) - int(ago * 1000)
        with open(path + ".tmp", "w") as f:
            json.dump(doc, f)
        os.replace(path + ".tmp", path)
        nxt = rows(os.path.join(CLASS, who + ".db"))[-1][0] + 1
        st, ans = send(token_of(DB[who]), [event(nxt, "live_answer", end.get("question"),
                                                 json.dumps(answer))])
        t.ok(ans and ans.get("refused_count") == refused and
             (not refused or "closed" in ans["refused"][0]["why"]), what, ans)


def test_closed_module(t):
    """`check` from a shell refuses an exercise of a module the trainer closed, as the tutor's
    screens do, over the server and on a shared host; opened again, it is not refused."""
    ws = os.path.join(TMP, "closed-ws")
    runs = lambda: sum(1 for _, k, i, _ in rows(os.path.join(CLASS, "ada.db"))
                       if k == "check_run" and i == "calculator")
    before = runs()
    trainer("--open", "1")
    r = tutor(DB["ada"], "--workspace", ws, "check", "calculator")
    t.ok(r.returncode == 2 and "module 2 is not open yet: the trainer opens it" in r.stderr,
         "check refuses an exercise of a module the trainer closed", r.stderr)
    t.eq(len(r.stderr.strip().splitlines()), 1, "in one line")
    tutor(DB["ada"], "join", "--sync")
    t.eq(runs(), before, "and records no run")
    for cmd in (["exercise", "calculator"], ["quiz", "first-function"]):
        r = tutor(DB["ada"], "--workspace", ws, *cmd)
        t.ok(r.returncode == 2 and "%s: module 2 is not open yet" % cmd[0] in r.stderr,
             "nor does `lambda-tutor %s` open the closed module's" % " ".join(cmd), r.stderr)
    r = tutor(DB["ada"], "--workspace", ws, "check", "hello-world", "--lang", "cobol")
    t.ok("not open yet" not in r.stderr and "unknown language" in r.stderr,
         "an exercise of an open module is not refused", r.stderr)
    shared = os.path.join(TMP, "closed-class")
    os.makedirs(shared)
    subprocess.run([TUTOR, "trainer", shared, "--open", "1"], capture_output=True, cwd=ROOT)
    r = tutor(os.path.join(shared, "ada.db"), "--class", shared, "--workspace", ws, "check",
              "calculator")
    t.ok(r.returncode == 2 and "module 2 is not open yet" in r.stderr and
         not os.path.exists(os.path.join(shared, "ada.db")),
         "on a shared host too, with nothing recorded", r.stderr)
    r = tutor(os.path.join(shared, "ada.db"), "--class", shared, "quiz", "first-function")
    t.ok(r.returncode == 2 and "quiz: module 2 is not open yet" in r.stderr,
         "and its quiz does not open there either", r.stderr)
    trainer("--open", "all")
    r = tutor(DB["ada"], "--workspace", ws, "check", "calculator", "--lang", "cobol")
    t.ok("not open yet" not in r.stderr and "unknown language" in r.stderr,
         "opened again, it is not refused", r.stderr)


def test_reviews(t):
    """The trainer's review of a learner's project reaches that learner, and only them."""
    r = subprocess.run([TUTOR, "review", CLASS, "ada", "error-handling", "3",
                        "Retries and a DLQ; log the payload's id"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    got = room(DB["ada"]).get("reviews", [])
    t.ok(r.returncode == 0 and len(got) == 1 and got[0]["criterion"] == "error-handling" and
         got[0]["score"] == 3 and got[0]["max"] == 4 and "DLQ" in got[0]["comment"],
         "ada's room carries the trainer's score and comment", "%s %r" % (r.stderr, got))
    t.eq(room(DB["bob"]).get("reviews"), [], "bob's room has none of ada's reviews")


def test_lrs_feed(t):
    """The server sends xAPI to an LRS as records arrive: retried, each statement once."""
    portfile = os.path.join(TMP, "lrs.port")
    stub = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "xapi", "lrs_stub.py"),
                             portfile, "--auth", "k:s", "--fail-first", "2",
                             "--reject-object", "/help"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = os.path.join(TMP, "feed")
    server = None
    try:
        deadline = time.monotonic() + 20
        while not (os.path.exists(portfile) and open(portfile).read().strip()):
            if time.monotonic() > deadline:
                raise RuntimeError("the LRS stub did not start")
            time.sleep(0.05)
        base = "http://127.0.0.1:%s" % open(portfile).read().strip()

        def state():
            with urllib.request.urlopen(base + "/_stub/state", timeout=10) as r:
                return json.loads(r.read())

        def until(cond, seconds=30):
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                st = state()
                if cond(st):
                    return st
                time.sleep(0.1)
            return state()

        def settled():
            """The LRS's state once a feed pass (every second) adds nothing more."""
            st = state()
            while True:
                time.sleep(FEED_SETTLE)
                again = state()
                if again["stored"] == st["stored"] and again["posts"] == st["posts"]:
                    return again
                st = again

        args = ["--lrs", base + "/xapi", "--lrs-auth", "k:s"]
        server = Server(folder=folder, extra=args)
        db = os.path.join(HOMES, "feed.db")
        shutil.copy(DB["ada"], db)
        r = subprocess.run([TUTOR, "--db", db, "--learner", "fay", "join", server.url,
                            server.code], capture_output=True, text=True, timeout=60, cwd=ROOT,
                           env=dict(os.environ, HOME=HOMES))
        until(lambda s: s["stored"] > 0 and 200 in s["statuses"])
        st = settled()
        t.ok(r.returncode == 0 and st["stored"] > 0 and st["statuses"][:2] == [503, 503],
             "a learner's record reaches the LRS from the class server, after two 503s",
             "%s %r" % (r.stderr, {k: st[k] for k in ("stored", "statuses")}))
        ledger = os.path.join(folder, ".lrs.sent")
        t.eq(stat.S_IMODE(os.stat(ledger).st_mode), 0o600, "the feed's ledger is kept 0600")
        before = st["stored"]
        run = json.dumps({"exercise": "hello-world", "module": "core-concepts",
                          "status": "passed", "passed": 5, "total": 5, "tasks": []})
        local_append(db, "check_run", "hello-world", run, module="core-concepts")
        tutor(db, "join", "--sync")
        until(lambda s: s["stored"] > before)
        st = settled()
        per_run = st["stored"] - before
        t.ok(0 < per_run <= 3 and st["duplicates"] == 0,
             "a check run sent later reaches the LRS as it arrives, alone",
             (before, st["stored"]))
        server.stop()
        server = Server(listen="127.0.0.1:%d" % server.port, folder=folder, extra=args)
        local_append(db, "check_run", "hello-world", run, module="core-concepts")
        tutor(db, "join", "--sync")
        until(lambda s: s["stored"] > before + per_run)
        st = settled()
        t.ok(st["stored"] == before + 2 * per_run and st["duplicates"] == 0 and
             len(st["ids"]) == len(set(st["ids"])),
             "after a restart only the new statement is sent: nothing twice",
             {k: st[k] for k in ("stored", "duplicates", "posts")})
        # A raised hand's statement the LRS refuses (400, for its content) is set aside:
        # the feed's later passes, new records or not, never offer it again.
        local_append(db, "hand", None, json.dumps({"up": True, "note": "stuck on S3"}))
        tutor(db, "join", "--sync")

        def refused(s):
            return {i: n for i, n in s["offered"].items() if i not in s["ids"]}
        until(lambda s: refused(s) and 400 in s["statuses"])
        st = settled()
        aside = refused(st)
        local_append(db, "page_view", "function-anatomy", None, "core-concepts")
        tutor(db, "join", "--sync")
        until(lambda s: s["stored"] > st["stored"])
        again = settled()
        t.ok(aside and refused(again) == aside and again["stored"] == st["stored"] + 1 and
             os.path.exists(ledger + ".refused"),
             "a statement the LRS refused is set aside: later passes never offer it again",
             (aside, refused(again), st["stored"], again["stored"]))
        r = subprocess.run([TUTOR, "class", "serve", os.path.join(TMP, "feed-bad"), "--lrs",
                            "http://127.0.0.1:"], capture_output=True, text=True, timeout=60,
                           cwd=ROOT)
        t.ok(r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "port" in r.stderr and
             not os.path.exists(os.path.join(TMP, "feed-bad")),
             "class serve refuses an LRS address without its port in one line",
             r.stderr)
    finally:
        if server:
            server.stop()
        stub.terminate()
        stub.wait(timeout=30)


def test_packages(t):
    """A check result reaches the class with its code; grade --class runs it again."""
    import glob
    import hashlib
    ws, db = os.path.join(TMP, "pkg-ws"), os.path.join(HOMES, "pat.db")
    env = dict(os.environ, HOME=HOMES, NO_COLOR="1")
    os.makedirs(ws, mode=0o700)
    cloud = subprocess.Popen([TUTOR, "serve", "--workspace", ws, "--port", "0"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                             env=env)
    try:
        lock = os.path.join(ws, ".cloud", "lock")
        deadline = time.monotonic() + 60
        while not (os.path.exists(lock) and os.path.getsize(lock)):
            if time.monotonic() > deadline or cloud.poll() is not None:
                t.ok(False, "the workspace's cloud starts")
                return
            time.sleep(0.05)
        r = tutor(db, "join", SERVER.url, SERVER.code, learner="pat")
        sol = os.path.join(ROOT, "tests", "solutions", "hello-world", "python")
        tutor(db, "--workspace", ws, "reset", "hello-world", "--yes")

        def check(variant):
            for f in glob.glob(os.path.join(sol, variant, "*.py")):
                shutil.copy(f, os.path.join(ws, "hello-world"))
            return tutor(db, "--workspace", ws, "check", "hello-world")

        r = check("reference")
        srv = os.path.join(CLASS, "pat.db")
        runs = [json.loads(d) for _, k, _, d in rows(srv) if k == "check_run"]
        sha = runs[-1].get("package", {}).get("sha256") if runs else None
        held = os.path.join(CLASS, "packages", "pat", "%s.zip" % sha)
        t.ok(r.returncode == 0 and runs and runs[-1]["status"] == "passed" and sha and
             os.path.exists(held) and
             hashlib.sha256(open(held, "rb").read()).hexdigest() == sha,
             "a check run reaches the class with the package of the code it ran on",
             r.stdout[-300:] + r.stderr)
        t.ok(any(s.get("report", "").startswith("REPORT ") and "Billed Duration" in s["report"]
                 for s in runs[-1].get("steps", [])) if runs else False,
             "the run keeps each call's REPORT line, for the reviewer's metrics and cost",
             runs[-1].get("steps") if runs else None)
        st, ans = http("POST", "/v1/packages/" + sha, token=token_of(db), raw=b"other bytes")
        t.eq(st, 422, "a package whose content is not its name is refused", ans)
        check("wrong-hardcoded-name")
        failing = [json.loads(d) for _, k, _, d in rows(srv) if k == "check_run"][-1]
        forged = dict(failing, status="passed", passed=failing["total"])
        local_append(db, "check_run", "hello-world", json.dumps(forged), module="core-concepts")
        tutor(db, "join", "--sync")
        r = subprocess.run([TUTOR, "--workspace", ws, "grade", "--class", CLASS,
                            "hello-world", "--json"], capture_output=True, text=True,
                           timeout=300, cwd=ROOT, env=env)
        got = {x["learner"]: x for x in json.loads(r.stdout)} if r.stdout.strip() else {}
        pat, ada = got.get("pat", {}), got.get("ada", {})
        t.ok(r.returncode == 1 and not pat.get("reproduced") and
             pat.get("recorded", "").startswith("passed") and
             pat.get("now", "").startswith("failed"),
             "grade --class runs a forged pass again on its code and finds it fails",
             r.stdout[-600:] + r.stderr[-300:])
        t.ok(ada and not ada.get("reproduced") and "without its code" in ada.get("why", ""),
             "a result recorded without its code is not reproduced either", ada)
        shared = os.path.join(TMP, "shared-pkg")
        os.makedirs(shared)
        shutil.copy(db, os.path.join(shared, "pat.db"))
        shutil.copytree(db + ".packages", os.path.join(shared, "pat.db.packages"))
        r = subprocess.run([TUTOR, "--workspace", ws, "grade", "--class", shared,
                            "hello-world", "--json"], capture_output=True, text=True,
                           timeout=300, cwd=ROOT, env=env)
        got = json.loads(r.stdout)[0] if r.stdout.strip() else {}
        t.ok(r.returncode == 1 and got.get("now", "").startswith("failed"),
             "on a shared host, grade --class runs the code kept beside the learner's record",
             r.stdout[-400:] + r.stderr[-200:])
        r = trainer("--once")
        t.match(r"^pat: hello-world recorded passed \d+/\d+, re-run failed \d+/\d+: "
                r"not reproduced", r.stdout, "the dashboard marks the result not reproduced")
        r = subprocess.run([TUTOR, "export", CLASS, "--format", "long"], capture_output=True,
                           text=True, timeout=60, cwd=ROOT)
        line = [x for x in r.stdout.splitlines() if x.startswith("pat,") and "hello-world" in x]
        t.ok(r.returncode == 0 and any("unreproduced" in x for x in line),
             "and so does the export", line[-2:] if line else r.stderr)
        # A server started with --rerun runs each result again itself, as it arrives.
        auto = os.path.join(TMP, "auto")
        qdb = os.path.join(HOMES, "quinn.db")
        server = Server(folder=auto, extra=["--rerun", "--workspace", ws])
        try:
            r = tutor(qdb, "join", server.url, server.code, learner="quinn")
            # The workspace holds the failing variant pat checked last.
            tutor(qdb, "--workspace", ws, "check", "hello-world")
            failing = [json.loads(d) for _, k, _, d in rows(qdb) if k == "check_run"][-1]
            forged = dict(failing, status="passed", passed=failing["total"])
            local_append(qdb, "check_run", "hello-world", json.dumps(forged),
                         module="core-concepts")
            tutor(qdb, "join", "--sync")
            last = [i for i, k, _, _ in rows(os.path.join(auto, "quinn.db"))
                    if k == "check_run"][-1]
            verdict, deadline = {}, time.monotonic() + 240
            while time.monotonic() < deadline:
                try:
                    with open(os.path.join(auto, ".reruns.json")) as f:
                        verdict = json.load(f).get("quinn", {}).get("hello-world", {})
                except (OSError, ValueError):
                    verdict = {}
                if verdict.get("event") == last:
                    break
                time.sleep(0.2)
            t.ok(verdict.get("event") == last and not verdict.get("reproduced") and
                 verdict.get("recorded", "").startswith("passed") and
                 verdict.get("now", "").startswith("failed"),
                 "the class server runs a forged pass again by itself and finds it fails",
                 verdict)
            r = subprocess.run([TUTOR, "trainer", auto, "--once"], capture_output=True,
                               text=True, timeout=60, cwd=ROOT)
            t.match(r"^quinn: hello-world recorded passed \d+/\d+, re-run failed \d+/\d+: "
                    r"not reproduced", r.stdout, "the dashboard shows the server's verdict")
            t.match(r"re-runs: \d+ reproduced, [1-9]\d* not reproduced", r.stdout,
                    "and counts the server's re-runs")
            # The learner checks again (a genuine failure): the forged pass is no longer
            # the last run, but it is still what a best-run export would credit.
            forged_event = last
            tutor(qdb, "--workspace", ws, "check", "hello-world")
            tutor(qdb, "join", "--sync")
            last = [i for i, k, _, _ in rows(os.path.join(auto, "quinn.db"))
                    if k == "check_run"][-1]
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                try:
                    with open(os.path.join(auto, ".reruns.json")) as f:
                        verdict = json.load(f).get("quinn", {}).get("hello-world", {})
                except (OSError, ValueError):
                    verdict = {}
                if verdict.get("event") == last:
                    break
                time.sleep(0.2)
            earlier = {v.get("event"): v for v in verdict.get("earlier", [])}
            t.ok(verdict.get("event") == last and verdict.get("reproduced") and
                 forged_event in earlier and not earlier[forged_event].get("reproduced"),
                 "a later genuine run is verified without erasing the forged pass's verdict",
                 verdict)
            r = subprocess.run([TUTOR, "export", auto, "--format", "grades"],
                               capture_output=True, text=True, timeout=60, cwd=ROOT)
            rows_q = [x for x in csv.DictReader(io.StringIO(r.stdout))
                      if x["student_id"] == "quinn" and x["assignment"] == "hello-world"]
            t.ok(rows_q and float(rows_q[0]["raw_score"]) < float(rows_q[0]["max_score"]),
                 "the export does not credit the forged pass the server could not reproduce",
                 rows_q)
            r = subprocess.run([TUTOR, "trainer", auto, "--once"], capture_output=True,
                               text=True, timeout=60, cwd=ROOT)
            t.match(r"^quinn: hello-world recorded passed \d+/\d+, re-run failed \d+/\d+: "
                    r"not reproduced", r.stdout, "and the dashboard still marks it")
        finally:
            server.stop()
        # A learner's final project is reviewed from the code its last check run sent.
        project = dict(runs[-1], exercise="final-project", module="final-project")
        local_append(db, "check_run", "final-project", json.dumps(project),
                     module="final-project")
        tutor(db, "join", "--sync")
        r = subprocess.run([TUTOR, "review", CLASS, "pat"], capture_output=True, text=True,
                           timeout=60, cwd=ROOT, env=dict(env, HOME=os.path.join(TMP, "no")))
        names = [os.path.basename(f) for f in glob.glob(os.path.join(sol, "reference", "*.py"))]
        t.ok(r.returncode == 0 and "as its last check run sent it" in r.stdout and
             all("--- %s ---" % n in r.stdout for n in names),
             "the review shows a remote learner's code from the package the class holds",
             r.stdout[:400] + r.stderr)
        t.ok("== Code of hello-world (as its last check run sent it" in r.stdout and
             all(r.stdout.count("--- %s ---" % n) >= 2 for n in names),
             "and each exercise's code as its last check run sent it, with no --workspace",
             r.stdout[-600:])
    finally:
        cloud.terminate()
        cloud.wait(timeout=60)


FEED_SETTLE = 1.5  # a feed pass is due every second: one more would show a resend


def test_packages_quota(t):
    """No learner fills the trainer's disk: packages beyond what a learner may keep are
    refused, saying so, and the check run they go with still arrives, without its code."""
    import hashlib
    folder = os.path.join(TMP, "class-quota")
    server = Server(folder=folder, extra=["--packages-max-mb", "1"])
    try:
        quo = os.path.join(HOMES, "quo.db")
        shutil.copy(os.path.join(TMP, "gen", "learner-000.db"), quo)
        r = tutor(quo, "join", server.url, server.code, learner="quo")
        t.eq(r.returncode, 0, "a learner joins a class that keeps 1 MiB of code each", r.stderr)

        def upload(blob):
            sha = hashlib.sha256(blob).hexdigest()
            req = urllib.request.Request(server.url + "/v1/packages/" + sha, data=blob,
                                         method="POST")
            req.add_header("Authorization", "Bearer " + token_of(quo))
            try:
                with urllib.request.urlopen(req, timeout=30) as a:
                    return a.status, json.loads(a.read()), sha
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read() or b"null"), sha

        first = secrets.token_bytes(600 << 10)
        st, _, sha1 = upload(first)
        t.eq(st, 201, "a package within what a learner may keep is kept")
        st, ans, sha2 = upload(secrets.token_bytes(600 << 10))
        t.ok(st == 413 and "a learner may keep" in json.dumps(ans),
             "one beyond it is refused, saying why", (st, ans))
        st, _, _ = upload(first)
        t.eq(st, 200, "one held already is still acknowledged")
        held_pkgs = os.listdir(os.path.join(folder, "packages", "quo"))
        t.eq(held_pkgs, [sha1 + ".zip"], "only what fits is on the trainer's disk")
        # The tutor's own sync: a run whose package does not fit still reaches the class.
        blob = secrets.token_bytes(600 << 10)
        sha3 = hashlib.sha256(blob).hexdigest()
        os.makedirs(quo + ".packages", exist_ok=True)
        with open(os.path.join(quo + ".packages", sha3 + ".zip"), "wb") as f:
            f.write(blob)
        run = {"status": "failed", "passed": 0, "total": 3, "tasks": [],
               "package": {"sha256": sha3}}
        nxt = local_append(quo, "check_run", "hello-world", json.dumps(run), "core-concepts")
        r = tutor(quo, "join", "--sync")
        srv = rows(os.path.join(folder, "quo.db"))
        t.ok(r.returncode == 0 and any(x[0] == nxt and x[1] == "check_run" for x in srv),
             "the tutor's run over the limit still reaches the class, without its code",
             r.stdout + r.stderr)
        t.ok(not os.path.exists(os.path.join(folder, "packages", "quo", sha3 + ".zip")),
             "and its package is not kept")
    finally:
        server.stop()
    r = subprocess.run([TUTOR, "class", "serve", os.path.join(TMP, "class-q2"),
                        "--packages-max-mb", "lots"], capture_output=True, text=True,
                       timeout=30, cwd=ROOT)
    t.ok(r.returncode == 2 and "--packages-max-mb takes a whole number" in r.stderr,
         "a limit that is not a number is refused in one line", r.stderr)


def test_workspace_private(t):
    ws = os.path.join(TMP, "ws")
    os.makedirs(ws, mode=0o755)
    os.chmod(ws, 0o755)
    r = tutor(DB["ada"], "--workspace", ws, "reset", "hello-world", "--yes")
    t.eq(stat.S_IMODE(os.stat(ws).st_mode), 0o700, "a learner's workspace is made 0700",
         r.stdout + r.stderr)


def test_unix_socket(t):
    """On a shared host: a Unix socket, and the learner is who the kernel says."""
    import pwd
    me = pwd.getpwuid(os.getuid()).pw_name
    folder, sock = os.path.join(TMP, "shared"), os.path.join(TMP, "class.sock")
    server = Server(folder=folder, sock=sock)
    try:
        db = os.path.join(HOMES, "shared.db")
        shutil.copy(DB["ada"], db)
        r = tutor(db, "join", server.url, server.code, learner="someone-else")
        t.ok(r.returncode == 0 and "as '%s'" % me in r.stdout,
             "a learner on the socket is recorded under their login name, not the one typed",
             r.stdout + r.stderr)
        t.eq(sorted(f for f in os.listdir(folder) if f.endswith(".db")), [me + ".db"],
             "and nothing is made under the name they typed")
        t.eq(held(os.path.join(folder, me + ".db")), held(db), "their record reaches the server")
        home = os.path.join(TMP, "socket-home")
        r = subprocess.run([TUTOR, "--learner", "someone-else", "join", server.url, server.code],
                           capture_output=True, text=True, timeout=60, cwd=ROOT,
                           env=dict(os.environ, HOME=home, XDG_DATA_HOME=home))
        t.ok(r.returncode == 2 and len(r.stderr.splitlines()) == 1 and
             "your login name" in r.stderr and
             not glob.glob(os.path.join(home, "lambda-tutor", "someone-else.db*")),
             "on the socket, --learner naming another record (whose link the learner's "
             "commands would never use) is refused", r.stderr)
        again = os.path.join(HOMES, "shared2.db")
        r = tutor(again, "join", server.url, server.code)
        t.ok(r.returncode == 2 and "joined this class already" in r.stderr,
             "the same user cannot join again from a new record (its ids would clash)",
             r.stderr)
        r = tutor(os.path.join(HOMES, "shared3.db"), "join", server.url, "ABCD-EFGH")
        t.ok(r.returncode == 2 and "class code" in r.stderr,
             "a wrong class code is refused there too", r.stderr)
    finally:
        server.stop()
    t.ok(not os.path.exists(sock), "the socket is gone when the server stops")


def test_tls(t):
    """Over TLS: the class's own certificate, its fingerprint printed, kept across restarts."""
    import hashlib
    import http.client
    import ssl
    folder = os.path.join(TMP, "tls")
    server = Server(folder=folder, extra=["--tls"])
    try:
        t.ok(server.url.startswith("https://") and server.fingerprint,
             "class serve --tls serves https and prints the certificate's fingerprint",
             server.url)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=30)
        conn.request("POST", "/v1/join", json.dumps({"code": server.code, "learner": "tess"}),
                     {"Content-Type": "application/json"})
        der = conn.sock.getpeercert(binary_form=True)
        answer = conn.getresponse()
        body = json.loads(answer.read())
        conn.close()
        got = ":".join("%02X" % b for b in hashlib.sha256(der).digest())
        t.eq(got, server.fingerprint, "the certificate served is the one whose fingerprint was printed")
        t.ok(answer.status == 201 and body.get("token"), "a learner joins over TLS", body)
        key = os.path.join(folder, "tls", "key.pem")
        t.eq(stat.S_IMODE(os.stat(key).st_mode), 0o600, "the private key is kept 0600")
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/v1/acked" % server.port,
                                        timeout=10) as r:
                plain = r.status
        except urllib.error.HTTPError as e:
            plain = e.code
        except (urllib.error.URLError, OSError, http.client.HTTPException):
            plain = None
        t.ok(plain is None, "nothing is answered in the clear on the TLS port", plain)
        plain_url = "http://127.0.0.1:%d" % server.port
        r = tutor(os.path.join(HOMES, "tls0.db"), "join", plain_url, server.code, learner="tia")
        t.ok(r.returncode == 2 and len(r.stderr.splitlines()) == 1 and
             "speaks TLS: join https://127.0.0.1:%d" % server.port in r.stderr,
             "an http:// join of the TLS server is told to use https://", r.stderr)
        cleartext = Server(folder=os.path.join(TMP, "cleartext"))
        try:
            r = tutor(os.path.join(HOMES, "tls00.db"), "join",
                      "https://127.0.0.1:%d" % cleartext.port, cleartext.code, learner="tia")
            t.ok(r.returncode == 2 and len(r.stderr.splitlines()) == 1 and
                 "does not speak TLS" in r.stderr and
                 "join http://127.0.0.1:%d" % cleartext.port in r.stderr,
                 "an https:// join of a server without TLS is told to use http://", r.stderr)
        finally:
            cleartext.stop()
        pinned, tofu, wrong = (os.path.join(HOMES, n + ".db") for n in ("tls1", "tls2", "tls3"))
        for db in (pinned, tofu, wrong):
            shutil.copy(DB["ada"], db)
        r = tutor(pinned, "join", server.url, server.code, "--fingerprint",
                  server.fingerprint.lower(), learner="tom")
        t.ok(r.returncode == 0 and "pinned" in r.stdout and re.search(r"sent \d+ events", r.stdout),
             "a learner's tutor joins over TLS with the fingerprint the trainer hands out",
             r.stdout + r.stderr)
        t.eq(held(os.path.join(folder, "tom.db")), held(pinned),
             "and their record reaches the server over TLS")
        r = tutor(tofu, "join", server.url, server.code, learner="tina")
        t.ok(r.returncode == 0 and server.key_pin in r.stdout,
             "without --fingerprint, join shows the server key's to check, and pins it",
             r.stdout + r.stderr)
        bad = server.fingerprint[:-2] + ("00" if not server.fingerprint.endswith("00") else "11")
        r = tutor(wrong, "join", server.url, server.code, "--fingerprint", bad, learner="tim")
        t.ok(r.returncode == 2 and "nothing sent" in r.stderr and
             not os.path.exists(wrong + ".class.json") and
             not os.path.exists(os.path.join(folder, "tim.db")),
             "a server showing another certificate than the one given is refused", r.stderr)
    finally:
        server.stop()
    again = Server(listen="127.0.0.1:%d" % server.port, folder=folder, extra=["--tls"])
    try:
        t.eq(again.fingerprint, server.fingerprint,
             "a restarted server keeps its certificate, so learners' pins still hold")
        local_append(pinned, "page_view", "p1", None, module="m1")
        r = tutor(pinned, "join", "--sync")
        t.ok(r.returncode == 0 and "sent 1 event " in r.stdout,
             "a pinned learner syncs with the restarted server", r.stdout + r.stderr)
    finally:
        again.stop()
    # Rotation: certificates issued again for the class's key keep every learner's pin.
    os.remove(os.path.join(folder, "tls", "cert.pem"))
    rotated = Server(listen="127.0.0.1:%d" % server.port, folder=folder, extra=["--tls"])
    try:
        t.ok(rotated.renewed and rotated.fingerprint != server.fingerprint and
             rotated.key_pin == server.key_pin,
             "a certificate issued again keeps the key, and says so",
             (rotated.fingerprint, rotated.key_pin))
        local_append(pinned, "page_view", "p1b", None, module="m1")
        r = tutor(pinned, "join", "--sync")
        t.ok(r.returncode == 0 and "sent 1 event " in r.stdout,
             "a pinned learner syncs with the rotated certificate without joining again",
             r.stdout + r.stderr)
    finally:
        rotated.stop()
    renewed = Server(listen="127.0.0.1:%d" % server.port, folder=folder,
                     extra=["--tls", "--renew-cert"])
    try:
        t.ok(renewed.renewed and renewed.fingerprint not in (server.fingerprint,
                                                           rotated.fingerprint),
             "--renew-cert issues a new certificate on request", renewed.fingerprint)
        local_append(pinned, "page_view", "p1c", None, module="m1")
        r = tutor(pinned, "join", "--sync")
        t.ok(r.returncode == 0 and "sent 1 event " in r.stdout,
             "and learners' pins hold across it too", r.stdout + r.stderr)
    finally:
        renewed.stop()
    shutil.rmtree(os.path.join(folder, "tls"))
    other = Server(listen="127.0.0.1:%d" % server.port, folder=folder, extra=["--tls"])
    try:
        before = rows(os.path.join(folder, "tom.db"))
        local_append(pinned, "page_view", "p2", None, module="m1")
        r = tutor(pinned, "join", "--sync")
        t.ok(r.returncode == 2 and "not " + server.key_pin in r.stderr,
             "a server with a new key is refused by a pinned learner", r.stderr)
        t.eq(rows(os.path.join(folder, "tom.db")), before, "and nothing is sent to it")
    finally:
        other.stop()
    r = subprocess.run([TUTOR, "class", "serve", folder, "--tls", "--no-tls"],
                       capture_output=True, text=True, timeout=30, cwd=ROOT)
    t.ok(r.returncode == 2 and "usage" in r.stderr, "--tls with --no-tls is refused", r.stderr)


def class_cmd(*args):
    return subprocess.run([TUTOR, "class"] + list(args), capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_roster(t):
    """A roster lets only its names join; a learner who lost their token gets the name back."""
    r = class_cmd("roster", CLASS)
    t.ok(r.returncode == 0 and "no roster" in r.stdout and "ada joined" in r.stdout,
         "without a roster any name may join, and the command lists who has", r.stdout + r.stderr)
    bad = os.path.join(TMP, "roster-bad.txt")
    with open(bad, "w") as f:
        f.write("ada\n../trainer\n")
    r = class_cmd("roster", CLASS, "--set", bad)
    t.ok(r.returncode == 2 and "%s:2:1:" % bad in r.stderr and "../trainer" in r.stderr,
         "a roster with a name no learner can have is refused, with its line", r.stderr)
    good = os.path.join(TMP, "roster.txt")
    with open(good, "w") as f:
        f.write("# the morning group\nada\nbob\nmallory\npat  # late\n\ntom\n")
    r = class_cmd("roster", CLASS, "--set", good)
    t.ok(r.returncode == 0 and "5 names" in r.stdout, "the trainer sets the roster",
         r.stdout + r.stderr)
    eve = os.path.join(HOMES, "eve.db")
    shutil.copy(os.path.join(TMP, "gen", "learner-000.db"), eve)
    r = tutor(eve, "join", SERVER.url, SERVER.code, learner="eve")
    t.ok(r.returncode == 2 and "not on this class's roster" in r.stderr and
         not os.path.exists(os.path.join(CLASS, "eve.db")),
         "a name not on the roster cannot join", r.stderr)
    tom = os.path.join(HOMES, "tom.db")
    shutil.copy(os.path.join(TMP, "gen", "learner-000.db"), tom)
    r = tutor(tom, "join", SERVER.url, SERVER.code, learner="tom")
    t.eq(r.returncode, 0, "a name on the roster joins", r.stderr)
    lost = token_of(tom)
    os.unlink(tom + ".class.json")
    r = tutor(tom, "join", SERVER.url, SERVER.code, learner="tom")
    t.ok(r.returncode == 2 and "taken" in r.stderr,
         "a learner who lost their token cannot take their own name again", r.stderr)
    r = class_cmd("roster", CLASS, "--free", "nobody")
    t.ok(r.returncode == 2 and "has not joined" in r.stderr, "only a joined name is freed",
         r.stderr)
    before = rows(os.path.join(CLASS, "tom.db"))
    r = class_cmd("roster", CLASS, "--free", "tom")
    t.ok(r.returncode == 0 and "freed 'tom'" in r.stdout, "the trainer frees the name",
         r.stdout + r.stderr)
    st, ans = http("GET", "/v1/acked", token=lost)
    t.ok(st == 401 and "freed" in (ans or {}).get("error", ""),
         "the freed name's old token is refused at once", ans)
    r = class_cmd("roster", CLASS)
    t.match(r"tom +freed: joins again", r.stdout, "the roster shows the name freed")
    r = tutor(tom, "join", SERVER.url, SERVER.code, learner="tom")
    t.ok(r.returncode == 0 and re.search(r"sent \d+ events", r.stdout),
         "the learner joins again under their name, and their record is sent afresh",
         r.stdout + r.stderr)
    moved = glob.glob(os.path.join(CLASS, ".freed", "tom-*.db"))
    t.ok(len(moved) == 1 and rows(moved[0]) == before,
         "the records held under the old token are kept aside for the trainer", moved)
    t.eq(held(os.path.join(CLASS, "tom.db")), held(tom), "the server holds tom's record again")
    st, ans = http("GET", "/v1/acked", token=lost)
    t.eq(st, 401, "the old token stays refused", ans)
    st, ans = http("GET", "/v1/acked", token=token_of(tom))
    t.ok(st == 200 and ans.get("learner") == "tom", "the new one speaks for tom", ans)
    r = class_cmd("roster", CLASS)
    t.match(r"tom +joined", r.stdout, "and the roster shows tom joined")
    # Taken off the roster after joining: the next batch is refused, with why, and nothing the
    # class holds of the learner is lost.
    with open(good, "w") as f:
        f.write("ada\nbob\nmallory\npat\n")
    r = class_cmd("roster", CLASS, "--set", good)
    t.eq(r.returncode, 0, "the trainer takes tom off the roster", r.stderr)
    before = rows(os.path.join(CLASS, "tom.db"))
    local_append(tom, "page_view", "what-is-lambda", "{}", module="core-concepts")
    r = tutor(tom, "join", "--sync")
    t.ok(r.returncode != 0 and "taken off this class's roster" in r.stderr,
         "a batch of a name taken off the roster is refused, saying why", r.stdout + r.stderr)
    t.eq(rows(os.path.join(CLASS, "tom.db")), before,
         "the class keeps tom's records as they were, and adds nothing")
    st, ans = send(token_of(tom), [event(10 ** 6, "page_view", "what-is-lambda", "{}")])
    t.ok(st == 403 and "roster" in (ans or {}).get("error", ""),
         "the server refuses the batch itself, not only the tutor", ans)
    r = class_cmd("roster", CLASS, "--clear")
    r2 = tutor(eve, "join", SERVER.url, SERVER.code, learner="eve")
    t.ok(r.returncode == 0 and r2.returncode == 0,
         "without the roster any name joins again", r.stderr + r2.stderr)


def test_trainer_view(t):
    """The dashboard leaves the trainer's own record out of the waiting, and shows who has
    stopped syncing."""
    import pwd
    owner = pwd.getpwuid(os.stat(CLASS).st_uid).pw_name
    mine = os.path.join(HOMES, "owner.db")
    shutil.copy(os.path.join(TMP, "gen", "learner-000.db"), mine)
    r = tutor(mine, "join", SERVER.url, SERVER.code, learner=owner)
    t.eq(r.returncode, 0, "the trainer joins their own class to try it", r.stderr)
    r = trainer("--push", "ff-handler-setting")
    panel = live_panel()
    waiting = panel.get("not_answered", [])
    t.ok(r.returncode == 0 and "eve" in waiting and owner not in waiting,
         "the trainer is not counted among those who have not answered", panel)
    trainer("--close")
    path = os.path.join(CLASS, ".seen.json")
    seen = json.load(open(path)) if os.path.exists(path) else {}
    now = time.time() * 1000
    t.ok(seen.get("eve", {}).get("seen_ms", 0) > now - 60000,
         "the server notes when it last heard from each learner", seen)
    r = trainer("--once", "--json")
    ls = {x["id"]: x for x in json.loads(r.stdout)["learners"]} if r.returncode == 0 else {}
    t.ok(ls.get("eve", {}).get("syncing") is True, "a learner in touch is syncing",
         ls.get("eve"))
    seen["bob"] = dict(seen.get("bob", {}), seen_ms=int(now) - 5 * 60000)
    with open(path + ".tmp", "w") as f:
        json.dump(seen, f)
    os.replace(path + ".tmp", path)
    r = trainer("--once")
    t.match(r"(?m)^bob: not seen 5m$", r.stdout, "one the server has not heard from for "
            "minutes is shown as not syncing")
    r = trainer("--once", "--json")
    ls = {x["id"]: x for x in json.loads(r.stdout)["learners"]} if r.returncode == 0 else {}
    t.ok(ls.get("bob", {}).get("syncing") is False and
         ls["bob"].get("sync") == "not seen 5m", "and so in --json", ls.get("bob"))


tap = Tap()
try:
    rc = tap.run([test_join, test_names, test_tokens, test_replay, test_gaps, test_forged_quiz,
                  test_unknown_exercise, test_bad_requests, test_offline, test_wrong_record,
                  test_renumbered, test_dashboard, test_live,
                  test_live_quiz, test_closed_module,
                  test_reviews, test_lrs_feed, test_packages, test_packages_quota,
                  test_workspace_private,
                  test_unix_socket, test_tls, test_roster, test_trainer_view])
finally:
    try:
        SERVER.stop()
    except Exception:
        pass
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(rc)
