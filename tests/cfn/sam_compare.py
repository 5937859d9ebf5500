#!/usr/bin/env python3
"""Compare the local cloud's SAM transform with AWS's own (aws-sam-translator), template by
template: each tests/cfn/sam/*.yaml is transformed by both and the results must be equal.

Usage: sam_compare.py CFN-TOOL [TEMPLATE...]   (TAP on stdout; exit 77 to skip)
"""
import json
import logging
import os
import subprocess
import sys

logging.disable(logging.CRITICAL)

try:
    from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse
except ImportError:
    print("1..0 # SKIP aws-sam-translator is not installed for this Python "
          "(pip install aws-sam-translator to compare with AWS's own transform)")
    sys.exit(77)

# Logical ids of REST API deployments hash the OpenAPI body as Python 2 printed it; the
# local transform hashes the same body in canonical JSON. Both change exactly when the API
# does, which is what the id is for; the ids themselves differ.
def normalise(tpl):
    res = tpl.get("Resources", {})
    # A bucket's DependsOn is a Python set in AWS's transform: its order is the hash's.
    for r in res.values():
        if isinstance(r.get("DependsOn"), list):
            r["DependsOn"] = sorted(r["DependsOn"])
    text = json.dumps(tpl, sort_keys=True)
    for lid, r in list(res.items()):
        if r.get("Type") == "AWS::ApiGateway::Deployment" and "Deployment" in lid:
            base = lid[: lid.index("Deployment") + len("Deployment")]
            text = text.replace('"%s"' % lid, '"%s<hash>"' % base)
            desc = r.get("Properties", {}).get("Description", "")
            if desc.startswith("RestApi deployment id: "):
                text = text.replace(desc, "RestApi deployment id: <hash>")
    return json.loads(text)


class Loader:
    def load(self):
        return get_bundled_managed_policy_map("aws")


def aws(path, params):
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with open(path) as f:
        tpl = yaml_parse(f.read())
    out = transform(tpl, params, Loader())
    return json.loads(json.dumps(out))


def ours(tool, path, params):
    p = subprocess.run([tool, "transform", path, json.dumps(params)], capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stdout.strip() or p.stderr.strip())
    return json.loads(p.stdout)


def diff(a, b, where=""):
    if type(a) != type(b):
        return ["%s: %r != %r" % (where, a, b)]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append("%s/%s: only in AWS's: %s" % (where, k, json.dumps(b[k])[:200]))
            elif k not in b:
                out.append("%s/%s: only in ours: %s" % (where, k, json.dumps(a[k])[:200]))
            else:
                out += diff(a[k], b[k], where + "/" + k)
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return ["%s: %s != %s" % (where, json.dumps(a)[:300], json.dumps(b)[:300])]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, "%s[%d]" % (where, i))
        return out
    return [] if a == b else ["%s: %r != %r" % (where, a, b)]


def main():
    tool = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    paths = sys.argv[2:] or sorted(
        os.path.join(here, "sam", f) for f in os.listdir(os.path.join(here, "sam"))
        if f.endswith(".yaml"))
    print("1..%d" % len(paths))
    failed = 0
    for i, path in enumerate(paths, 1):
        name = os.path.basename(path)
        params = {}
        pfile = path[:-5] + ".params.json"
        if os.path.exists(pfile):
            with open(pfile) as f:
                params = json.load(f)
        try:
            a = normalise(ours(tool, path, params))
            b = normalise(aws(path, params))
            d = diff(a, b)
        except Exception as e:  # a refusal on either side is a difference
            d = ["transform failed: %s" % e]
        if d:
            failed += 1
            print("not ok %d - %s" % (i, name))
            for line in d[:30]:
                print("#   " + line)
        else:
            print("ok %d - %s" % (i, name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
