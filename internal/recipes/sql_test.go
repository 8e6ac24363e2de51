package recipes

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// Recipe: a database transaction.

// ErrInsufficientFunds: the account to debit has less than the amount.
var ErrInsufficientFunds = errors.New("insufficient funds")

// txPolicy retries a transaction that lost a race with another: conflicts
// resolve fast, so they are retried soon and more often than the default.
var txPolicy = retry.Options(
	retry.Name("db.transfer"),
	retry.MaxAttempts(10),
	retry.Deadline(5*time.Second),
	retry.BackoffFor(classify.Concurrency,
		backoff.FullJitter(5*time.Millisecond, 200*time.Millisecond)),
)

// Transfer moves amount from one account to another in a serializable
// transaction, and runs the whole transaction again when it fails in a way
// that a new one may not: a serialization failure or a deadlock (SQLSTATE
// 40001, 40P01: Concurrency), a connection that failed before the commit.
func Transfer(ctx context.Context, db *sql.DB, from, to string, amount int64) error {
	return retry.Run(ctx, func(ctx context.Context) error {
		tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
		if err != nil {
			return err
		}
		defer tx.Rollback() // after Commit, a no-op

		debit, err := tx.ExecContext(ctx,
			`UPDATE accounts SET balance = balance - $1 WHERE id = $2 AND balance >= $1`, amount, from)
		if err != nil {
			return err
		}
		n, err := debit.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return classify.MarkPermanent(ErrInsufficientFunds) // not worth a retry
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE accounts SET balance = balance + $1 WHERE id = $2`, amount, to); err != nil {
			return err
		}
		return commit(tx)
	}, txPolicy)
}

// commit commits tx. A commit that fails on its way, with a lost
// connection, may have been applied: retrying it could apply the transfer
// twice. So a failed commit is retried only when the database says that it
// rolled the transaction back, as it does for a serialization failure.
func commit(tx *sql.Tx) error {
	err := tx.Commit()
	if err == nil || classify.Default().Classify(err) == classify.Concurrency {
		return err
	}
	return classify.MarkPermanent(fmt.Errorf("commit outcome unknown: %w", err))
}

// dbError is the error of a database driver, with the SQLSTATE that the
// default classifier reads through its SQLState method, as it reads that of
// pgx's *pgconn.PgError.
type dbError struct{ code, msg string }

func (e *dbError) Error() string    { return e.msg + " (SQLSTATE " + e.code + ")" }
func (e *dbError) SQLState() string { return e.code }

var (
	errSerialization = &dbError{"40001", "could not serialize access due to concurrent update"}
	errDeadlock      = &dbError{"40P01", "deadlock detected"}
	errConnLost      = &dbError{"08006", "connection failure"}
)

// fakeLedger is a database/sql driver over a map of balances, that fails the
// steps of its transactions as told: faults maps "begin", "debit", "credit"
// and "commit" to the errors of their next calls, in turn. A commit that
// fails with errConnLost is applied all the same, as a real one may be.
type fakeLedger struct {
	mu       sync.Mutex
	balances map[string]int64
	faults   map[string][]error
	begun    int
}

func (l *fakeLedger) fault(step string) error {
	if errs := l.faults[step]; len(errs) > 0 {
		l.faults[step] = errs[1:]
		return errs[0]
	}
	return nil
}

func (l *fakeLedger) Connect(context.Context) (driver.Conn, error) { return &ledgerConn{l: l}, nil }
func (l *fakeLedger) Driver() driver.Driver                        { return nil }

type ledgerConn struct {
	l  *fakeLedger
	tx map[string]int64 // the balances the open transaction sees and changes
}

func (c *ledgerConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (c *ledgerConn) Close() error                        { return nil }
func (c *ledgerConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }

func (c *ledgerConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	c.l.begun++
	if err := c.l.fault("begin"); err != nil {
		return nil, err
	}
	c.tx = maps.Clone(c.l.balances)
	return c, nil
}

func (c *ledgerConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	amount, id := args[0].Value.(int64), args[1].Value.(string)
	switch {
	case strings.Contains(query, "balance - $1"):
		if err := c.l.fault("debit"); err != nil {
			return nil, err
		}
		if c.tx[id] < amount {
			return driver.RowsAffected(0), nil
		}
		c.tx[id] -= amount
	case strings.Contains(query, "balance + $1"):
		if err := c.l.fault("credit"); err != nil {
			return nil, err
		}
		c.tx[id] += amount
	default:
		return nil, fmt.Errorf("unexpected query %q", query)
	}
	return driver.RowsAffected(1), nil
}

func (c *ledgerConn) Commit() error {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	err := c.l.fault("commit")
	if err == nil || err == errConnLost {
		c.l.balances = c.tx
	}
	c.tx = nil
	return err
}

func (c *ledgerConn) Rollback() error {
	c.tx = nil
	return nil
}

func newLedger(faults map[string][]error) (*fakeLedger, *sql.DB) {
	l := &fakeLedger{balances: map[string]int64{"ada": 100, "bob": 0}, faults: faults}
	return l, sql.OpenDB(l)
}

func TestTransfer(t *testing.T) {
	for _, tc := range []struct {
		name         string
		amount       int64
		faults       map[string][]error
		wantErr      []error // what errors.Is finds in the error; none: nil error
		wantAttempts int
		wantAda      int64
	}{
		{name: "commits at once", amount: 30, wantAttempts: 1, wantAda: 70},
		{
			name: "serialization failure at commit is retried", amount: 30,
			faults:       map[string][]error{"commit": {errSerialization, errSerialization}},
			wantAttempts: 3, wantAda: 70,
		},
		{
			name: "deadlock is retried", amount: 30,
			faults:       map[string][]error{"credit": {errDeadlock}},
			wantAttempts: 2, wantAda: 70,
		},
		{
			name: "connection lost before the commit is retried", amount: 30,
			faults:       map[string][]error{"debit": {errConnLost}},
			wantAttempts: 2, wantAda: 70,
		},
		{
			name: "connection lost during the commit is not retried", amount: 30,
			faults:       map[string][]error{"commit": {errConnLost}},
			wantErr:      []error{retry.ErrPermanent, errConnLost},
			wantAttempts: 1, wantAda: 70, // applied once, not twice
		},
		{
			name: "insufficient funds is not retried", amount: 300,
			wantErr:      []error{retry.ErrPermanent, ErrInsufficientFunds},
			wantAttempts: 1, wantAda: 100,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ledger, db := newLedger(tc.faults)
				defer db.Close()

				err := Transfer(t.Context(), db, "ada", "bob", tc.amount)

				if len(tc.wantErr) == 0 && err != nil {
					t.Errorf("Transfer = %v; want nil", err)
				}
				for _, want := range tc.wantErr {
					if !errors.Is(err, want) {
						t.Errorf("Transfer = %v; want errors.Is(err, %v)", err, want)
					}
				}
				if ledger.begun != tc.wantAttempts {
					t.Errorf("%d transactions begun; want %d", ledger.begun, tc.wantAttempts)
				}
				if got := ledger.balances["ada"]; got != tc.wantAda {
					t.Errorf("ada's balance = %d; want %d", got, tc.wantAda)
				}
			})
		})
	}
}
