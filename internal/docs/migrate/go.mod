module github.com/reflexio-go/reflexio/internal/docs/migrate

go 1.26.0

require (
	github.com/avast/retry-go/v4 v4.7.0
	github.com/cenkalti/backoff/v4 v4.3.0
	github.com/cenkalti/backoff/v5 v5.0.3
	github.com/failsafe-go/failsafe-go v0.9.8
	github.com/reflexio-go/reflexio v0.1.0
	github.com/sethvargo/go-retry v0.5.0
)

replace github.com/reflexio-go/reflexio => ../../..

require github.com/bits-and-blooms/bitset v1.24.4 // indirect
