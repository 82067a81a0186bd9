package epoll

import (
	"sync"
	"testing"
)

type item struct {
	n    int
	next *item
}

// TestInbox: items pushed from many goroutines all reach the waiter, each
// goroutine's in its order, appended after the list the waiter holds; the
// first push wakes the waiter; after Close, pushes are dropped.
func TestInbox(t *testing.T) {
	s := newSet(t)
	in := NewInbox(s, func(it *item) **item { return &it.next })
	const pushers, each = 4, 250
	var wg sync.WaitGroup
	for g := range pushers {
		wg.Go(func() {
			for i := range each {
				if !in.Push(&item{n: g*each + i}) {
					t.Error("push refused before Close")
				}
			}
		})
	}
	wg.Wait()
	if evs := s.Wait(); len(evs) != 1 || evs[0].Fd != WakeData {
		t.Fatalf("events %+v, want the wake-up", evs)
	}
	held := &item{n: -1}
	list := in.Take(held)
	if list != held {
		t.Fatal("Take did not append to the list given")
	}
	last := make([]int, pushers)
	for g := range last {
		last[g] = g*each - 1
	}
	count := 0
	for it := list.next; it != nil; it = it.next {
		g := it.n / each
		if it.n <= last[g] {
			t.Fatalf("item %d after %d: a pusher's items out of order", it.n, last[g])
		}
		last[g] = it.n
		count++
	}
	if count != pushers*each {
		t.Fatalf("%d items taken, want %d", count, pushers*each)
	}
	in.Close()
	if in.Push(&item{}) {
		t.Fatal("push accepted after Close")
	}
	if in.Take(nil) != nil {
		t.Fatal("an item pushed after Close was taken")
	}
}
