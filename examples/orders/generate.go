package orders

// The reference protocol's Wireshark dissector and documentation, generated
// from its schema; go test ./gen/lua ./gen/doc fails when they are stale.

//go:generate go run github.com/wirekit/wirekit/cmd/wirekit dissector -port 7070 -o orders.lua orders.wire
//go:generate go run github.com/wirekit/wirekit/cmd/wirekit doc -o doc orders.wire
