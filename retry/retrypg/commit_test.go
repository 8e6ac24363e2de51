package retrypg_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrypg"
)

// isCommit reports whether q is the COMMIT that pgx sends: the simple
// query "commit".
func isCommit(q string) bool {
	return strings.EqualFold(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(q), ";")), "commit")
}

func isInsert(q string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(q)), "insert")
}

func isBegin(q string) bool { return strings.HasPrefix(strings.ToLower(strings.TrimSpace(q)), "begin") }

// The bytes of the server's answer to a COMMIT: CommandComplete, 'C' with
// its length and "COMMIT\x00", then ReadyForQuery.
const commandCompleteLen = 1 + 4 + len("COMMIT\x00")

// strikeOnce returns a rule that lets everything through but the first
// message of the client's, on any connection, whose query at matches: that
// one it drops and cuts the connection, unless forward, in which case it
// forwards it and cuts the connection after reply bytes of the server's
// answer. reset makes the cut a reset.
func strikeOnce(at func(q string) bool, forward bool, reply int, reset bool) rule {
	var fired atomic.Bool
	return func(st *connState, from side, msg []byte) (int, bool) {
		if from != fromClient {
			return len(msg), false
		}
		if q, ok := query(msg); !ok || !at(q) || !fired.CompareAndSwap(false, true) {
			return len(msg), false
		}
		st.reset = reset
		if !forward {
			return 0, true
		}
		st.replyBudget = reply
		return len(msg), false
	}
}

// noWaits makes the tests against a server retry at once: they assert
// nothing about time.
var noWaits = retrypg.Retry(
	retry.Backoff(backoff.Constant(0)),
	retry.BackoffFor(classify.Concurrency, backoff.Constant(0)),
)

// TestLostConnectionAroundCommit runs a transaction that inserts one row
// through a proxy that cuts its connection once, at a point around its
// COMMIT, and counts the rows in the table: a transaction that may have
// been committed is never run again, and one that was surely not is.
func TestLostConnectionAroundCommit(t *testing.T) {
	url := serverURL(t)
	const insert = "INSERT INTO items (k) VALUES (1)"
	type cutAt struct {
		at      func(q string) bool // the client's message where the cut comes
		forward bool                // that message reaches the server
		reply   int                 // bytes of the server's answer that reach the client, if forward
	}
	tests := []struct {
		name   string
		cut    cutAt
		insert string // fn's statement; default insert
		ignore bool   // fn ignores the error of its statement
		opts   []retrypg.Option

		wantRows  int   // in the table, after the call
		wantErr   error // in the call's error; nil: success
		wantCalls int   // of fn
	}{{
		name:      "reply of COMMIT lost",
		cut:       cutAt{at: isCommit, forward: true, reply: 0},
		wantRows:  1,
		wantErr:   retrypg.ErrCommitUnknown,
		wantCalls: 1,
	}, {
		name:      "reply of COMMIT cut inside CommandComplete",
		cut:       cutAt{at: isCommit, forward: true, reply: 3},
		wantRows:  1,
		wantErr:   retrypg.ErrCommitUnknown,
		wantCalls: 1,
	}, {
		name:      "reply of COMMIT cut before ReadyForQuery",
		cut:       cutAt{at: isCommit, forward: true, reply: commandCompleteLen},
		wantRows:  1,
		wantErr:   retrypg.ErrCommitUnknown,
		wantCalls: 1,
	}, {
		// The client cannot tell this from a lost answer.
		name:      "COMMIT lost before the server",
		cut:       cutAt{at: isCommit, forward: false},
		wantRows:  0,
		wantErr:   retrypg.ErrCommitUnknown,
		wantCalls: 1,
	}, {
		name:      "reply of COMMIT lost, idempotent transaction retried",
		cut:       cutAt{at: isCommit, forward: true, reply: 0},
		insert:    "INSERT INTO items (k) SELECT 1 WHERE NOT EXISTS (SELECT FROM items WHERE k = 1)",
		opts:      []retrypg.Option{retrypg.Idempotent()},
		wantRows:  1,
		wantCalls: 2,
	}, {
		name:      "statement lost before the server is retried",
		cut:       cutAt{at: isInsert, forward: false},
		wantRows:  1,
		wantCalls: 2,
	}, {
		name:      "reply of a statement lost is retried",
		cut:       cutAt{at: isInsert, forward: true, reply: 0},
		wantRows:  1,
		wantCalls: 2,
	}, {
		name:      "reply of a statement cut inside is retried",
		cut:       cutAt{at: isInsert, forward: true, reply: 4},
		wantRows:  1,
		wantCalls: 2,
	}, {
		// fn returns nil, but the connection closed before COMMIT: pgx
		// cannot send it, and the server rolled the transaction back.
		name:      "lost connection that fn ignored is retried",
		cut:       cutAt{at: isInsert, forward: true, reply: 0},
		ignore:    true,
		wantRows:  1,
		wantCalls: 2,
	}, {
		name:      "reply of BEGIN lost is retried",
		cut:       cutAt{at: isBegin, forward: true, reply: 0},
		wantRows:  1,
		wantCalls: 1,
	}}
	for _, tt := range tests {
		for _, reset := range []bool{false, true} {
			name := tt.name + ", closed"
			if reset {
				name = tt.name + ", reset"
			}
			t.Run(name, func(t *testing.T) {
				cfg, admin := server(t, url)
				exec(t, admin, "CREATE TABLE items (k int)") // no unique key: duplicates show
				p := newProxy(t, targetOf(cfg), strikeOnce(tt.cut.at, tt.cut.forward, tt.cut.reply, reset))
				pool := newPool(t, p.config(cfg))
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				defer cancel()

				stmt := tt.insert
				if stmt == "" {
					stmt = insert
				}
				var rec observe.Recorder
				calls := 0
				opts := append([]retrypg.Option{noWaits, retrypg.Retry(retry.Subscribe(&rec))}, tt.opts...)
				err := retrypg.Run(ctx, pool, pgx.TxOptions{}, func(ctx context.Context, tx pgx.Tx) error {
					calls++
					_, err := tx.Exec(ctx, stmt)
					if tt.ignore {
						return nil
					}
					return err
				}, opts...)
				pgEvents(t, "client", &rec)
				checkOutcome(t, admin, err, tt.wantErr, tt.wantRows, calls, tt.wantCalls)
				if errors.Is(tt.wantErr, retrypg.ErrCommitUnknown) {
					// pgx's own error stays within reach.
					if !errors.Is(err, pgconn.ErrConnClosed) || !errors.Is(err, retry.ErrPermanent) {
						t.Errorf("Run = %v; want it to match pgconn.ErrConnClosed and retry.ErrPermanent", err)
					}
				}
			})
		}
	}
}

