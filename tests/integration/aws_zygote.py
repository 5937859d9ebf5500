"""The AWS CLI, started once per test and forked for every command.

Usage: PYTHON aws_zygote.py SOCKET CLI-SCRIPT

Run by the Python the CLI's own script names on its first line, it imports the CLI once and
listens on SOCKET. For every command, aws-client (aws_client.c) connects and sends its standard
input, output and error (SCM_RIGHTS), its working directory, its arguments and its environment;
a forked child takes them all on and runs the CLI's own entry point, `awscli.clidriver.main()`,
as the CLI's script would, then answers with the exit status. The CLI's parsing, signing,
serialisation and output all run as in a process of its own, on the command's environment.

What a fresh process pays on every command is paid once here instead: importing botocore and
the CLI with its plugins, and reading the API models. A child tells the zygote which modules
it imported and which model files and directory listings it read; the zygote imports and reads
them too, so later children find them ready. A child's models are its own, as parsing the files
would make them: what one command does to them never reaches another.

The zygote ends when SOCKET is removed or its parent (the test) goes away, after waiting for
the commands still running, so that their CPU time counts as the test's.
"""

import gc
import io
import json
import logging
import os
import pickle
import select
import signal
import socket
import struct
import sys
import threading

# Model files read, as what parsing them gave (None for a file that is not there), and
# directory listings, by the loader's search paths. Filled by the zygote only, never handed out
# there: a child gets the zygote's object itself the first time it reads a file (its pages are
# the child's own copy once written), and a fresh copy every other time, as parsing would give.
FILES = {}
LISTINGS = {}
handed_out = set()
# What this child read that the zygote lacks: reported when the command ends.
learned = {"files": set(), "listings": {}}


def loaders_modules():
    """botocore's loaders as this CLI's sessions use them. The 2.x CLI vendors botocore and
    imports it under both its own name and `botocore`: two modules of one file, each patched."""
    import botocore.loaders

    found = [botocore.loaders]
    vendored = sys.modules.get("awscli.botocore.loaders")
    if vendored is not None and vendored is not botocore.loaders:
        found.append(vendored)
    return found


def install_caches(loaders):
    """Serve loaders' model files and directory listings from what the zygote has read.
    Returns a reader of model files that bypasses the cache."""
    log = logging.getLogger(loaders.__name__)
    read_file = loaders.JSONFileLoader.load_file

    def load_file(self, file_path):
        if file_path in FILES:
            data = FILES[file_path]
            if data is None:
                return None
            log.debug("Loading JSON file: %s", file_path)
            if file_path in handed_out:
                return pickle.loads(pickle.dumps(data, pickle.HIGHEST_PROTOCOL))
            handed_out.add(file_path)
            return data
        learned["files"].add(file_path)
        return read_file(self, file_path)

    loaders.JSONFileLoader.load_file = load_file

    def listing(name):
        method = getattr(loaders.Loader, name)

        def cached(self, *args, **kwargs):
            key = json.dumps([name, list(self.search_paths), list(args), sorted(kwargs.items())])
            if key in LISTINGS:
                return list(LISTINGS[key])
            result = method(self, *args, **kwargs)
            learned["listings"][key] = list(result)
            return result

        setattr(loaders.Loader, name, cached)

    listing("list_available_services")
    listing("list_api_versions")
    return lambda path: read_file(loaders.JSONFileLoader(), path)


def learn(read_file, message):
    """Take in what a child reported: import its modules, read its files and listings."""
    try:
        report = json.loads(message)
    except ValueError:
        return
    for name in report.get("modules", []):
        if name not in sys.modules:
            try:
                __import__(name)
            except BaseException:  # a module that cannot load here is simply not preloaded
                pass
    for path in report.get("files", []):
        if path not in FILES:
            FILES[path] = read_file(path)
    LISTINGS.update(report.get("listings", {}))


def recv_request(conn):
    """Read one request: (fds, cwd, argv, env). Raises ValueError on a malformed one."""
    head, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
    if len(head) != 4 or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise ValueError("bad request header")
    (size,) = struct.unpack("=I", head)
    body = bytearray()
    while len(body) < size:
        chunk = conn.recv(min(size - len(body), 1 << 20))
        if not chunk:
            break
        body += chunk
    fields = bytes(body).split(b"\0")
    if len(body) < size or len(fields) < 3:
        for fd in fds:
            os.close(fd)
        raise ValueError("short request")
    fields.pop()
    argc = int(fields[1])
    return fds, fields[0], fields[2 : 2 + argc], fields[2 + argc :]


def std_stream(fd, mode, template):
    """A text stream on fd as Python opens its own standard streams there."""
    raw = io.open(fd, mode + "b", closefd=False)
    if mode == "r":
        return io.TextIOWrapper(raw, encoding=template.encoding, errors=template.errors)
    return io.TextIOWrapper(
        raw,
        encoding=template.encoding,
        errors=template.errors,
        line_buffering=os.isatty(fd) or fd == 2,
        write_through=fd == 2,
    )


