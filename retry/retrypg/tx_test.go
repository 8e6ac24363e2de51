package retrypg_test

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/eventtest"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrypg"
)

// The tests of this file need no server: their Beginners are fakes, and
// the tests that wait run in a synctest bubble, on its fake clock.

var serializable = pgx.TxOptions{IsoLevel: pgx.Serializable}

// failFirst returns a fn whose first n attempts fail with errs[i], or the
// last of errs, and whose later attempts succeed.
func failFirst(n int, errs ...error) func(context.Context, pgx.Tx) error {
	calls := 0
	return func(context.Context, pgx.Tx) error {
		calls++
		if calls > n {
			return nil
		}
		return errs[min(calls, len(errs))-1]
	}
}

func succeed(context.Context, pgx.Tx) error { return nil }

func TestClassification(t *testing.T) {
	const op = "pg.tx"
	const serializationText = "ERROR: could not serialize access due to concurrent update (SQLSTATE 40001)"
	retryEv := func(attempt int, class classify.Class, err string) eventtest.Event {
		return eventtest.Event{Kind: "retry", Op: op, Attempt: attempt, Class: class, Err: err}
	}
	success := func(attempt int) eventtest.Event { return eventtest.Event{Kind: "success", Op: op, Attempt: attempt} }
	permanent := func(attempt int, err string) eventtest.Event {
		return eventtest.Event{Kind: "permanent_failure", Op: op, Attempt: attempt, Class: classify.Permanent, Err: err}
	}
	tests := []struct {
		name       string
		db         retrypg.Beginner
		fn         func(context.Context, pgx.Tx) error
		opts       []retrypg.Option
		wantErr    error // found in the call's error with errors.Is; nil: the call succeeds
		wantEvents []eventtest.Event
		wantEnds   []string
	}{{
		name:       "serialization failure is retried in a new transaction",
		fn:         failFirst(1, errSerialization),
		wantEvents: []eventtest.Event{retryEv(1, classify.Concurrency, serializationText), success(2)},
		wantEnds:   []string{"rollback", "commit"},
	}, {
		name: "deadlock is retried",
		fn:   failFirst(1, errDeadlock),
		wantEvents: []eventtest.Event{
			retryEv(1, classify.Concurrency, "ERROR: deadlock detected (SQLSTATE 40P01)"),
			success(2),
		},
		wantEnds: []string{"rollback", "commit"},
	}, {
		name: "serialization failure at commit is retried",
		db:   &fakeDB{plans: []plan{{commit: errSerialization}, {}}},
		fn:   succeed,
		wantEvents: []eventtest.Event{
			retryEv(1, classify.Concurrency, "retrypg: commit: "+serializationText),
			success(2),
		},
		wantEnds: []string{"commit failed", "commit"},
	}, {
		name: "serialization failure at commit of an old server is retried",
		db:   &fakeDB{plans: []plan{{commit: &pgconn.PgError{Severity: "ERROR", Code: "40001", Message: "could not serialize access"}}, {}}},
		fn:   succeed,
		wantEvents: []eventtest.Event{
			retryEv(1, classify.Concurrency, "retrypg: commit: ERROR: could not serialize access (SQLSTATE 40001)"),
			success(2),
		},
		wantEnds: []string{"commit failed", "commit"},
	}, {
		name:       "unique violation is permanent",
		fn:         failFirst(1, errUnique),
		wantErr:    errUnique,
		wantEvents: []eventtest.Event{permanent(1, errUnique.Error())},
		wantEnds:   []string{"rollback"},
	}, {
		name:       "deferred constraint refused at commit is permanent",
		db:         &fakeDB{plans: []plan{{commit: errForeignKey}}},
		fn:         succeed,
		wantErr:    errForeignKey,
		wantEvents: []eventtest.Event{permanent(1, "retrypg: commit: "+errForeignKey.Error())},
		wantEnds:   []string{"commit failed"},
	}, {
		name:    "commit without an answer is not retried",
		db:      &fakeDB{plans: []plan{{commit: errLost}}},
		fn:      succeed,
		wantErr: retrypg.ErrCommitUnknown,
		wantEvents: []eventtest.Event{permanent(1,
			"retrypg: commit outcome unknown (the transaction may have been committed): read tcp: connection reset by peer")},
		wantEnds: []string{"commit failed"},
	}, {
		name:    "fatal error at commit leaves the outcome unknown",
		db:      &fakeDB{plans: []plan{{commit: errTerminated}}},
		fn:      succeed,
		wantErr: retrypg.ErrCommitUnknown,
		wantEvents: []eventtest.Event{permanent(1,
			"retrypg: commit outcome unknown (the transaction may have been committed): "+errTerminated.Error())},
		wantEnds: []string{"commit failed"},
	}, {
		name: "commit without an answer of an idempotent transaction is retried",
		db:   &fakeDB{plans: []plan{{commit: errLost}, {}}},
		fn:   succeed,
		opts: []retrypg.Option{retrypg.Idempotent()},
		wantEvents: []eventtest.Event{
			retryEv(1, classify.Transient, "retrypg: commit outcome unknown (the transaction may have been committed): read tcp: connection reset by peer"),
			success(2),
		},
		wantEnds: []string{"commit failed", "commit"},
	}, {
		// pgx says "conn closed", safe to retry, when the connection
		// fails while it waits for the answer.
		name:    "commit without an answer is not retried, whatever SafeToRetry says",
		db:      &fakeDB{plans: []plan{{commit: errConnClosed}, {}}},
		fn:      succeed,
		wantErr: retrypg.ErrCommitUnknown,
		wantEvents: []eventtest.Event{permanent(1,
			"retrypg: commit outcome unknown (the transaction may have been committed): conn closed")},
		wantEnds: []string{"commit failed"},
	}, {
		name:    "commit written in part is not retried",
		db:      &fakeDB{plans: []plan{{commit: errPartlySent}, {}}},
		fn:      succeed,
		wantErr: retrypg.ErrCommitUnknown,
		wantEvents: []eventtest.Event{permanent(1,
			"retrypg: commit outcome unknown (the transaction may have been committed): write failed: write tcp: write: broken pipe")},
		wantEnds: []string{"commit failed"},
	}, {
		name: "commit that was never sent is retried",
		db:   &fakeDB{plans: []plan{{commit: errNotSent}, {}}},
		fn:   succeed,
		wantEvents: []eventtest.Event{
			retryEv(1, classify.Transient, "retrypg: commit: write failed: write tcp: write: broken pipe"),
			success(2),
		},
		wantEnds: []string{"commit failed", "commit"},
	}, {
		name:       "commit that rolled back is Unknown",
		db:         &fakeDB{plans: []plan{{commit: pgx.ErrTxCommitRollback}, {}}},
		fn:         succeed,
		wantEvents: []eventtest.Event{retryEv(1, classify.Unknown, "retrypg: commit: commit unexpectedly resulted in rollback"), success(2)},
		wantEnds:   []string{"commit failed", "commit"},
	}, {
		name: "fn that ended the transaction itself is permanent",
		fn: func(ctx context.Context, tx pgx.Tx) error {
			return tx.Rollback(ctx)
		},
		wantErr:    pgx.ErrTxClosed,
		wantEvents: []eventtest.Event{permanent(1, "retrypg: commit: tx is closed")},
		wantEnds:   []string{"rollback"},
	}, {
		name: "begin that sent nothing is transient",
		db:   &fakeDB{plans: []plan{{begin: errNotSent}, {}}},
		fn:   succeed,
		wantEvents: []eventtest.Event{
			retryEv(1, classify.Transient, "retrypg: begin: write failed: write tcp: write: broken pipe"),
			success(2),
		},
		wantEnds: []string{"begin failed", "commit"},
	}, {
		name: "refused connection at begin is transient",
		db: &fakeDB{plans: []plan{
			{begin: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}},
			{},
		}},
		fn: succeed,
		wantEvents: []eventtest.Event{
			retryEv(1, classify.Transient, "retrypg: begin: dial tcp: connect: connection refused"),
			success(2),
		},
		wantEnds: []string{"begin failed", "commit"},
	}, {
		name: "too many connections at begin is a rate limit",
		db:   &fakeDB{plans: []plan{{begin: errTooMany}, {}}},
		fn:   succeed,
		wantEvents: []eventtest.Event{
			retryEv(1, classify.RateLimit, "retrypg: begin: FATAL: sorry, too many clients already (SQLSTATE 53300)"),
			success(2),
		},
		wantEnds: []string{"begin failed", "commit"},
	}, {
		name:       "fn's failure that sent nothing is transient",
		fn:         failFirst(1, errNotSent),
		wantEvents: []eventtest.Event{retryEv(1, classify.Transient, "write failed: write tcp: write: broken pipe"), success(2)},
		wantEnds:   []string{"rollback", "commit"},
	}, {
		// Run's rules forbid it; a retry could apply the transaction twice.
		name: "fn's failure after it committed itself is not retried",
		fn: func(ctx context.Context, tx pgx.Tx) error {
			if err := tx.Commit(ctx); err != nil {
				return err
			}
			return errNotSent
		},
		wantErr:    errNotSent,
		wantEvents: []eventtest.Event{permanent(1, "write failed: write tcp: write: broken pipe")},
		wantEnds:   []string{"commit"},
	}, {
		name:       "fn's own marker wins over the SQLSTATE",
		fn:         failFirst(1, classify.MarkPermanent(errSerialization)),
		wantErr:    errSerialization,
		wantEvents: []eventtest.Event{permanent(1, serializationText)},
		wantEnds:   []string{"rollback"},
	}, {
		name:    "closed single connection is not retried",
		db:      fakeConn{&fakeDB{plans: []plan{{lose: true}}}},
		fn:      failFirst(1, errLost),
		wantErr: errLost,
		wantEvents: []eventtest.Event{permanent(1,
			"retrypg: connection closed, cannot retry on it: read tcp: connection reset by peer")},
		wantEnds: []string{"rollback"},
	}, {
		name:    "closed single connection is not retried even on a conflict",
		db:      fakeConn{&fakeDB{plans: []plan{{lose: true}}}},
		fn:      failFirst(1, errTerminated),
		wantErr: errTerminated,
		wantEvents: []eventtest.Event{permanent(1,
			"retrypg: connection closed, cannot retry on it: "+errTerminated.Error())},
		wantEnds: []string{"rollback"},
	}, {
		name:    "closed single connection cannot begin",
		db:      fakeConn{&fakeDB{closed: true, plans: []plan{{begin: errNotSent}}}},
		fn:      succeed,
		wantErr: errNotSent,
		wantEvents: []eventtest.Event{permanent(1,
			"retrypg: begin: connection closed, cannot retry on it: write failed: write tcp: write: broken pipe")},
		wantEnds: []string{"begin failed"},
	}, {
		name:    "closed single connection cannot commit again",
		db:      fakeConn{&fakeDB{plans: []plan{{commit: errNotSent, loseAt: true}}}},
		fn:      succeed,
		wantErr: errNotSent,
		wantEvents: []eventtest.Event{permanent(1,
			"retrypg: commit: connection closed, cannot retry on it: write failed: write tcp: write: broken pipe")},
		wantEnds: []string{"commit failed"},
	}, {
		name: "open single connection is retried",
		db:   fakeConn{&fakeDB{}},
		fn:   failFirst(1, errSerialization),
		wantEvents: []eventtest.Event{
			retryEv(1, classify.Concurrency, serializationText),
			success(2),
		},
		wantEnds: []string{"rollback", "commit"},
	}, {
		name:    "unknown errors are retried twice at most",
		fn:      failFirst(9, errors.New("mystery")),
		wantErr: retry.ErrMaxUnknownAttempts,
		wantEvents: []eventtest.Event{
			retryEv(1, classify.Unknown, "mystery"),
			{Kind: "max_unknown_attempts_exceeded", Op: op, Attempt: 2, Class: classify.Unknown, Err: "mystery"},
		},
		wantEnds: []string{"rollback", "rollback"},
	}, {
		name:    "a name of the caller's",
		fn:      failFirst(9, errUnique),
		opts:    []retrypg.Option{retrypg.Retry(retry.Name("orders.tx"))},
		wantErr: errUnique,
		wantEvents: []eventtest.Event{
			{Kind: "permanent_failure", Op: "orders.tx", Attempt: 1, Class: classify.Permanent, Err: errUnique.Error()},
		},
		wantEnds: []string{"rollback"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				db := tt.db
				if db == nil {
					db = &fakeDB{}
				}
				var rec observe.Recorder
				opts := append(tt.opts, retrypg.Retry(retry.Subscribe(&rec)))
				err := retrypg.Run(t.Context(), db, serializable, tt.fn, opts...)
				switch {
				case tt.wantErr == nil && err != nil:
					t.Errorf("Run = %v; want nil", err)
				case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
					t.Errorf("Run = %v; want an error matching %v", err, tt.wantErr)
				}
				if diff := cmp.Diff(tt.wantEvents, events(&rec)); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.wantEnds, fakeOf(db).ends()); diff != "" {
					t.Errorf("transactions (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// fakeOf returns the fakeDB of db.
func fakeOf(db retrypg.Beginner) *fakeDB {
	if c, ok := db.(fakeConn); ok {
		return c.fakeDB
	}
	return db.(*fakeDB)
}

func TestDefaultCaps(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantReason error
		wantRuns   int
		maxDelay   time.Duration // of any wait
	}{
		{"conflicts get ten attempts, with short waits", errSerialization, retry.ErrMaxAttempts, 10, time.Second},
		{"transient failures get six", errNotSent, retry.ErrMaxClassAttempts, 6, 30 * time.Second},
		{"server errors get six", pgError("53200", "out of memory"), retry.ErrMaxClassAttempts, 6, 30 * time.Second},
		{"rate limits get six", errTooMany, retry.ErrMaxClassAttempts, 6, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				db := &fakeDB{}
				var delays []time.Duration
				rec := observe.Func(func(e observe.Retry) { delays = append(delays, e.Delay) })
				err := retrypg.Run(t.Context(), db, serializable, failFirst(100, tt.err),
					retrypg.Retry(retry.Subscribe(rec), retry.NoDeadline()))
				if !errors.Is(err, tt.wantReason) || !errors.Is(err, tt.err) {
					t.Errorf("Run = %v; want %v with %v", err, tt.wantReason, tt.err)
				}
				if n := db.begun(); n != tt.wantRuns {
					t.Errorf("%d transactions; want %d", n, tt.wantRuns)
				}
				for i, d := range delays {
					if d < 0 || d > tt.maxDelay {
						t.Errorf("wait %d = %v; want within [0, %v]", i+1, d, tt.maxDelay)
					}
				}
			})
		})
	}
}

