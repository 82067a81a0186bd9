// Package benchpb holds the protobuf messages and the gRPC service of the
// benchmark: WK orders v1 in protobuf (orders.proto). The generated files are
// checked in, so that building needs no protoc; regenerate them with protoc
// 3.21+, protoc-gen-go v1.36.12 and protoc-gen-go-grpc v1.5.1 on PATH:
//
//	go generate ./benchpb
package benchpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative orders.proto
