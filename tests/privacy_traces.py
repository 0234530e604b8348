"""What /forget must leave behind: nothing that names the firm, in any table of the database."""
from __future__ import annotations

import re
from typing import Iterable

from sqlite_utils import Database


def traces(db: Database, raw_id: str, pseudonyms: Iterable[str], texts: Iterable[str],
           skip_tables: Iterable[str] = ()) -> list[str]:
    """`table.column = value` for every value, in every table sqlite_master lists, that holds the raw
    chat id (as a whole number or word), one of the pseudonyms or one of the firm's texts."""
    raw = re.compile(rf"(?<![\w-]){re.escape(raw_id)}(?![\w-])")
    needles = [n for n in (*pseudonyms, *texts) if n]
    found = []
    tables = [r[0] for r in db.execute("select name from sqlite_master where type = 'table'").fetchall()]
    for table in tables:
        if table in set(skip_tables):
            continue
        cursor = db.execute(f"select * from [{table}]")
        columns = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            for column, value in zip(columns, row):
                text = str(value) if value is not None else ""
                if raw.search(text) or any(n in text for n in needles):
                    found.append(f"{table}.{column} = {text[:80]}")
    return found


def links(db: Database, raw_id: str, event_pseudonyms: Iterable[str], firm_keys: Iterable[str]) -> list[str]:
    """`table #rowid` for every row that holds one of the event pseudonyms together with the raw chat id
    or a firm key (through which `firms.chat_id` would name the chat): what ties an event to a chat."""
    raw = re.compile(rf"(?<![\w-]){re.escape(raw_id)}(?![\w-])")
    events, firms = [p for p in event_pseudonyms if p], [k for k in firm_keys if k]
    found = []
    tables = [r[0] for r in db.execute("select name from sqlite_master where type = 'table'").fetchall()]
    for table in tables:
        for number, row in enumerate(db.execute(f"select * from [{table}]").fetchall()):
            texts = [str(value) for value in row if value is not None]
            has_event = any(p in t for t in texts for p in events)
            names_chat = any(raw.search(t) for t in texts) or any(k in t for t in texts for k in firms)
            if has_event and names_chat:
                found.append(f"{table} #{number + 1}")
    return found