// failingConn is a client's connection whose next write, once armed,
// fails after its first n bytes, and closes the connection: a network
// that breaks as the client sends.
type failingConn struct {
	net.Conn
	armed *atomic.Bool
	n     int
}

func (c *failingConn) Write(p []byte) (int, error) {
	if !c.armed.CompareAndSwap(true, false) {
		return c.Conn.Write(p)
	}
	n, _ := c.Conn.Write(p[:min(c.n, len(p))])
	c.Conn.Close() // the network is broken: the server sees the connection end
	return n, &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
}

// TestCommitThatCannotHaveBeenSent shows, on a real server, the failures
// of a COMMIT that are retried because the COMMIT surely did not reach the
// server, beside one that looks alike but is not.
func TestCommitThatCannotHaveBeenSent(t *testing.T) {
	url := serverURL(t)
	tests := []struct {
		name string
		// fn is the transaction's attempt-th attempt; arm makes the next
		// write of the connection fail.
		fn        func(ctx context.Context, tx pgx.Tx, attempt int, arm func()) error
		written   int // bytes of the failing write that reach the server
		wantRows  int
		wantErr   error // nil: success
		wantCalls int
	}{{
		name: "write of COMMIT that failed before its first byte is retried",
		fn: func(ctx context.Context, tx pgx.Tx, attempt int, arm func()) error {
			_, err := tx.Exec(ctx, "INSERT INTO items (k) VALUES (1)")
			if attempt == 1 {
				arm()
			}
			return err
		},
		written:   0,
		wantRows:  1,
		wantCalls: 2,
	}, {
		name: "write of COMMIT that failed after some bytes is not retried",
		fn: func(ctx context.Context, tx pgx.Tx, attempt int, arm func()) error {
			_, err := tx.Exec(ctx, "INSERT INTO items (k) VALUES (1)")
			if attempt == 1 {
				arm()
			}
			return err
		},
		written:   5,
		wantRows:  0, // the server got part of a message
		wantErr:   retrypg.ErrCommitUnknown,
		wantCalls: 1,
	}, {
		// pgx refuses the COMMIT on a busy connection, before it sends
		// anything, and closes it: the server rolls back.
		name: "COMMIT after fn left a query open is not unknown",
		fn: func(ctx context.Context, tx pgx.Tx, attempt int, arm func()) error {
			if _, err := tx.Exec(ctx, "INSERT INTO items (k) VALUES (1)"); err != nil {
				return err
			}
			_, err := tx.Query(ctx, "SELECT generate_series(1, 10000)") // never closed
			return err
		},
		wantRows:  0,
		wantErr:   retry.ErrMaxClassAttempts,
		wantCalls: 6,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, admin := server(t, url)
			exec(t, admin, "CREATE TABLE items (k int)")
			var armed atomic.Bool
			var d net.Dialer
			cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := d.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &failingConn{Conn: c, armed: &armed, n: tt.written}, nil
			}
			pool := newPool(t, cfg)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var rec observe.Recorder
			calls := 0
			err := retrypg.Run(ctx, pool, pgx.TxOptions{}, func(ctx context.Context, tx pgx.Tx) error {
				calls++
				return tt.fn(ctx, tx, calls, func() { armed.Store(true) })
			}, noWaits, retrypg.Retry(retry.Subscribe(&rec)))
			pgEvents(t, "client", &rec)
			checkOutcome(t, admin, err, tt.wantErr, tt.wantRows, calls, tt.wantCalls)
		})
	}
}

