package epoll

import (
	"runtime"
	"sync/atomic"
)

// Inbox hands work to the goroutine that waits on a Set: other goroutines
// push items (connections with something to do) on a lock-free stack, and
// wake the waiter if the stack was empty (a waiter that found it non-empty
// has been woken already); the waiter takes the whole stack at once. Items
// are linked through a field of their own, so pushing allocates nothing,
// and an item must be in the inbox once at most: its owner keeps a flag.
type Inbox[T any] struct {
	set     *Set
	link    func(*T) **T // the item's link field
	head    atomic.Pointer[T]
	posting atomic.Int32 // pushes in progress: Close waits for them
	closed  atomic.Bool  // pushes are dropped
}

// NewInbox returns the inbox of the waiter on set, whose items link
// through the field link returns.
func NewInbox[T any](set *Set, link func(*T) **T) *Inbox[T] {
	return &Inbox[T]{set: set, link: link}
}

// Push puts p in the inbox, from any goroutine, and wakes the waiter if
// the inbox was empty. It reports false, dropping p, after Close.
func (in *Inbox[T]) Push(p *T) bool {
	in.posting.Add(1)
	defer in.posting.Add(-1)
	if in.closed.Load() {
		return false
	}
	next := in.link(p)
	for {
		old := in.head.Load()
		*next = old
		if in.head.CompareAndSwap(old, p) {
			if old == nil {
				in.set.Wake()
			}
			return true
		}
	}
}

// Wake wakes the waiter without pushing an item (to make it quit, say),
// unless the inbox is closed, and the set with it, perhaps.
func (in *Inbox[T]) Wake() {
	in.posting.Add(1)
	defer in.posting.Add(-1)
	if !in.closed.Load() {
		in.set.Wake()
	}
}

// Take appends the items pushed so far to list, oldest first, and returns
// the list. The waiter calls it when Wait reports WakeData.
func (in *Inbox[T]) Take(list *T) *T {
	in.set.ClearWake() // before taking: a push after it wakes again
	var taken *T
	for p := in.head.Swap(nil); p != nil; {
		next := in.link(p)
		p, taken, *next = *next, p, taken
	}
	if list == nil {
		return taken
	}
	tail := list
	for *in.link(tail) != nil {
		tail = *in.link(tail)
	}
	*in.link(tail) = taken
	return list
}

// Close drops every later push and returns once no push is in progress:
// the waiter may then close the set, and Take what came before.
func (in *Inbox[T]) Close() {
	in.closed.Store(true)
	for in.posting.Load() != 0 {
		runtime.Gosched()
	}
}
