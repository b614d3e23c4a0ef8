package api

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestThrottle: heavy requests are admitted one at a time; with nobody
// waiting the slot is free at once after one, and while others wait it
// stays idle for busy×(1/share−1); a wait ends with the request's
// context. The clock is the test's.
func TestThrottle(t *testing.T) {
	clock := time.Unix(0, 0)
	var idled []time.Duration
	var pending []func()
	th := newThrottle(0.25)
	th.now = func() time.Time { return clock }
	th.after = func(d time.Duration, f func()) { idled = append(idled, d); pending = append(pending, f) }
	ctx := context.Background()

	release, err := th.admit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(40 * time.Millisecond)
	release() // nobody waits: free now
	if len(idled) != 0 {
		t.Fatalf("idled %v with nobody waiting", idled)
	}
	release, err = th.admit(ctx)
	if err != nil {
		t.Fatalf("the slot is not free after a release with nobody waiting: %v", err)
	}

	// A second request waits while the first holds the slot.
	admitted := make(chan func(), 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		r, err := th.admit(ctx)
		if err != nil {
			t.Error(err)
		}
		admitted <- r
	})
	for th.waiting.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	clock = clock.Add(40 * time.Millisecond)
	release()
	if len(idled) != 1 || idled[0] != 120*time.Millisecond {
		t.Fatalf("idle after 40 ms of heavy work at a share of 1/4: %v, want 120ms", idled)
	}
	select {
	case <-admitted:
		t.Fatal("the waiting request was admitted while the slot idles")
	case <-time.After(20 * time.Millisecond):
	}
	pending[0]() // the idle time has passed
	wg.Wait()
	(<-admitted)()

	// A wait past the request's deadline fails with it.
	hold, _ := th.admit(ctx)
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	if _, err := th.admit(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a wait past the deadline: %v", err)
	}
	hold()
}

// TestTicket: a hold taken after the answer was written is given back at
// once; one taken before is given back by finish.
func TestTicket(t *testing.T) {
	released := 0
	var early ticket
	early.hold(func() { released++ })
	if released != 0 {
		t.Fatal("released before finish")
	}
	early.finish()
	var late ticket
	late.finish()
	late.hold(func() { released++ })
	if released != 2 {
		t.Errorf("released %d times, want 2", released)
	}
}