// TestCommitAnswerLate holds the server's answer to a COMMIT until the
// attempt's timeout ends it: the commit's outcome is unknown, which says
// Permanent, and the loop does not overrule it for the timeout: no other
// attempt, and no other transaction.
func TestCommitAnswerLate(t *testing.T) {
	url := serverURL(t)
	cfg, admin := server(t, url)
	exec(t, admin, "CREATE TABLE items (k int)")
	var fired atomic.Bool
	p := newProxy(t, targetOf(cfg), func(st *connState, from side, msg []byte) (int, bool) {
		if q, ok := query(msg); ok && from == fromClient && isCommit(q) && fired.CompareAndSwap(false, true) {
			st.hold = true
		}
		return len(msg), false
	})
	pool := newPool(t, p.config(cfg))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var rec observe.Recorder
	calls := 0
	err := retrypg.Run(ctx, pool, pgx.TxOptions{}, func(ctx context.Context, tx pgx.Tx) error {
		calls++
		_, err := tx.Exec(ctx, "INSERT INTO items (k) VALUES (1)")
		return err
	}, noWaits, retrypg.Retry(retry.AttemptTimeout(500*time.Millisecond), retry.Subscribe(&rec)))
	want := []pgEvent{
		{Kind: "permanent_failure", Attempt: 1, Class: classify.Permanent},
	}
	if diff := cmp.Diff(want, pgEvents(t, "client", &rec)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if !errors.Is(err, retrypg.ErrCommitUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run = %v; want an error matching ErrCommitUnknown and context.DeadlineExceeded", err)
	}
	if got := queryString(t, admin, "SELECT count(*)::text FROM items"); got != "1" || calls != 1 {
		t.Errorf("%s rows, fn called %d times; want 1 row, 1 call", got, calls)
	}
}

// checkOutcome checks what a call of Run left: the rows in the table, its
// error (nil, or one matching wantErr, and ErrCommitUnknown only where
// wanted) and how many times fn ran.
func checkOutcome(t *testing.T, admin *pgx.Conn, err, wantErr error, wantRows, calls, wantCalls int) {
	t.Helper()
	if got := queryString(t, admin, "SELECT count(*)::text FROM items"); got != strconv.Itoa(wantRows) {
		t.Errorf("%s rows in the table after Run = %v; want %d", got, err, wantRows)
	}
	switch {
	case wantErr == nil && err != nil:
		t.Errorf("Run = %v; want nil", err)
	case wantErr != nil && !errors.Is(err, wantErr):
		t.Errorf("Run = %v; want an error matching %v", err, wantErr)
	case !errors.Is(wantErr, retrypg.ErrCommitUnknown) && errors.Is(err, retrypg.ErrCommitUnknown):
		t.Errorf("Run = %v; want no ErrCommitUnknown", err)
	}
	if calls != wantCalls {
		t.Errorf("fn called %d times; want %d", calls, wantCalls)
	}
}
