// Package attack is insyn's attacker audit over public answers: it
// attacks a lake version the way a user of the API could, sharing nothing
// with the disclosure engine (internal/protect), and reports every
// suppressed count it can narrow to fewer than the protection level's
// values.
//
// Steps (Run):
//
//  1. Harvest (harvest.go, search.go, reports.go): through the API's
//     http.Handler only, read the catalogue (Query.datasets), then ask
//     every table the API accepts — each dataset, measure and period, the
//     groupings grown one dimension at a time with totals, in contexts of
//     filters (codes, unions of codes) — every seed table, and each seed
//     table's CSV file. Each cell becomes a Figure: what it covers and how
//     it was shown.
//  2. Model (model.go, knowledge.go): per family of counts (a dataset's
//     count: insatser's decisions, beslut's rulings, …) and period, one
//     unknown ≥ 0 per cell of the finest cross-classification of the
//     dataset's dimensions, less what the contracts rule out. Every
//     figure becomes linear rows over them (a published count an
//     equality, a suppressed one ≥ 1, a share or rate its rounding
//     interval), and the contracts' links between datasets become rows
//     too (docs/attacker-knowledge.md lists every fact and what is done
//     with it).
//  3. Reduce (solve.go): unknowns pinned at 0 by published zeros leave;
//     unknowns no row tells apart merge into a class; the classes split
//     into connected components, each an independent program.
//  4. Solve (solve.go, lp.py): for every suppressed count, its minimum
//     and maximum by linear programming — HiGHS through scipy's public
//     linprog(method="highs"), one long-lived python3 worker per core.
//     Witnesses (feasible solutions from small programs around a count)
//     pass most counts without the component's whole programs.
//  5. Judge (audit.go): bounds rounded inwards (integrality); a count
//     whose interval is narrower than the protection level, or a single
//     value, fails the audit.
//
// Glossary: a figure is one published cell as read from an answer; an
// unknown is one finest cell of a family in a period; a block is a
// family's unknowns in one period; a class is unknowns no row tells
// apart; a component is classes linked by rows; a target is a suppressed
// count; a witness is a solution of the whole component, so every count's
// interval contains the values witnesses give it.
package attack
