"""Run the fake upstream standalone: `python -m tests.fakes --port N` (prints its URL, serves until killed)."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

from tests.fakes.upstream import FakeUpstream, Script


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between chunks of unscripted replies")
    parser.add_argument("--first-delay", type=float, default=0.0, help="seconds before an unscripted reply")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def _exit(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into a clean exit."""
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    args = _parse_args(argv)
    fake = FakeUpstream(args.host, args.port, Script(delay=args.delay, first_delay=args.first_delay))
    fake.verbose = args.verbose
    signal.signal(signal.SIGTERM, _exit)
    with fake:
        print(fake.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
