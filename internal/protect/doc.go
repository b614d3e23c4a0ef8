// Package protect defines the protected structure of each dataset — every
// cell the API can ever publish, as linked tables over fixed dimensions with
// their hierarchies — and decides, once per dataset version, which cells are
// published and which are suppressed. Answers are sums of published cells of
// this structure; nothing else is computed for a client.
//
// ProtectLake, where a lake version's aggregates are written, goes through
// these steps:
//
//  1. Structures (structure.go, datasets.go, insatser.go): per dataset and
//     period, the views' cells and the atoms they are sums of.
//  2. Systems (links.go): structures the data contracts link — insatser and
//     insatser_personer of a year, beslut and its rulings — are joined into
//     one structure with the links between them; every other structure is
//     a system of its own.
//  3. Primary cells (suppress.go): counts of 1..threshold-1.
//  4. The Gauss pass (suppress.go, gauss.go) suppresses, in a fixed order of
//     preference, every cell whose publication would make a suppressed cell
//     a linear combination of published ones; the per-relation rule
//     (intervals.go) widens each additive relation.
//  5. Certificates (certify.go, bounded.go): for each primary cell, tables an
//     attacker cannot tell from the truth in which it lies the protection
//     level apart, found by small linear programs and checked exactly.
//  6. Complements (complements.go, guided.go): a primary cell without a
//     certificate gets the published cells the relaxed Fischetti–Salazar
//     program changes suppressed; steps 4–6 repeat until every primary cell
//     has a certificate.
//  7. Pruning (guided.go): secondary cells no certificate needs are
//     published again.
//  8. Storage (patterns.go): the marks per structure, read by the API.
//
// The attacker audit (audit.go, neighbourhood.go, highs.go) bounds every
// suppressed cell by linear programming with HiGHS, on neighbourhoods
// first and over the whole structure where they do not decide; it shares
// only the structures and the links with steps 3–7.
//
// Glossary:
//
//   - atom: the leaf combinations that belong to exactly the same cells (no
//     cell tells them apart); its value is their count.
//   - cell: a publishable figure, a sum of atoms (Structure.Cells).
//   - view: one table of a structure, the cross product of its dimensions'
//     members.
//   - structure: every cell of a dataset's count measure in one period.
//   - link: an inequality between cells of linked structures that the data
//     contracts imply (decisions ≤ persons of the law, rulings ≤ decisions).
//   - system: structures protected and audited as one, with their links.
//   - pattern: the mark of every cell; primary (a count of 1..threshold-1),
//     secondary (suppressed to protect a primary cell) or published.
//   - certificate: a perturbation of the atoms that keeps every published
//     cell, every link, atoms ≥ 0 and suppressed cells ≥ 1: a table the
//     attacker cannot rule out.
//   - printed: a cell a seed report prints a figure on (markPrinted),
//     which the pattern prefers to keep published.
package protect
