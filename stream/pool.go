package stream

import (
	"math/bits"
	"sync"
)

// Pool is a buffer pool with one [sync.Pool] per power-of-two size class.
// Buffers travel as *[]byte, so that putting one back allocates nothing.
//
// The zero Pool is ready to use and safe for concurrent use. A server shares
// one Pool between its connections through [Config.Pool]; a nil Config.Pool
// means a package-wide default.
type Pool struct {
	classes [bits.UintSize]sync.Pool // classes[k] holds buffers of capacity >= 1<<k
}

// defaultPool serves every Conn whose Config.Pool is nil.
var defaultPool Pool

// Get returns a buffer of length 0 and capacity at least size. A new buffer
// is allocated with size rounded up to a power of two, so that it fits its
// class exactly when it comes back.
func (p *Pool) Get(size int) *[]byte {
	k := bits.Len(uint(max(size, 1) - 1)) // smallest k with 1<<k >= size
	if b, ok := p.classes[k].Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 1<<k)
	return &b
}

// Put gives b back to the pool, its length set to 0 (its bytes are not
// zeroed), under the largest class its capacity covers, so that a buffer
// grown by append is reused too. The caller must not use b or its bytes
// afterwards.
func (p *Pool) Put(b *[]byte) {
	c := cap(*b)
	if c == 0 {
		return
	}
	*b = (*b)[:0]
	p.classes[bits.Len(uint(c))-1].Put(b)
}
