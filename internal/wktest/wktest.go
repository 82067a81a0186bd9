// Package wktest holds what the tests of several packages share: the
// reference protocol's test vector, hex input, and a TLS certificate for
// loopback servers.
package wktest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SpecVector is the test vector of shared/spec/orders-v1.md, in hex for
// Unhex: a NewOrder with request id 7 (order_id 42, instrument 1001, sell,
// ioc, price 12,345,000,000, qty 100, tag "abc"), then its CRC-32C.
const SpecVector = `
574b 0103 0000 0007 0000 001d
0000 0000 0000 002a
0000 03e9
a0
0000 0002 dfd1 c040
0000 0064
03 6162 63
e6b5 c777`

// Unhex decodes hex written with spaces and line breaks. It fails the test
// on bad input.
func Unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// SelfSigned returns a certificate for 127.0.0.1, valid for an hour, and a
// pool that trusts it.
func SelfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "wirekit test"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Memory returns the heap and stack memory in use and the resident set
// size (0 where /proc is missing), after collecting garbage (which also
// empties the buffer pools and shrinks goroutine stacks) and returning free
// memory to the OS: what a benchmark of idle connections compares before
// and after opening them.
func Memory() (heapAndStacks, rss int64) {
	for range 3 {
		runtime.GC()
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	statm, err := os.ReadFile("/proc/self/statm")
	if err == nil {
		if f := strings.Fields(string(statm)); len(f) > 1 {
			pages, _ := strconv.ParseInt(f[1], 10, 64)
			rss = pages * int64(os.Getpagesize())
		}
	}
	return int64(ms.HeapInuse + ms.StackInuse), rss
}

// Golden checks got against the checked-in file at path, or, when update
// is set (a test's -update flag), writes it there. regen is the command
// that regenerates the file, for the failure messages.
func Golden(t testing.TB, path string, got []byte, update bool, regen string) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with %s)", err, regen)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: regenerate it with %s", path, regen)
	}
}
