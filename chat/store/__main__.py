"""`python -m chat.store`: the store's maintenance commands.

    python -m chat.store copy SRC DST      copy SRC's conversations into DST (skips ids DST already has)
    python -m chat.store migrate [DB]      bring DB (default: the configured database) to the newest schema

SRC, DST and DB are SQLite paths or URLs (`postgresql://user@host/db`, `sqlite:///path`). Passwords are never
printed.
"""

from __future__ import annotations

import argparse
import logging
import sys

from chat.store.copy import copy_databases
from chat.store.db import describe, to_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chat.store", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    cp = commands.add_parser("copy", help="copy SRC's conversations into DST; ids DST already has are skipped")
    cp.add_argument("src", help="SQLite path or database URL to copy from")
    cp.add_argument("dst", help="database URL (or SQLite path) to copy into")
    mg = commands.add_parser("migrate", help="bring a database to the newest schema")
    mg.add_argument("db", nargs="?", help="SQLite path or database URL (default: the configured database)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    if args.command == "migrate":
        from chat.store.conversations import Store

        with Store(args.db) as store:
            print(f"{describe(store.url)} is at the newest schema")
        return 0
    try:
        done = copy_databases(args.src, args.dst)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(
        f"copied {done.conversations} conversations ({done.messages} messages) from {describe(to_url(args.src))} "
        f"to {describe(to_url(args.dst))}; skipped {done.skipped} already there"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
