#!/usr/bin/env python3
"""Writes N sales managers for policies/sales_manager.kpi as CSV, the same
rows for the same N every time (a fixed linear congruential generator, no
`random`), so that timings can be compared from one run to the next.

Usage: gen_sales_data.py N > employees.csv
"""
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    state = 20261001

    def draw(low, high):
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return low + (state >> 33) % (high - low + 1)

    out = sys.stdout
    out.write("id,name,revenue,revenue_plan,contracts,meetings,rating,on_hold\n")
    for i in range(1, n + 1):
        plan = draw(8, 20) * 100_000
        # Whole roubles and kopecks as integers: no binary floating point.
        roubles = plan * draw(50, 160) // 100 + draw(0, 999)
        kopecks = draw(0, 99)
        meetings = draw(0, 60)
        contracts = draw(0, meetings // 2 + 3)
        tenths = draw(10, 50)
        rating = "" if draw(0, 4) == 0 else f"{tenths // 10}.{tenths % 10}"
        on_hold = "true" if draw(0, 49) == 0 else ""
        out.write(
            f"E-{i:06d},Employee {i},{roubles}.{kopecks:02d},{plan},{contracts},{meetings},{rating},{on_hold}\n"
        )


if __name__ == "__main__":
    main()
