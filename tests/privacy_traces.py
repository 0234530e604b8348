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
