package epoll

// Table maps the epoll data of a loop's descriptors to their items: small
// non-negative integers, given out again once freed, so that the table
// stays as large as the most items the loop has held at once. It belongs
// to the loop's goroutine.
type Table[T any] struct {
	items []*T
	free  []int32
}

// Put gives p a slot and returns it.
func (t *Table[T]) Put(p *T) int32 {
	var i int32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		i = int32(len(t.items))
		t.items = append(t.items, nil)
	}
	t.items[i] = p
	return i
}

// At returns the item in slot i, nil if the slot is free.
func (t *Table[T]) At(i int32) *T { return t.items[i] }

// Free frees slot i.
func (t *Table[T]) Free(i int32) {
	t.items[i] = nil
	t.free = append(t.free, i)
}

// Items returns the slots, free ones nil: for a loop closing them all.
func (t *Table[T]) Items() []*T { return t.items }
