package retrypg_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrypg"
)

// The examples wait zero between attempts, so that they run at once; real
// code keeps the default jittered backoff.
var noWait = retrypg.Retry(
	retry.Backoff(backoff.Constant(0)),
	retry.BackoffFor(classify.Concurrency, backoff.Constant(0)), // the conflicts' own
)

// logRetries prints each retry.
var logRetries = retrypg.Retry(retry.Subscribe(observe.Func(func(e observe.Retry) {
	fmt.Printf("retry: %s attempt %d: %v (%v)\n", e.Operation, e.Attempt, e.Err, e.Class)
})))

func ExampleRun() {
	// A fake that plays a server whose first COMMIT meets a serialization
	// failure, found as a concurrent transaction moved money too. Real
	// code passes a *pgxpool.Pool.
	db := &fakeDB{print: true, plans: []plan{{commit: errSerialization}, {}}}

	transfer := func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE accounts SET balance = balance - 10 WHERE id = 1"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE accounts SET balance = balance + 10 WHERE id = 2")
		return err
	}
	err := retrypg.Run(context.Background(), db, pgx.TxOptions{IsoLevel: pgx.Serializable}, transfer, noWait, logRetries)
	fmt.Println("err:", err)
	// Output:
	// BEGIN ISOLATION LEVEL SERIALIZABLE
	// UPDATE accounts SET balance = balance - 10 WHERE id = 1
	// UPDATE accounts SET balance = balance + 10 WHERE id = 2
	// COMMIT: ERROR: could not serialize access due to concurrent update (SQLSTATE 40001)
	// retry: pg.tx attempt 1: retrypg: commit: ERROR: could not serialize access due to concurrent update (SQLSTATE 40001) (Concurrency)
	// BEGIN ISOLATION LEVEL SERIALIZABLE
	// UPDATE accounts SET balance = balance - 10 WHERE id = 1
	// UPDATE accounts SET balance = balance + 10 WHERE id = 2
	// COMMIT
	// err: <nil>
}

func ExampleDo() {
	db := &fakeDB{print: true}
	calls := 0
	nextID := func(ctx context.Context, tx pgx.Tx) (int, error) {
		calls++
		if calls == 1 {
			return 0, errDeadlock // as if a concurrent transaction had locked the row first
		}
		_, err := tx.Exec(ctx, "UPDATE counters SET n = n + 1 WHERE name = 'orders'")
		return 41 + calls, err
	}
	id, err := retrypg.Do(context.Background(), db, pgx.TxOptions{}, nextID, noWait, logRetries)
	fmt.Println(id, err)
	// Output:
	// BEGIN
	// ROLLBACK
	// retry: pg.tx attempt 1: ERROR: deadlock detected (SQLSTATE 40P01) (Concurrency)
	// BEGIN
	// UPDATE counters SET n = n + 1 WHERE name = 'orders'
	// COMMIT
	// 43 <nil>
}

func ExampleErrCommitUnknown() {
	// The connection breaks while the server commits: the transaction may
	// have been committed, so it is not run again.
	db := &fakeDB{print: true, plans: []plan{{commit: errLost}}}
	order := func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO orders (id, item) VALUES (7, 'book')")
		return err
	}
	err := retrypg.Run(context.Background(), db, pgx.TxOptions{}, order, noWait)
	fmt.Println(err)
	if errors.Is(err, retrypg.ErrCommitUnknown) {
		fmt.Println("look for order 7 before placing it again")
	}
	// Output:
	// BEGIN
	// INSERT INTO orders (id, item) VALUES (7, 'book')
	// COMMIT: read tcp: connection reset by peer
	// retry: permanent error after 1 attempt: retrypg: commit outcome unknown (the transaction may have been committed): read tcp: connection reset by peer
	// look for order 7 before placing it again
}

func ExampleIdempotent() {
	// An upsert of the same values is safe to apply twice: a commit whose
	// outcome is unknown is retried.
	db := &fakeDB{print: true, plans: []plan{{commit: errLost}, {}}}
	setEmail := func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO emails (user_id, email) VALUES (7, 'ann@example.com') ON CONFLICT (user_id) DO UPDATE SET email = excluded.email")
		return err
	}
	err := retrypg.Run(context.Background(), db, pgx.TxOptions{}, setEmail, retrypg.Idempotent(), noWait, logRetries)
	fmt.Println("err:", err)
	// Output:
	// BEGIN
	// INSERT INTO emails (user_id, email) VALUES (7, 'ann@example.com') ON CONFLICT (user_id) DO UPDATE SET email = excluded.email
	// COMMIT: read tcp: connection reset by peer
	// retry: pg.tx attempt 1: retrypg: commit outcome unknown (the transaction may have been committed): read tcp: connection reset by peer (Transient)
	// BEGIN
	// INSERT INTO emails (user_id, email) VALUES (7, 'ann@example.com') ON CONFLICT (user_id) DO UPDATE SET email = excluded.email
	// COMMIT
	// err: <nil>
}
