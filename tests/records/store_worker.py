"""A writer process for the store tests: advances sessions, or writes sessions forever."""

from __future__ import annotations

import datetime as dt
import json
import sys

from facialflow.errors import InvalidStep, StaleRevision
from facialflow.io.client_file import client_from_dict
from facialflow.records.store import SessionStore
from facialflow.records.treatment import record_input_from_dict


def advance_all(store: SessionStore, ids: list[str], use_expect: bool) -> None:
    active = list(ids)
    while active:
        for sid in list(active):
            try:
                if use_expect:
                    seen = store.status(sid)
                    done = store.advance(sid, expect_revision=seen.revision, actor="w")
                else:
                    done = store.advance(sid, actor="w")
            except StaleRevision:
                continue
            except InvalidStep:
                active.remove(sid)
                continue
            print(json.dumps({"id": done.id, "revision": done.revision}), flush=True)


def write_forever(
    store: SessionStore, client: dict[str, object], record: dict[str, object]
) -> None:
    c = client_from_dict(client)
    given = record_input_from_dict(record)
    while True:
        sid = store.start(c, date=dt.date(2026, 11, 25), record=given).id
        while store.status(sid).state not in ("complete", "declined", "stopped"):
            store.advance(sid)


if __name__ == "__main__":
    url, mode = sys.argv[1], sys.argv[2]
    with SessionStore(url) as s:
        if mode == "advance":
            advance_all(s, sys.argv[3].split(","), sys.argv[4] == "1")
        else:
            write_forever(s, json.loads(sys.argv[3]), json.loads(sys.argv[4]))
