"""Bounds of sums of unknowns by linear programming: a long-lived worker.

HiGHS through scipy's public interface, scipy.optimize.linprog(method=
"highs") (Debian's python3-scipy). Reads problems from standard input, one
JSON object a line:
  {"n": unknowns (all >= 0),
   "ptr": [...], "idx": [...], "val": [...]  the rows (CSR)
   "lo": [...], "hi": [...]     lo[i] <= row i <= hi[i] (null: no bound)
   "targets": [[unknown, ...], ...]  sums to minimise and maximise
   "need": width   a target whose solutions so far already span this
                   width after rounding is not solved on its own
   "exact": true   solve every target}
and answers each with one line: {"intervals": [{"lo": min, "hi": max,
"solved": whether lo and hi are the optima (else the span of the
solutions seen), "unbounded": true when the max is}, ...]} or
{"error": "..."}. It exits at the end of its input.
"""
import json
import math
import sys

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, vstack

EPS = 1e-6
LIMIT = 800  # unknowns in a neighbourhood


class Infeasible(Exception):
    pass


def rounded_width(lo, hi):
    return math.floor(hi + EPS) - math.ceil(lo - EPS)


def solve(p):
    n = p["n"]
    m = len(p["lo"])
    A = csr_matrix((np.array(p["val"], dtype=float), np.array(p["idx"], dtype=np.int64),
                    np.array(p["ptr"], dtype=np.int64)), shape=(m, n))
    lo = np.array([-np.inf if v is None else v for v in p["lo"]], dtype=float)
    hi = np.array([np.inf if v is None else v for v in p["hi"]], dtype=float)
    eq = np.isfinite(lo) & np.isfinite(hi) & (np.abs(hi - lo) < 1e-12)
    up = np.isfinite(hi) & ~eq
    down = np.isfinite(lo) & ~eq
    A_ub = vstack([A[up], -A[down]]).tocsr()
    b_ub = np.concatenate([hi[up], -lo[down]])
    A_eq, b_eq = A[eq], lo[eq]
    if A_ub.shape[0] == 0:
        A_ub, b_ub = None, None
    if A_eq.shape[0] == 0:
        A_eq, b_eq = None, None
    targets = p["targets"]
    T = csr_matrix((np.ones(sum(len(t) for t in targets)),
                    np.array([v for t in targets for v in t], dtype=np.int64),
                    np.cumsum([0] + [len(t) for t in targets])), shape=(len(targets), n))
    seen_lo = np.full(len(targets), np.inf)
    seen_hi = np.full(len(targets), -np.inf)
    need, exact = p.get("need", 3), p.get("exact", False)
    out = [None] * len(targets)
    A_csc = A.tocsc()
    center = {"x": None, "k": 0}

    def witness(x):
        v = T @ x
        np.minimum(seen_lo, v, out=seen_lo)
        np.maximum(seen_hi, v, out=seen_hi)

    def run(c):
        """The full program: its optimum (None when unbounded)."""
        res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if res.status == 2:
            raise Infeasible(res.message)
        if res.status == 3:
            return None
        if res.status != 0:
            raise RuntimeError("HiGHS status %d: %s" % (res.status, res.message))
        witness(res.x)
        # the mean of the optima found is feasible too (the set is convex),
        # and lies inside it: the point neighbourhoods are held at
        k = center["k"]
        center["x"] = res.x.copy() if k == 0 else (center["x"] * k + res.x) / (k + 1)
        center["k"] = k + 1
        return res.fun

    def near(t):
        """Up to LIMIT unknowns around the target's, breadth first through
        the rows, sparse rows first."""
        seen = set(t)
        frontier = list(t)
        while frontier and len(seen) < LIMIT:
            rows = set()
            for v in frontier:
                rows.update(A_csc.indices[A_csc.indptr[v]:A_csc.indptr[v + 1]].tolist())
            nxt = []
            for r in sorted(rows, key=lambda r: A.indptr[r + 1] - A.indptr[r]):
                for v in A.indices[A.indptr[r]:A.indptr[r + 1]].tolist():
                    if v not in seen:
                        seen.add(v)
                        nxt.append(v)
                if len(seen) >= LIMIT:
                    break
            frontier = nxt
        return np.array(sorted(seen), dtype=np.int64)

    def local(t):
        """Witnesses from programs over the target's neighbourhood, every
        other unknown held at the centre: each solution, completed so, is
        a solution of the whole program."""
        x0 = center["x"]
        N = near(t)
        inN = np.zeros(n, dtype=bool)
        inN[N] = True
        rows = np.unique(A_csc[:, N].indices)
        sub = A[rows]
        rest = sub[:, ~inN] @ x0[~inN]
        lo_r, hi_r = lo[rows] - rest, hi[rows] - rest
        S = sub[:, N]
        e = eq[rows]
        u, d = np.isfinite(hi_r) & ~e, np.isfinite(lo_r) & ~e
        Aub = vstack([S[u], -S[d]]).tocsr()
        bub = np.concatenate([hi_r[u], -lo_r[d]]) + 1e-9
        Aeq, beq = S[e], lo_r[e]
        c = np.zeros(len(N))
        c[np.searchsorted(N, t)] = 1.0
        for sign in (1.0, -1.0):
            res = linprog(sign * c, A_ub=Aub if Aub.shape[0] else None, b_ub=bub if Aub.shape[0] else None,
                          A_eq=Aeq if Aeq.shape[0] else None, b_eq=beq if Aeq.shape[0] else None,
                          bounds=(0, None), method="highs")
            if res.status != 0:
                return
            x = x0.copy()
            x[N] = res.x
            # a solution of the whole program (within the solver's
            # tolerance): checked before it counts
            ax = A @ x
            if np.all(ax >= lo - 1e-6) and np.all(ax <= hi + 1e-6) and np.all(x >= -1e-9):
                witness(x)

    def passed(i):
        return np.isfinite(seen_lo[i]) and rounded_width(seen_lo[i], seen_hi[i]) >= need

    for i, t in enumerate(targets):
        if not exact and passed(i):
            out[i] = {"solved": False}
            continue
        if not exact and center["x"] is not None:
            local(t)
            if passed(i):
                out[i] = {"solved": False}
                continue
        c = np.zeros(n)
        c[t] = 1.0
        lo_v = run(c)
        hi_v = run(-c)
        iv = {"lo": float(lo_v), "solved": True}
        if hi_v is None:
            iv["unbounded"] = True
        else:
            iv["hi"] = float(-hi_v)
        out[i] = iv
    for i, iv in enumerate(out):
        if not iv["solved"]:  # the span of every solution seen
            iv["lo"], iv["hi"] = float(seen_lo[i]), float(seen_hi[i])
    return out


def main():
    for line in sys.stdin:
        try:
            answer = {"intervals": solve(json.loads(line))}
        except Infeasible as e:
            answer = {"error": "infeasible: %s" % e}
        except Exception as e:  # noqa: BLE001 -- reported to the caller, which fails
            answer = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


main()
