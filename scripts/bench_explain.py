#!/usr/bin/env python3
"""Times `kpi eval`, `kpi eval --explain` (text, JSON, Markdown) and
`kpi diff` on the same generated employees, and prints each time as a
multiple of plain `kpi eval`'s.

Usage (from the repository's root):
  cargo build --release
  python3 scripts/bench_explain.py [EMPLOYEES] [ROUNDS]

EMPLOYEES defaults to 100,000 (written by gen_sales_data.py, the same rows
every time, into a temporary folder); each command runs ROUNDS times
(default 3) and the fastest run counts. Output goes to /dev/null, so what
is timed is reading, evaluating, explaining and formatting. Timings are
not tests: they depend on the machine and its load.
"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KPI = ROOT / "target" / "release" / "kpi"
POLICY = "policies/sales_manager.kpi"
PROPOSAL = "policies/sales_manager_2027.kpi"


def best_of(rounds, args):
    best = None
    for _ in range(rounds):
        start = time.perf_counter()
        with open(os.devnull, "wb") as sink:
            status = subprocess.run([str(KPI), *args], cwd=ROOT, stdout=sink).returncode
        elapsed = time.perf_counter() - start
        if status != 0:
            sys.exit(f"bench: `kpi {' '.join(args)}` exited {status}")
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    employees = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    if not KPI.is_file():
        sys.exit("bench: build first: cargo build --release")
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "employees.csv"
        with open(data, "w") as out:
            subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "gen_sales_data.py"), str(employees)],
                stdout=out,
                check=True,
            )
        data = str(data)
        runs = [
            ("eval (table)", ["eval", POLICY, "--data", data]),
            ("eval --format json", ["eval", POLICY, "--data", data, "--format", "json"]),
            ("eval --explain (text)", ["eval", POLICY, "--data", data, "--explain"]),
            ("eval --explain --format json", ["eval", POLICY, "--data", data, "--explain", "--format", "json"]),
            ("eval --explain --format markdown", ["eval", POLICY, "--data", data, "--explain", "--format", "markdown"]),
            ("diff OLD NEW (table)", ["diff", POLICY, PROPOSAL, "--data", data]),
            ("diff --new-set (json)", ["diff", POLICY, "--new-set", "target_bonus=45000", "--data", data, "--format", "json"]),
        ]
        print(f"{employees:,} employees, best of {rounds} runs each")
        base = None
        for label, args in runs:
            seconds = best_of(rounds, args)
            base = base or seconds
            print(f"  {label:<34} {seconds:7.2f} s   {seconds / base:5.1f} x eval")


if __name__ == "__main__":
    main()
