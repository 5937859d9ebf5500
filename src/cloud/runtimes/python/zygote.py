"""
lambda-tutor's pre-initialised Python runtime (a zygote), one per cloud:

    /usr/bin/python3 -uS zygote.py LIBRARY PADDING     (fds: 3 the cloud's socket,
                                                       4 its lifeline, 5 the sandbox's plan)

It imports what a cold start of a boto3 handler would: the runtime client, then boto3 and the
botocore modules a client needs (modules only: no session, no credentials, no client, no
account's data), tells the cloud it is ready, and waits in LIBRARY (zygote_lib.c). For each
environment the library forks an init into the sandbox and a runtime process sealed as a
fresh start's, which returns here: only then does it take the function's variables, and it goes
on as bootstrap.py would, importing the handler. The zygote itself never returns from waiting.
"""
import gc
import os
import sys

os.closerange(6, 1 << 16)  # nothing of the cloud's beyond what it handed us

import _lambda_tutor_client as client  # noqa: E402

HOST_RUNTIME_DIR = client.RUNTIME_DIR
client.add_site_dirs()
# Imported as a fresh start would import them: without the packages Lambda does not have.
zygote_finders = [client.NotInLambda([]),
                  client.PostImportHooks({"botocore.exceptions": client.drop_requests_stub})]
sys.meta_path[0:0] = zygote_finders
baseline = set(sys.modules)

PRELOAD = (
    "boto3", "boto3.session", "botocore.session", "botocore.client", "botocore.args",
    "botocore.endpoint", "botocore.httpsession", "botocore.parsers", "botocore.serialize",
    "botocore.signers", "botocore.auth", "botocore.regions", "botocore.credentials",
    "botocore.configprovider", "botocore.handlers", "botocore.utils", "botocore.retryhandler",
    "botocore.retries.standard", "botocore.retries.adaptive", "botocore.endpoint_provider",
    "boto3.s3.inject", "boto3.s3.transfer", "boto3.dynamodb.conditions",
    "boto3.dynamodb.types", "json", "logging", "uuid", "decimal", "datetime", "base64",
)
for name in PRELOAD:
    try:
        __import__(name)
    except Exception:  # noqa: BLE001 - a module missing here is imported (or not) by the handler
        pass

import ctypes  # noqa: E402

lib = ctypes.PyDLL(sys.argv[1])
lib.ltz_argv.restype = ctypes.c_char_p
lib.ltz_env.restype = ctypes.c_char_p
if lib.ltz_load(5, 4) != 0:
    sys.exit(1)
os.close(5)
preloaded = set(sys.modules) - baseline
# What is imported stays out of the cyclic collector's way: a collection in an environment would
# otherwise walk (and so copy) every page of the heap it shares with the zygote.
gc.disable()
gc.collect()
gc.freeze()
os.write(3, b"\0\0\0\0")  # ready

if lib.ltz_serve(3) != 0:
    os._exit(0)  # the cloud is gone

# --- In an environment's runtime, sealed: from here on as bootstrap.py -------------------------
ctypes.pythonapi.PyOS_AfterFork_Child()
gc.enable()


def strings(get):
    out, i = [], 0
    while True:
        s = get(i)
        if s is None:
            return out
        out.append(os.fsdecode(s))
        i += 1


argv = strings(lib.ltz_argv)
environ = strings(lib.ltz_env)
os.environ.clear()
for entry in environ:
    key, _, value = entry.partition("=")
    if key:
        os.environ[key] = value
sys.argv = argv[2:] if len(argv) > 2 else argv[-1:]
sys.orig_argv = argv
script = sys.argv[0]
runtime_dir = os.path.dirname(script)
client.RUNTIME_DIR = runtime_dir
client.__file__ = os.path.join(runtime_dir, "_lambda_tutor_client.py")
sys.modules["__main__"].__file__ = script
sys.path[:] = [runtime_dir if p == HOST_RUNTIME_DIR else p for p in sys.path]
for finder in zygote_finders:
    sys.meta_path.remove(finder)

# A package the function ships (or a layer) named like one imported here wins on a fresh start:
# then every module imported here goes, and the handler imports afresh.
tops = {name.partition(".")[0] for name in preloaded}
task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
version = "python%d.%d" % sys.version_info[:2]
own = [task_root]
for opt in (os.environ.get("LAMBDA_TUTOR_OPT"), "/opt"):
    if opt:
        own += [os.path.join(opt, "python", "lib", version, "site-packages"),
                os.path.join(opt, "python")]
shadowed = False
for folder in own:
    try:
        names = os.listdir(folder)
    except OSError:
        continue
    if any(n.partition(".")[0] in tops for n in names):
        shadowed = True
        break
if shadowed:
    for name in preloaded:
        sys.modules.pop(name, None)
del lib, strings, argv, environ, tops, own, preloaded, baseline, zygote_finders

try:
    status = client.main()
except SystemExit as e:  # sys.exit() in the handler, at init or in an invocation
    status = e.code
# Ended as a fresh start's interpreter ends (its threads waited for, atexit's functions run, the
# streams flushed, the same exit status), but without tearing down the hundreds of modules
# imported ahead: that took a second and more of the invocation's Duration.
if status is None:
    code = 0
elif isinstance(status, int):
    code = status
else:
    try:
        sys.stderr.write("%s\n" % (status,))
    except Exception:  # noqa: BLE001 - as Python's own exit: the message is best effort
        pass
    code = 1
try:
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()
except BaseException:  # noqa: BLE001 - a fresh start would go on to exit too
    pass
import atexit  # noqa: E402

atexit._run_exitfuncs()
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except Exception:  # noqa: BLE001
        pass
os._exit(code & 0xFF)