def watch_client(conn):
    """End this command when its client goes away (killed, timed out): nothing waits for it."""
    try:
        while conn.recv(1):
            pass
    except OSError:
        pass
    os._exit(1)


# An answer that tells the client to run the real CLI instead.
RUN_YOURSELF = 0x100


def startup_environment(environ):
    """What of an environment a Python process reads once, as it starts and imports the CLI:
    the interpreter's variables, the locale (the standard streams' encoding) and HOME (paths
    under ~/.aws that botocore and the CLI fix at import)."""
    return {
        k: v
        for k, v in environ.items()
        if k.startswith((b"PYTHON", b"LC_")) or k in (b"HOME", b"LANG", b"LANGUAGE")
    }


def run_command(conn, script, report, fds, cwd, argv, env):
    """In the forked child: become the command's process, run the CLI, answer its status.
    A command whose start-up environment differs from the zygote's is sent back to run as
    a process of its own."""
    wanted = dict(e.partition(b"=")[::2] for e in env if b"=" in e)
    if startup_environment(wanted) != startup_environment(os.environb):
        conn.sendall(struct.pack("=i", RUN_YOURSELF))
        os._exit(0)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin = std_stream(0, "r", sys.__stdin__)
    sys.stdout = std_stream(1, "w", sys.__stdout__)
    sys.stderr = std_stream(2, "w", sys.__stderr__)
    os.chdir(cwd)
    os.environ.clear()
    for key, value in wanted.items():
        if key:
            os.environb[key] = value
    sys.argv = [script] + [os.fsdecode(a) for a in argv]
    threading.Thread(target=watch_client, args=(conn,), daemon=True).start()
    modules_before = set(sys.modules)

    import importlib

    import awscli
    import awscli.clidriver

    # The one thing importing the CLI does with the environment: add its data directory to
    # AWS_DATA_PATH. Done again with this command's environment, as its own process would.
    importlib.reload(awscli)

    status = 1
    try:
        # What the CLI's own script does with the environment before its main().
        if os.environ.get("LC_CTYPE", "") == "UTF-8":
            os.environ["LC_CTYPE"] = "en_US.UTF-8"
        status = awscli.clidriver.main()
    except SystemExit as e:
        if e.code is None:
            status = 0
        elif isinstance(e.code, int):
            status = e.code
        else:
            print(e.code, file=sys.stderr)
            status = 1
    except KeyboardInterrupt:
        status = 130
    except BaseException:
        import traceback

        traceback.print_exc()
        status = 1
    if not isinstance(status, int):
        status = 0 if status is None else 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        conn.sendall(struct.pack("=i", status & 0xFF))
    except OSError:
        pass
    new_modules = sorted(set(sys.modules) - modules_before)
    if new_modules or learned["files"] or learned["listings"]:
        message = {
            "modules": new_modules,
            "files": sorted(learned["files"]),
            "listings": learned["listings"],
        }
        try:
            report.send(json.dumps(message).encode())
        except OSError:
            pass
    os._exit(0)


def reap():
    """Wait for the commands that have ended, so their CPU time counts as the test's."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: aws_zygote.py SOCKET CLI-SCRIPT\n")
        return 2
    path, script = sys.argv[1], sys.argv[2]
    # The imports every command would pay for, paid once: the CLI, and the plugins its
    # driver loads on every start.
    import awscli.clidriver  # noqa: F401
    import awscli.handlers  # noqa: F401

    read_file = [install_caches(m) for m in loaders_modules()][0]
    # The 2.x CLI names the Linux distribution in its user agent, asking `distro`, which runs
    # lsb_release and caches the answer in the module: asked once here, not once a command.
    distribution = getattr(awscli.clidriver, "_get_distribution", None)
    if distribution is not None:
        distribution()
    parent = os.getppid()
    inbox, report = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    report.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    inbox.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    ino = os.stat(path).st_ino
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(listener, path, ino, parent, inbox, report, script, read_file)
    finally:
        listener.close()
        while True:  # the commands still running: their time is the test's too
            try:
                os.wait()
            except ChildProcessError:
                break
    return 0


def serve(listener, path, ino, parent, inbox, report, script, read_file):
    """Fork a child for every command until SOCKET goes away or the parent does."""
    while True:
        reap()
        ready, _, _ = select.select([listener, inbox], [], [], 1.0)
        if inbox in ready:
            learn(read_file, inbox.recv(8 << 20))
            continue
        if listener not in ready:
            try:
                gone = os.stat(path).st_ino != ino
            except OSError:
                gone = True
            if gone or os.getppid() != parent:
                return
            continue
        conn, _ = listener.accept()
        try:
            request = recv_request(conn)
        except (OSError, ValueError) as e:
            sys.stderr.write("aws_zygote: %s\n" % e)
            conn.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        # Everything the zygote holds stays out of the children's collections: a collection
        # that walked it would copy every page of it into the child.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            listener.close()
            inbox.close()
            try:
                run_command(conn, script, report, *request)
            finally:
                os._exit(1)
        for fd in request[0]:
            os.close(fd)
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
