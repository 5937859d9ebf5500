#!/usr/bin/env python3
"""A small Learning Record Store for tests: the statements resource of xAPI 1.0.3
(xAPI-Communication 2.1), over real HTTP, strict about what it takes.

    lrs_stub.py PORT_FILE [--auth KEY:SECRET] [--fail-first N] [--hang-first N]
                          [--reject-id ID] [--reject-object TEXT] [--seed-conflict ID]

Listens on 127.0.0.1 (an ephemeral port written to PORT_FILE once it listens) until SIGTERM.
It answers POST /statements (one statement or an array) as an LRS must:
- 400 without X-Experience-API-Version, or with a version that is not 1.0.x;
- 401 without the Basic credentials given by --auth;
- 400 for a batch that is not JSON, holds two statements with one id, or holds a statement that
  breaks the rules below (one bad statement rejects the whole batch, storing nothing);
- 409 when a statement's id is stored with different content; the same content again is
  taken without storing it twice;
- 200 with the ids in order otherwise.
A statement must have a UUID id, an Agent actor with one account, a verb with an IRI id and a
display, an Activity object with an IRI id, an ISO 8601 timestamp and duration, a score inside
its bounds, and for a cmi.interaction: a known interactionType, only the component lists that
type has, correctResponsesPattern as strings, and a response in the type's format naming only
its components' ids.
Faults for tests: --fail-first N answers 503 to the first N requests, --hang-first N answers
nothing to them for 5 s, --reject-id answers 400 to any batch holding that id, --reject-object
to any batch holding a statement whose object id contains TEXT, --seed-conflict
stores a different statement under that id before the first request.
GET /_stub/state answers {"stored": n, "requests": n, "posts": n, "statuses": [...],
"duplicates": n, "ids": [...], "offered": {id: how many POSTs held it}}.
"""
import base64
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')
IRI = re.compile(r'^[a-z][a-z0-9+.-]*:\S+$')
TIMESTAMP = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$')
DURATION = re.compile(r'^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$')
NUMBER = re.compile(r'^-?\d+(\.\d+)?([eE][-+]?\d+)?$')
INTERACTION = 'http://adlnet.gov/expapi/activities/cmi.interaction'
COMPONENTS = {
    'choice': {'choices'}, 'sequencing': {'choices'}, 'likert': {'scale'},
    'matching': {'source', 'target'}, 'performance': {'steps'},
    'true-false': set(), 'fill-in': set(), 'long-fill-in': set(), 'numeric': set(), 'other': set(),
}
ALL_COMPONENTS = {'choices', 'scale', 'source', 'target', 'steps'}


def ids_of(d, key):
    return {c.get('id') for c in d.get(key, [])}


def check_response(kind, d, resp):
    """Why resp is not a response of this interaction, or None."""
    if not isinstance(resp, str):
        return 'response is not a string'
    if kind == 'true-false':
        return None if resp in ('true', 'false') else 'true-false response %r' % resp
    if kind in ('choice', 'sequencing'):
        if resp and not set(resp.split('[,]')) <= ids_of(d, 'choices'):
            return '%s response %r names no choice' % (kind, resp)
    if kind == 'matching':
        for pair in filter(None, resp.split('[,]')):
            p = pair.split('[.]')
            if len(p) != 2 or p[0] not in ids_of(d, 'source') or p[1] not in ids_of(d, 'target'):
                return 'matching response %r' % resp
    if kind == 'performance':
        for step in filter(None, resp.split('[,]')):
            p = step.split('[.]')
            if len(p) != 2 or (d.get('steps') and p[0] not in ids_of(d, 'steps')):
                return 'performance response %r' % resp
    if kind == 'numeric':
        bounds = resp.split('[:]')
        if len(bounds) > 2 or not all(NUMBER.match(b) for b in bounds if b) or not any(bounds):
            return 'numeric response %r' % resp
    return None


def check_statement(s):
    """Why s is not a valid statement, or None."""
    if not isinstance(s, dict):
        return 'not an object'
    if not UUID.match(s.get('id', '')):
        return 'id is not a UUID'
    a = s.get('actor', {})
    acc = a.get('account', {})
    if a.get('objectType', 'Agent') != 'Agent' or not IRI.match(acc.get('homePage', '')) or not acc.get('name'):
        return 'actor'
    if any(k in a for k in ('mbox', 'mbox_sha1sum', 'openid')):
        return 'actor has more than one identifier'
    v = s.get('verb', {})
    if not IRI.match(v.get('id', '')) or not isinstance(v.get('display', {}), dict):
        return 'verb'
    o = s.get('object', {})
    if o.get('objectType', 'Activity') != 'Activity' or not IRI.match(o.get('id', '')):
        return 'object'
    d = o.get('definition', {})
    if not TIMESTAMP.match(s.get('timestamp', '')):
        return 'timestamp'
    r = s.get('result', {})
    if 'duration' in r and not DURATION.match(r['duration']):
        return 'duration %r' % r['duration']
    sc = r.get('score')
    if sc is not None:
        if 'scaled' in sc and not -1 <= sc['scaled'] <= 1:
            return 'score.scaled'
        if 'min' in sc and 'max' in sc and not sc['min'] < sc['max']:
            return 'score min/max'
        if 'raw' in sc and not sc.get('min', sc['raw']) <= sc['raw'] <= sc.get('max', sc['raw']):
            return 'score.raw'
    kind = d.get('interactionType')
    if d.get('type') == INTERACTION and kind is None:
        return 'interaction without interactionType'
    if kind is not None:
        if kind not in COMPONENTS:
            return 'interactionType %r' % kind
        extra = (ALL_COMPONENTS & set(d)) - COMPONENTS[kind]
        if extra:
            return '%s has %s' % (kind, sorted(extra))
        for key in COMPONENTS[kind] & set(d):
            if not all(isinstance(c.get('id'), str) and c['id'] for c in d[key]):
                return '%s component without an id' % key
        pats = d.get('correctResponsesPattern')
        if pats is not None and not (isinstance(pats, list) and all(isinstance(p, str) for p in pats)):
            return 'correctResponsesPattern'
        if 'response' in r:
            why = check_response(kind, d, r['response'])
            if why:
                return why
    for k, acts in s.get('context', {}).get('contextActivities', {}).items():
        if not isinstance(acts, list) or not all(IRI.match(x.get('id', '')) for x in acts):
            return 'contextActivities.%s' % k
    return None


