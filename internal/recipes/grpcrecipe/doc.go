// Package grpcrecipe holds the code of the gRPC recipe in
// internal/docs/recipes.md, as tests that run it against an in-memory
// server on a fake clock. It is a module of its own because it depends on
// gRPC, as retry/retrygrpc does, and the core module does not.
package grpcrecipe
