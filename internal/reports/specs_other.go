package reports

// otherSpecs specifies tables 9:16–9:21 and ev:1–ev:6 (datasets beslut, kbf,
// lov, ej_verkstallda).
func otherSpecs() []*Spec {
	return nil
}
