package synth

import (
	"errors"

	"github.com/stockholm/insyn/internal/aggregate"
)

// genBeslut makes the beslut microdata (tables 9:16–9:18).
func genBeslut(m *aggregate.Microdata, e *aggregate.External) error {
	return errors.New("not written yet")
}

// genEjVerkstallda makes the ej_verkstallda microdata (ev:1–ev:6).
func genEjVerkstallda(m *aggregate.Microdata, e *aggregate.External) error {
	return errors.New("not written yet")
}

// genKBF makes the kbf microdata (tables 9:19, 9:20).
func genKBF(m *aggregate.Microdata, e *aggregate.External) error {
	return errors.New("not written yet")
}

// genLov makes the lov aggregate (table 9:21).
func genLov(m *aggregate.Microdata, e *aggregate.External) error {
	return errors.New("not written yet")
}
