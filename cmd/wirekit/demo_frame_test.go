package main

import "testing"

func TestFixed8(t *testing.T) {
	for p, want := range map[int64]string{
		12_345_000_000: "123.45", 0: "0", 1: "0.00000001", 100_000_000: "1", -250_000_000: "-2.5",
		-1: "-0.00000001", 9_223_372_036_854_775_807: "92233720368.54775807",
	} {
		if got := fixed8(p); got != want {
			t.Errorf("fixed8(%d) = %q, want %q", p, got, want)
		}
	}
}