func TestConflictWaitsAreShortAndJittered(t *testing.T) {
	// FullJitter(10ms, 1s): the n-th wait is within [0, 10ms·2^(n-1)].
	synctest.Test(t, func(t *testing.T) {
		var delays []time.Duration
		rec := observe.Func(func(e observe.Retry) { delays = append(delays, e.Delay) })
		retrypg.Run(t.Context(), &fakeDB{}, serializable, failFirst(100, errSerialization), retrypg.Retry(retry.Subscribe(rec)))
		if len(delays) != 9 {
			t.Fatalf("%d waits; want 9", len(delays))
		}
		distinct := map[time.Duration]bool{}
		for i, d := range delays {
			if top := min(10*time.Millisecond<<i, time.Second); d < 0 || d > top {
				t.Errorf("wait %d = %v; want within [0, %v]", i+1, d, top)
			}
			distinct[d] = true
		}
		if len(distinct) < 5 {
			t.Errorf("waits %v: want them jittered", delays)
		}
	})
}

func TestRollbackOutlivesTheAttemptsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		db := &fakeDB{}
		err := retrypg.Run(ctx, db, serializable, func(ctx context.Context, tx pgx.Tx) error {
			cancel() // the caller gives up while the transaction runs
			return ctx.Err()
		})
		if !errors.Is(err, retry.ErrCancelled) {
			t.Errorf("Run = %v; want ErrCancelled", err)
		}
		tx := db.txs[0]
		if tx.ended != "rollback" || tx.rollbackErr != nil {
			t.Errorf("transaction ended with %q, its context's error %v; want a rollback with a context not done", tx.ended, tx.rollbackErr)
		}
		if d, want := tx.rollbackDeadline, time.Now().Add(time.Second); d.IsZero() || d.After(want) {
			t.Errorf("rollback deadline %v; want one within a second, by %v", d, want)
		}
	})
}

