"""`make bench`: every benchmark, one table each, JSON under bench/results/.

    python -m bench                       # full size (minutes; run on a quiet machine)
    python -m bench --smoke               # tiny sizes: checks the benchmarks themselves work
    python -m bench --only inbound,dispatch --messages 5000

Sizes given here apply to the inbound and dispatch benchmarks; the cadence benchmark takes
its own (`python -m bench.cadence --help`), `--smoke` shrinks it too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from bench import dispatch, inbound, procs

SMOKE = {"cadence": ["--invoices", "2000", "--due", "200"],
         "inbound": ["--messages", "200", "--debtors", "100", "--concurrency", "8"],
         "dispatch": ["--messages", "400", "--rate", "40", "--senders", "3"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="cadence,inbound,dispatch")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--messages", type=int, help="inbound and dispatch messages")
    parser.add_argument("--skip-postgres", action="store_true",
                        help="cadence on SQLite only; inbound and dispatch need PostgreSQL")
    args = parser.parse_args()
    wanted = args.only.split(",")
    results = procs.ROOT / "bench" / "results"
    if "cadence" in wanted:
        extra = list(SMOKE["cadence"]) if args.smoke else []
        if args.skip_postgres:
            extra.append("--skip-postgres")
        # Its own process: it times a child `recobro tick` with this process's rusage.
        subprocess.run([sys.executable, "-m", "bench.cadence", *extra], cwd=procs.ROOT,
                       check=True)
    if args.skip_postgres:
        return
    for name, module in (("inbound", inbound), ("dispatch", dispatch)):
        if name not in wanted:
            continue
        extra = list(SMOKE[name]) if args.smoke else []
        if args.messages:
            extra += ["--messages", str(args.messages)]
        print()
        module.main([*extra, "--out", str(results / f"{name}.json")])
    print(f"\nJSON: {results}/")
    summary = {p.stem: json.loads(p.read_text()).get("targets")
               for p in sorted(results.glob("*.json"))}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