class LRS:
    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.Lock()
        self.stored = {}
        self.order = []
        self.requests = 0
        self.posts = 0
        self.statuses = []
        self.duplicates = 0
        self.offered = {}
        if opts.get('seed_conflict'):
            self.stored[opts['seed_conflict']] = {'id': opts['seed_conflict'], 'seeded': True}


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.send_header('X-Experience-API-Version', '1.0.3')
        self.end_headers()
        self.wfile.write(data)
        with self.server.lrs.lock:
            self.server.lrs.statuses.append(status)

    def do_GET(self):
        lrs = self.server.lrs
        if self.path == '/_stub/state':
            with lrs.lock:
                body = {'stored': len(lrs.order), 'requests': lrs.requests, 'posts': lrs.posts,
                        'statuses': list(lrs.statuses), 'duplicates': lrs.duplicates,
                        'ids': list(lrs.order), 'offered': dict(lrs.offered)}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.reply(404, {'error': 'not found'})

    def do_POST(self):
        lrs, opts = self.server.lrs, self.server.lrs.opts
        length = int(self.headers.get('Content-Length', '0'))
        raw = self.rfile.read(length)
        with lrs.lock:
            lrs.requests += 1
            n = lrs.requests
        if n <= opts.get('hang_first', 0):
            time.sleep(5)
            self.close_connection = True
            return
        if n <= opts.get('hang_first', 0) + opts.get('fail_first', 0):
            self.reply(503, {'error': 'unavailable'})
            return
        if not self.path.split('?')[0].endswith('/statements'):
            self.reply(404, {'error': 'no such resource'})
            return
        version = self.headers.get('X-Experience-API-Version')
        if not version or not re.match(r'^1\.0(\.\d+)?$', version):
            self.reply(400, {'error': 'X-Experience-API-Version missing or not 1.0.x'})
            return
        if opts.get('auth'):
            want = 'Basic ' + base64.b64encode(opts['auth'].encode()).decode()
            if self.headers.get('Authorization') != want:
                self.reply(401, {'error': 'bad credentials'})
                return
        try:
            body = json.loads(raw)
        except ValueError:
            self.reply(400, {'error': 'not JSON'})
            return
        batch = body if isinstance(body, list) else [body]
        ids = [s.get('id') if isinstance(s, dict) else None for s in batch]
        with lrs.lock:
            for i in ids:
                if isinstance(i, str):
                    lrs.offered[i] = lrs.offered.get(i, 0) + 1
        if len(set(ids)) != len(ids):
            self.reply(400, {'error': 'two statements with one id in a batch'})
            return
        for s in batch:
            why = check_statement(s)
            if why:
                self.reply(400, {'error': '%s: %s' % (s.get('id') if isinstance(s, dict) else '?', why)})
                return
            if s['id'] == opts.get('reject_id'):
                self.reply(400, {'error': '%s: refused by the test' % s['id']})
                return
            if opts.get('reject_object') and opts['reject_object'] in s['object'].get('id', ''):
                self.reply(400, {'error': '%s: refused by the test' % s['id']})
                return
        with lrs.lock:
            lrs.posts += 1
            for s in batch:
                old = lrs.stored.get(s['id'])
                if old is not None and old != s:
                    conflict = s['id']
                    break
            else:
                conflict = None
                for s in batch:
                    if s['id'] in lrs.stored:
                        lrs.duplicates += 1
                        continue
                    lrs.stored[s['id']] = s
                    lrs.order.append(s['id'])
        if conflict:
            self.reply(409, {'error': '%s is stored with different content' % conflict})
            return
        self.reply(200, ids)


def main():
    args = sys.argv[1:]
    port_file = args.pop(0)
    opts = {}
    while args:
        a = args.pop(0)
        if a == '--auth':
            opts['auth'] = args.pop(0)
        elif a == '--fail-first':
            opts['fail_first'] = int(args.pop(0))
        elif a == '--hang-first':
            opts['hang_first'] = int(args.pop(0))
        elif a == '--reject-id':
            opts['reject_id'] = args.pop(0)
        elif a == '--reject-object':
            opts['reject_object'] = args.pop(0)
        elif a == '--seed-conflict':
            opts['seed_conflict'] = args.pop(0)
        else:
            sys.exit('lrs_stub.py: unknown option %s' % a)
    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    server.lrs = LRS(opts)
    with open(port_file + '.tmp', 'w') as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(port_file + '.tmp', port_file)
    server.serve_forever()


if __name__ == '__main__':
    main()
