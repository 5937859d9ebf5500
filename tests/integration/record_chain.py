"""
Append an event to a learner's record as the tutor does, with its chain (store.h: SHA-256 of
"lambda-tutor chain 1", id, at_ms, kind, module, item, hash, data and the chain before, each
field its length as 8 bytes little-endian, -1 for none, then its bytes), for tests that write
records with sqlite3 as a learner who knows the chain would.
"""

import hashlib


def _field(v):
    if v is None:
        return (-1).to_bytes(8, "little", signed=True)
    b = v.encode()
    return len(b).to_bytes(8, "little") + b


def chain(prev, id_, at_ms, kind, module=None, item=None, hash_=None, data=None):
    msg = b"".join(_field(x) for x in ("lambda-tutor chain 1", str(id_), str(at_ms), kind,
                                       module, item, hash_, data, prev))
    return hashlib.sha256(msg).hexdigest()


def append(con, at_ms, kind, module=None, item=None, data=None, hash_=None):
    """Append one event to the open record con, chained to its last one; its id."""
    rows = con.execute("SELECT id, at_ms, kind, module, item, hash, data, chain FROM events"
                       " ORDER BY id").fetchall()
    prev = ""
    for r in rows:  # an event recorded before chains has the one computed for it
        prev = r[7] or chain(prev, *r[:7])
    id_ = rows[-1][0] + 1 if rows else 1
    con.execute("INSERT INTO events(id, at_ms, kind, module, item, hash, data, chain)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (id_, at_ms, kind, module, item, hash_, data,
                 chain(prev, id_, at_ms, kind, module, item, hash_, data)))
    return id_
