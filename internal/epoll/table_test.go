package epoll

import "testing"

// TestTable: slots are given out from 0, freed slots are given out again
// (last freed first), and At sees what Put and Free did.
func TestTable(t *testing.T) {
	var tab Table[int]
	a, b, c := new(int), new(int), new(int)
	if i, j := tab.Put(a), tab.Put(b); i != 0 || j != 1 {
		t.Fatalf("slots %d, %d; want 0, 1", i, j)
	}
	tab.Free(0)
	if tab.At(0) != nil || tab.At(1) != b {
		t.Fatal("At after Free")
	}
	if i := tab.Put(c); i != 0 || tab.At(0) != c {
		t.Fatalf("slot %d after a Free, want 0 again", i)
	}
	if i := tab.Put(a); i != 2 || len(tab.Items()) != 3 {
		t.Fatalf("slot %d, %d items; want 2, 3", i, len(tab.Items()))
	}
}
