package streamtest

import (
	"math"
	"math/rand/v2"
)

// A Chunking decides how the peer's bytes are cut into reads, the way TCP
// segments and socket buffers cut them on a real network.
//
// Before each Read that starts a new chunk, a [Conn] calls the Chunking with
// the number of input bytes ready to be read (at least 1). The result is the
// size of the chunk, clamped to 1..ready. Each Read returns bytes from a
// single chunk, however large its buffer; a buffer smaller than the chunk
// gets the chunk's first bytes and the next Read continues the same chunk.
//
// For input
//
//	"WK\x01\x03\x00\x00\x00\x07" (8 bytes)
//
// the predefined chunkings give these reads:
//
//	All         [W K 01 03 00 00 00 07]
//	OneByte     [W] [K] [01] [03] [00] [00] [00] [07]
//	Fixed(3)    [W K 01] [03 00 00] [00 07]
//	Sizes(1, 4) [W] [K 01 03 00] [00] [00 07]   the list repeats
//
// A Conn never calls its Chunking concurrently. Random and Sizes return
// chunkings with state, so give each Conn its own.
type Chunking func(ready int) int

// All is a [Chunking] that delivers everything ready in one read.
func All(ready int) int { return ready }

// OneByte is a [Chunking] that delivers one byte per read, the hardest case
// for a parser that must resume in the middle of a frame.
func OneByte(int) int { return 1 }

// Fixed delivers n bytes per read (the last read of the input may be
// shorter). It panics if n < 1.
func Fixed(n int) Chunking {
	if n < 1 {
		panic("streamtest: Fixed chunk size must be at least 1")
	}
	return func(int) int { return n }
}

// Sizes delivers reads of the given sizes in order, starting over at the first
// size when the list runs out. It panics if the list is empty or a size is
// less than 1.
func Sizes(sizes ...int) Chunking {
	if len(sizes) == 0 {
		panic("streamtest: Sizes needs at least one size")
	}
	for _, n := range sizes {
		if n < 1 {
			panic("streamtest: Sizes chunk size must be at least 1")
		}
	}
	sizes = append([]int(nil), sizes...)
	i := 0
	return func(int) int {
		n := sizes[i]
		i = (i + 1) % len(sizes)
		return n
	}
}

// Random delivers reads of pseudo-random sizes from 1 to max, drawn from a
// PCG generator seeded with seed: the same seed gives the same reads on every
// run and platform, so a failure can be replayed from the seed in its log. It
// panics if max < 1.
func Random(seed uint64, max int) Chunking {
	if max < 1 {
		panic("streamtest: Random max chunk size must be at least 1")
	}
	r := rand.New(rand.NewPCG(seed, math.MaxUint64-seed))
	return func(int) int { return 1 + r.IntN(max) }
}