func TestPanicRollsBack(t *testing.T) {
	db := &fakeDB{}
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("Run panicked with %v; want boom", p)
			}
		}()
		retrypg.Run(t.Context(), db, serializable, func(context.Context, pgx.Tx) error { panic("boom") })
	}()
	if diff := cmp.Diff([]string{"rollback"}, db.ends()); diff != "" {
		t.Errorf("transactions (-want +got):\n%s", diff)
	}
}

func TestCommitUnknownAfterAttemptTimeout(t *testing.T) {
	// A commit that the attempt's own timeout cut off is unknown, which
	// says Permanent, and the loop keeps that word: no other attempt, and
	// no other transaction, unless the transaction is idempotent.
	const unknown = "retrypg: commit outcome unknown (the transaction may have been committed): " + errLostText
	tests := []struct {
		name       string
		opts       []retrypg.Option
		wantErr    error
		wantEvents []eventtest.Event
		wantBegun  int
	}{{
		name:    "stops",
		wantErr: retrypg.ErrCommitUnknown,
		wantEvents: []eventtest.Event{
			{Kind: "permanent_failure", Op: "pg.tx", Attempt: 1, Class: classify.Permanent, Err: unknown},
		},
		wantBegun: 1,
	}, {
		name: "retries an idempotent transaction",
		opts: []retrypg.Option{retrypg.Idempotent()},
		wantEvents: []eventtest.Event{
			{Kind: "retry", Op: "pg.tx", Attempt: 1, Class: classify.Transient, Err: unknown},
			{Kind: "success", Op: "pg.tx", Attempt: 2},
		},
		wantBegun: 2,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				db := &fakeDB{plans: []plan{{hang: true, commit: errLost}, {}}}
				var rec observe.Recorder
				opts := append(tt.opts, retrypg.Retry(retry.AttemptTimeout(time.Second), retry.Subscribe(&rec)))
				err := retrypg.Run(t.Context(), db, serializable, succeed, opts...)
				if (tt.wantErr == nil) != (err == nil) || !errors.Is(err, tt.wantErr) {
					t.Errorf("Run = %v; want %v", err, tt.wantErr)
				}
				if diff := cmp.Diff(tt.wantEvents, events(&rec)); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
				if n := db.begun(); n != tt.wantBegun {
					t.Errorf("%d transactions; want %d", n, tt.wantBegun)
				}
			})
		})
	}
}

