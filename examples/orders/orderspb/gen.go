package orderspb

//go:generate go run github.com/wirekit/wirekit/cmd/wirekit gen -o . -package orderspb ../orders.wire
