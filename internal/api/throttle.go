package api

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// A request that asks for many cells costs the server in proportion: the
// cells are computed, written as megabytes of JSON and compressed. Valid
// but heavy requests sent by many clients at once would take every core
// from the small requests frontends send. So the heavy part of requests
// is admitted one request at a time, and while others wait for it, each
// heavy request leaves the slot idle for a while after it, so that heavy
// work takes at most Limits.HeavyShare of one core when heavy requests
// queue, and none of the small requests' share. A heavy request that
// waits past its deadline is answered 503 TIMEOUT. A server that answers
// one request at a time (a Lambda instance) never waits: nothing queues.

// throttle admits heavy requests one at a time (see above).
type throttle struct {
	slot    chan struct{} // holds a token while a heavy request runs
	waiting atomic.Int32  // heavy requests waiting for the slot
	share   float64       // of one core, for heavy work while others wait
	// now and after are the clock (time.Now, time.AfterFunc).
	now   func() time.Time
	after func(time.Duration, func())
}

func newThrottle(share float64) *throttle {
	return &throttle{slot: make(chan struct{}, 1), share: share, now: time.Now,
		after: func(d time.Duration, f func()) { time.AfterFunc(d, f) }}
}

// admit waits for the slot, or for ctx to end; release gives it back.
func (t *throttle) admit(ctx context.Context) (release func(), err error) {
	t.waiting.Add(1)
	select {
	case t.slot <- struct{}{}:
		t.waiting.Add(-1)
	case <-ctx.Done():
		t.waiting.Add(-1)
		return nil, ctx.Err()
	}
	start := t.now()
	return func() {
		if t.waiting.Load() == 0 || t.share >= 1 {
			<-t.slot
			return
		}
		// Idle for as long as heavy work may not run: busy/share in all.
		idle := time.Duration(float64(t.now().Sub(start)) * (1/t.share - 1))
		t.after(idle, func() { <-t.slot })
	}, nil
}

// ticket is a request's hold on the slot. The executor may still resolve
// fields after the handler has answered (its deadline passed): a hold
// taken then is given back at once.
type ticket struct {
	mu      sync.Mutex
	release func()
	done    bool
}

// hold keeps release for finish, or calls it now if finish came first.
func (t *ticket) hold(release func()) {
	t.mu.Lock()
	if t.done {
		t.mu.Unlock()
		release()
		return
	}
	t.release = release
	t.mu.Unlock()
}

// finish gives the slot back, if held, once the answer is written.
func (t *ticket) finish() {
	t.mu.Lock()
	release := t.release
	t.release, t.done = nil, true
	t.mu.Unlock()
	if release != nil {
		release()
	}
}