const errLostText = "read tcp: connection reset by peer"

func TestNoTransactionAfterUnknownCommit(t *testing.T) {
	// Whatever the loop makes of a commit whose outcome is unknown, no
	// further attempt of the call begins a transaction: here the caller's
	// classifier calls every error Transient. (The loop's own AttemptTimeout
	// rule can do the same when the timeout expires just as the commit
	// fails.)
	synctest.Test(t, func(t *testing.T) {
		db := &fakeDB{plans: []plan{{commit: errLost}, {}}}
		allTransient := classify.Func(func(error) classify.Class { return classify.Transient })
		err := retrypg.Run(t.Context(), db, serializable, succeed, retrypg.Retry(retry.Classifier(allTransient)))
		if !errors.Is(err, retrypg.ErrCommitUnknown) || !errors.Is(err, errLost) {
			t.Errorf("Run = %v; want an error matching ErrCommitUnknown and %v", err, errLost)
		}
		if n := db.begun(); n != 1 {
			t.Errorf("%d transactions; want 1", n)
		}
	})
}

func TestDo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		next := func(ctx context.Context, tx pgx.Tx) (int, error) {
			calls++
			if calls == 1 {
				return 1, errSerialization // the value of a failed attempt is dropped
			}
			return calls * 10, nil
		}
		v, err := retrypg.Do(t.Context(), &fakeDB{}, serializable, next)
		if v != 20 || err != nil {
			t.Errorf("Do = %d, %v; want 20, nil", v, err)
		}

		v, err = retrypg.Do(t.Context(), &fakeDB{}, serializable, func(context.Context, pgx.Tx) (int, error) {
			return 7, errUnique
		})
		if v != 0 || !errors.Is(err, errUnique) {
			t.Errorf("Do = %d, %v; want 0, %v", v, err, errUnique)
		}
	})
}

