package reports

// insatserSpecs specifies tables 9:1–9:15, 9:22 and 9:23 (datasets insatser,
// befolkning, sfb).
func insatserSpecs() []*Spec {
	return nil
}
