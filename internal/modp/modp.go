// Package modp is arithmetic in the prime field GF(2^61-1), for exact linear
// algebra on the 0/±1 matrices of statistical tables: which cells are linear
// combinations of others. Entries stay one machine word, so elimination
// allocates nothing per step and numbers never grow. Independence over
// GF(p) implies independence over the rationals; the converse fails only if
// p divides a minor that decides the rank — a coincidence of order 2^-61 for
// such matrices, and the LP audits check every pattern anyway.
package modp

import "math/bits"

// P is the prime 2^61-1.
const P = 1<<61 - 1

// Add returns a+b mod P for a, b < P.
func Add(a, b uint64) uint64 {
	r := a + b
	if r >= P {
		r -= P
	}
	return r
}

// Sub returns a-b mod P for a, b < P.
func Sub(a, b uint64) uint64 {
	if a >= b {
		return a - b
	}
	return a + P - b
}

// Mul returns a*b mod P for a, b < P.
func Mul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	// a*b = hi*2^64 + lo, and 2^64 = 2^3 * 2^61 = 8 (mod P).
	r := (lo & P) + (lo >> 61) + (hi << 3)
	for r >= P {
		r -= P
	}
	return r
}

// Inv returns a^-1 mod P for 0 < a < P (Fermat: a^(P-2)).
func Inv(a uint64) uint64 {
	result, base, e := uint64(1), a, uint64(P-2)
	for e > 0 {
		if e&1 == 1 {
			result = Mul(result, base)
		}
		base = Mul(base, base)
		e >>= 1
	}
	return result
}