func TestErrorsOfTheLastAttempt(t *testing.T) {
	db := &fakeDB{plans: []plan{{commit: errForeignKey}}}
	err := retrypg.Run(t.Context(), db, serializable, succeed)
	var rerr *retry.Error
	var pgErr *pgconn.PgError
	if !errors.As(err, &rerr) || rerr.Reason != retry.ErrPermanent || rerr.Attempts != 1 {
		t.Fatalf("Run = %v; want a *retry.Error for ErrPermanent after 1 attempt", err)
	}
	if !errors.As(err, &pgErr) || pgErr.Code != "23503" {
		t.Errorf("errors.As(%v, *pgconn.PgError) = %v; want the error of SQLSTATE 23503", err, pgErr)
	}
	const want = "retry: permanent error after 1 attempt: retrypg: commit: " +
		`ERROR: insert or update on table "orders" violates foreign key constraint "orders_user_fkey" (SQLSTATE 23503)`
	if err.Error() != want {
		t.Errorf("Run = %q; want %q", err, want)
	}
}

func TestInvalidArguments(t *testing.T) {
	called := false
	fn := func(context.Context, pgx.Tx) error { called = true; return nil }
	db := &fakeDB{}
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"nil db", func() error { return retrypg.Run(t.Context(), nil, serializable, fn) },
			"retrypg: Run: db is nil"},
		{"nil db of Do", func() error {
			_, err := retrypg.Do(t.Context(), nil, serializable, func(context.Context, pgx.Tx) (int, error) { return 0, nil })
			return err
		}, "retrypg: Do: db is nil"},
		{"nil fn", func() error { return retrypg.Run(t.Context(), db, serializable, nil) },
			"retrypg: Run: fn is nil"},
		{"nil fn of Do", func() error {
			_, err := retrypg.Do[int](t.Context(), db, serializable, nil)
			return err
		}, "retrypg: Do: fn is nil"},
		{"nil option", func() error { return retrypg.Run(t.Context(), db, serializable, fn, retrypg.Idempotent(), nil) },
			"retrypg: Option: option 1 is nil"},
		{"nil retry option", func() error {
			return retrypg.Run(t.Context(), db, serializable, fn, retrypg.Retry(retry.MaxAttempts(2), nil))
		}, "retrypg: Retry(MaxAttempts(2), <nil>): option 1 is nil"},
		{"invalid retry option", func() error {
			return retrypg.Run(t.Context(), db, serializable, fn, retrypg.Retry(retry.MaxAttempts(0)))
		}, "retry: MaxAttempts(0): must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || err.Error() != tt.want || !errors.Is(err, retry.ErrInvalidOption) {
				t.Errorf("Run = %v; want %q, matching ErrInvalidOption", err, tt.want)
			}
		})
	}
	if called || db.begun() > 0 {
		t.Errorf("fn called %v, %d transactions begun; want neither", called, db.begun())
	}
}

