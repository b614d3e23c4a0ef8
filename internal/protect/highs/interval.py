"""Interval audit with HiGHS (scipy.optimize.linprog, Debian's python3-scipy).

Reads one JSON problem from standard input:
  {"n": variables (all >= 0),
   "eq": [[[var, ...], value], ...]         sum of the vars == value
   "range": [[[var, ...], lo, hi], ...]     lo <= sum <= hi (hi null: no upper bound)
   "targets": [[var, ...], ...]}            sums to minimise and maximise
and writes {"intervals": [[lo, hi], ...]} (hi null when unbounded) or
{"error": "..."} on standard output.
"""
import json
import sys

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix


def rows(groups, n, signs=None):
    data, idx, ptr = [], [], [0]
    for i, g in enumerate(groups):
        idx.extend(g)
        data.extend([1.0 if signs is None else signs[i]] * len(g))
        ptr.append(len(idx))
    return csr_matrix((data, idx, ptr), shape=(len(groups), n))


def main():
    p = json.load(sys.stdin)
    n = p["n"]
    a_eq = rows([e[0] for e in p["eq"]], n) if p["eq"] else None
    b_eq = np.array([e[1] for e in p["eq"]], dtype=float) if p["eq"] else None
    ub_rows, ub_vals, ub_signs = [], [], []
    for vars_, lo, hi in p["range"]:
        if hi is not None:
            ub_rows.append(vars_)
            ub_vals.append(hi)
            ub_signs.append(1.0)
        if lo is not None and lo > 0:
            ub_rows.append(vars_)  # -sum <= -lo
            ub_vals.append(-lo)
            ub_signs.append(-1.0)
    a_ub = rows(ub_rows, n, ub_signs) if ub_rows else None
    b_ub = np.array(ub_vals, dtype=float) if ub_rows else None
    out = []
    for target in p["targets"]:
        c = np.zeros(n)
        c[target] = 1.0
        interval = []
        for sign in (1.0, -1.0):
            r = linprog(sign * c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                        bounds=(0, None), method="highs")
            if r.status == 3:  # unbounded
                interval.append(None)
            elif r.status != 0:
                print(json.dumps({"error": r.message}))
                return
            else:
                interval.append(sign * r.fun)
        out.append(interval)
    print(json.dumps({"intervals": out}))


main()
