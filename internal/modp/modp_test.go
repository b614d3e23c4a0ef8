package modp

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestAgainstBigInt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := big.NewInt(P)
	for i := 0; i < 10000; i++ {
		a, b := rng.Uint64N(P), rng.Uint64N(P)
		A, B := new(big.Int).SetUint64(a), new(big.Int).SetUint64(b)
		want := func(x *big.Int) uint64 { return new(big.Int).Mod(x, p).Uint64() }
		if got := Add(a, b); got != want(new(big.Int).Add(A, B)) {
			t.Fatalf("Add(%d, %d) = %d", a, b, got)
		}
		if got := Sub(a, b); got != want(new(big.Int).Sub(A, B)) {
			t.Fatalf("Sub(%d, %d) = %d", a, b, got)
		}
		if got := Mul(a, b); got != want(new(big.Int).Mul(A, B)) {
			t.Fatalf("Mul(%d, %d) = %d", a, b, got)
		}
		if a != 0 && Mul(a, Inv(a)) != 1 {
			t.Fatalf("Inv(%d) is no inverse", a)
		}
	}
}