func TestOptionStrings(t *testing.T) {
	tests := []struct {
		opt  retrypg.Option
		want string
	}{
		{retrypg.Idempotent(), "Idempotent()"},
		{retrypg.Retry(), "Retry()"},
		{retrypg.Retry(retry.MaxAttempts(3), retry.Name("orders.tx")), `Retry(MaxAttempts(3), Name("orders.tx"))`},
	}
	for _, tt := range tests {
		if got := tt.opt.String(); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
	if r := retrypg.Retry(); r == retrypg.Retry() {
		t.Error("two Retry options compare equal; want each equal to itself alone")
	}
	if retrypg.Idempotent() != retrypg.Idempotent() {
		t.Error("Idempotent() != Idempotent()")
	}
}

func TestRetryOptionsAddUpInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec1, rec2 observe.Recorder
		err := retrypg.Run(t.Context(), &fakeDB{}, serializable, failFirst(9, errSerialization),
			retrypg.Retry(retry.MaxAttempts(2), retry.Name("a"), retry.Subscribe(&rec1)),
			retrypg.Retry(retry.Name("b"), retry.Subscribe(&rec2)),
		)
		if !errors.Is(err, retry.ErrMaxAttempts) {
			t.Errorf("Run = %v; want ErrMaxAttempts", err)
		}
		want := []eventtest.Event{
			{Kind: "retry", Op: "b", Attempt: 1, Class: classify.Concurrency, Err: errSerialization.Error()},
			{Kind: "max_attempts_exceeded", Op: "b", Attempt: 2, Class: classify.Concurrency, Err: errSerialization.Error()},
		}
		for _, rec := range []*observe.Recorder{&rec1, &rec2} {
			if diff := cmp.Diff(want, events(rec)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		}
	})
}

func TestConcurrentCalls(t *testing.T) {
	// One bundle, budget and subscriber shared by calls in parallel, which
	// wait zero between attempts.
	var rec observe.Recorder
	shared := retrypg.Retry(
		retry.NewBudget(1, 1000),
		retry.Subscribe(&rec),
		retry.Backoff(backoff.Constant(0)),
		retry.BackoffFor(classify.Concurrency, backoff.Constant(0)),
	)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			err := retrypg.Run(t.Context(), &fakeDB{}, serializable, failFirst(2, errSerialization, errNotSent), shared)
			if err != nil {
				t.Errorf("Run = %v; want nil", err)
			}
		})
	}
	wg.Wait()
	if n, want := rec.Count(observe.KindRetry), 100; n != want {
		t.Errorf("%d retries; want %d", n, want)
	}
	if n, want := rec.Count(observe.KindSuccess), 50; n != want {
		t.Errorf("%d successes; want %d", n, want)
	}
}
