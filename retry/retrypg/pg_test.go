package retrypg_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrypg"
)

// The tests of this file run against a real PostgreSQL server, named by
// the environment variable REFLEXIO_PG_URL, a connection string such as
// postgres://postgres@127.0.0.1:5432/reflexio?sslmode=disable. `make pg`
// starts a throwaway server, as CI does, and prints the line to export.
// Without the variable the tests skip, but in CI, where they must run;
// with it, they fail if the server cannot be reached.

const urlVar = "REFLEXIO_PG_URL"

var (
	_ retrypg.Beginner = (*pgxpool.Pool)(nil)
	_ retrypg.Beginner = (*pgxpool.Conn)(nil)
	_ retrypg.Beginner = (*pgx.Conn)(nil)
)

// serverURL returns the connection string of the test server, or skips
// the test if there is none, but in CI, where it fails.
func serverURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv(urlVar)
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI runs these tests against a PostgreSQL server that .ci/run starts", urlVar)
		}
		t.Skipf("%s is not set: skipping the tests against a real PostgreSQL server (make pg starts one and prints the line to export)", urlVar)
	}
	return url
}

// server returns the configuration of connections to the server at url,
// with a schema of the test's own as their search path, and a connection
// to run the test's own statements on. The schema is dropped when the
// test ends.
func server(t *testing.T, url string) (*pgx.ConnConfig, *pgx.Conn) {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("%s: %v", urlVar, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("%s is set, but the server cannot be reached: %v", urlVar, err)
	}
	schema := fmt.Sprintf("retrypg_test_%d", rand.Uint64())
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema+"; SET search_path TO "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping the test's schema: %v", err)
		}
		admin.Close(ctx)
	})
	cfg.RuntimeParams["search_path"] = schema
	return cfg, admin
}

// newPool returns a pool of connections to cfg, closed when the test ends.
func newPool(t *testing.T, cfg *pgx.ConnConfig) *pgxpool.Pool {
	t.Helper()
	pcfg, err := pgxpool.ParseConfig("")
	if err != nil {
		t.Fatal(err)
	}
	pcfg.ConnConfig = cfg
	pool, err := pgxpool.NewWithConfig(t.Context(), pcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// exec runs the statements sql on conn, and fails the test if they fail.
func exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// queryString returns the only value that query returns, as text.
func queryString(t *testing.T, conn *pgx.Conn, query string) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(t.Context(), query).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s
}

// pgEvent is what the tests against the server compare of an event: the
// texts of its errors vary with the server's version and its timing.
type pgEvent struct {
	Kind     string
	Attempt  int
	Class    classify.Class
	SQLState string // of the event's error, if it has one
}

// pgEvents returns the events rec received, as the tests compare them,
// and logs them all.
func pgEvents(t *testing.T, who string, rec *observe.Recorder) []pgEvent {
	t.Helper()
	var evs []pgEvent
	for _, e := range rec.Events() {
		ev := pgEvent{Kind: e.Kind().String()}
		var err error
		var delay time.Duration
		switch e := e.(type) {
		case observe.Success:
			ev.Attempt = e.Attempt
		case observe.Retry:
			ev.Attempt, ev.Class, err, delay = e.Attempt, e.Class, e.Err, e.Delay
		case observe.PermanentFailure:
			ev.Attempt, ev.Class, err = e.Attempt, e.Class, e.Err
		default:
			ev.Kind = "unexpected " + ev.Kind
		}
		if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
			ev.SQLState = pgErr.Code
		}
		line := fmt.Sprintf("%s: %s %s attempt %d", who, e.Kind(), opOf(e), ev.Attempt)
		if err != nil {
			line += fmt.Sprintf(" %v: %v", ev.Class, err)
		}
		if e.Kind() == observe.KindRetry {
			line += fmt.Sprintf(" (waits %v)", delay.Round(time.Microsecond))
		}
		t.Log(line)
		evs = append(evs, ev)
	}
	return evs
}

func opOf(e observe.Event) string {
	switch e := e.(type) {
	case observe.Success:
		return e.Operation
	case observe.Retry:
		return e.Operation
	case observe.PermanentFailure:
		return e.Operation
	}
	return "?"
}

// meeting makes the first attempts of two transactions wait for each
// other at one point, so that they overlap there.
type meeting struct {
	mu      sync.Mutex
	arrived int
	both    chan struct{}
}

func newMeeting() *meeting { return &meeting{both: make(chan struct{})} }

// wait returns once both transactions called it, or ctx ends.
func (m *meeting) wait(ctx context.Context) error {
	m.mu.Lock()
	if m.arrived++; m.arrived == 2 {
		close(m.both)
	}
	m.mu.Unlock()
	select {
	case <-m.both:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the other transaction: %w", ctx.Err())
	}
}

// TestCollisions makes two concurrent transactions collide on a real
// server, and shows that the one that loses is retried, in a new
// transaction, into a success.
func TestCollisions(t *testing.T) {
	url := serverURL(t)
	tests := []struct {
		name      string
		setup     string
		isolation pgx.TxIsoLevel
		// tx is the transaction of client i, 0 or 1; on its first attempt
		// only, meet waits for the other client's first attempt.
		tx           func(ctx context.Context, tx pgx.Tx, i int, meet func(context.Context) error) error
		check        string // a query of the final state
		want         string // its value
		wantSQLState string // of the error that the loser meets
		// rematch: the loser's next attempt may meet the other transaction
		// again, before it commits, and either may lose that round too.
		rematch bool
	}{{
		name: "serializable lost update",
		setup: `CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL);
			INSERT INTO counter VALUES (1, 0)`,
		isolation: pgx.Serializable,
		tx: func(ctx context.Context, tx pgx.Tx, i int, meet func(context.Context) error) error {
			var n int
			if err := tx.QueryRow(ctx, "SELECT n FROM counter WHERE id = 1").Scan(&n); err != nil {
				return err
			}
			if err := meet(ctx); err != nil { // both have read 0
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE counter SET n = $1 WHERE id = 1", n+1)
			return err
		},
		check:        "SELECT n::text FROM counter",
		want:         "2", // no increment lost
		wantSQLState: "40001",
	}, {
		name: "serializable write skew",
		setup: `CREATE TABLE doctors (name text PRIMARY KEY, on_call bool NOT NULL);
			INSERT INTO doctors VALUES ('alice', true), ('bob', true)`,
		isolation: pgx.Serializable,
		tx: func(ctx context.Context, tx pgx.Tx, i int, meet func(context.Context) error) error {
			var n int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM doctors WHERE on_call").Scan(&n); err != nil {
				return err
			}
			if err := meet(ctx); err != nil { // both have seen two doctors on call
				return err
			}
			if n < 2 {
				return nil // the last one on call stays
			}
			_, err := tx.Exec(ctx, "UPDATE doctors SET on_call = false WHERE name = $1", []string{"alice", "bob"}[i])
			return err
		},
		check:        "SELECT count(*)::text FROM doctors WHERE on_call",
		want:         "1", // never none
		wantSQLState: "40001",
	}, {
		name: "deadlock",
		setup: `CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
			INSERT INTO accounts VALUES (1, 100), (2, 100)`,
		isolation: pgx.ReadCommitted, // deadlocks happen at every level
		tx: func(ctx context.Context, tx pgx.Tx, i int, meet func(context.Context) error) error {
			// Client 0 moves 10 from account 1 to 2, client 1 moves 30
			// from 2 to 1: each locks its source first.
			from, to, amount := 1+i, 2-i, []int{10, 30}[i]
			if _, err := tx.Exec(ctx, "UPDATE accounts SET balance = balance - $1 WHERE id = $2", amount, from); err != nil {
				return err
			}
			if err := meet(ctx); err != nil { // both hold their first lock
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE accounts SET balance = balance + $1 WHERE id = $2", amount, to)
			return err
		},
		check:        "SELECT string_agg(balance::text, ',' ORDER BY id) FROM accounts",
		want:         "120,80",
		wantSQLState: "40P01",
		// The loser's next attempt may lock its first row before the
		// winner, woken by the loser's rollback, takes it: a new deadlock.
		rematch: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, admin := server(t, url)
			exec(t, admin, tt.setup)
			pool := newPool(t, cfg)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()

			m := newMeeting()
			var recs [2]observe.Recorder
			var errs [2]error
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Go(func() {
					attempts := 0
					errs[i] = retrypg.Run(ctx, pool, pgx.TxOptions{IsoLevel: tt.isolation},
						func(ctx context.Context, tx pgx.Tx) error {
							attempts++
							meet := m.wait
							if attempts > 1 {
								meet = func(context.Context) error { return nil }
							}
							return tt.tx(ctx, tx, i, meet)
						},
						retrypg.Retry(retry.Subscribe(&recs[i])),
					)
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("client %d: Run = %v; want nil", i, err)
				}
			}
			// Either client may lose: order the streams, winner first.
			got := [][]pgEvent{pgEvents(t, "client 0", &recs[0]), pgEvents(t, "client 1", &recs[1])}
			slices.SortFunc(got, func(a, b []pgEvent) int { return len(a) - len(b) })
			want := [][]pgEvent{rounds(1, tt.wantSQLState), rounds(2, tt.wantSQLState)}
			if tt.rematch && len(got[1]) >= 2 {
				// As many rounds as it took, each lost to the same error.
				want = [][]pgEvent{rounds(len(got[0]), tt.wantSQLState), rounds(len(got[1]), tt.wantSQLState)}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("events, winner first (-want +got):\n%s", diff)
			}
			if got := queryString(t, admin, tt.check); got != tt.want {
				t.Errorf("%s = %s; want %s", tt.check, got, tt.want)
			}
		})
	}
}

// rounds returns the events of a transaction that succeeds at its n-th
// attempt, after n-1 conflicts whose errors have sqlState.
func rounds(n int, sqlState string) []pgEvent {
	var evs []pgEvent
	for i := 1; i < n; i++ {
		evs = append(evs, pgEvent{Kind: "retry", Attempt: i, Class: classify.Concurrency, SQLState: sqlState})
	}
	return append(evs, pgEvent{Kind: "success", Attempt: n})
}

// TestServer runs single transactions on a real server that fail in
// other ways.
func TestServer(t *testing.T) {
	url := serverURL(t)
	// closeConn closes the transaction's network connection under pgx, as
	// a network that fails does.
	closeConn := func(tx pgx.Tx) { tx.Conn().PgConn().Conn().Close() }
	tests := []struct {
		name  string
		db    string // what the transactions run on: "pool" (or ""), "conn" (a *pgx.Conn) or "pool conn" (a *pgxpool.Conn)
		setup string
		// tx is the transaction's attempt-th attempt.
		tx         func(ctx context.Context, tx pgx.Tx, attempt int) error
		wantErr    error // in the call's error; nil: success
		wantEvents []pgEvent
		check      string
		want       string
	}{{
		name:  "lost connection is retried on another",
		setup: "CREATE TABLE notes (note text)",
		tx: func(ctx context.Context, tx pgx.Tx, attempt int) error {
			if _, err := tx.Exec(ctx, "INSERT INTO notes VALUES ($1)", fmt.Sprint("attempt ", attempt)); err != nil {
				return err
			}
			if attempt == 1 {
				closeConn(tx)
			}
			_, err := tx.Exec(ctx, "SELECT 1")
			return err
		},
		wantEvents: []pgEvent{
			{Kind: "retry", Attempt: 1, Class: classify.Transient},
			{Kind: "success", Attempt: 2},
		},
		check: "SELECT string_agg(note, ',') FROM notes",
		want:  "attempt 2", // the lost transaction was rolled back
	}, {
		name:  "lost single connection is not retried",
		db:    "conn",
		setup: "CREATE TABLE notes (note text)",
		tx: func(ctx context.Context, tx pgx.Tx, attempt int) error {
			if _, err := tx.Exec(ctx, "INSERT INTO notes VALUES ('lost')"); err != nil {
				return err
			}
			closeConn(tx)
			_, err := tx.Exec(ctx, "SELECT 1")
			return err
		},
		wantErr:    retry.ErrPermanent,
		wantEvents: []pgEvent{{Kind: "permanent_failure", Attempt: 1, Class: classify.Permanent}},
		check:      "SELECT count(*)::text FROM notes",
		want:       "0",
	}, {
		name:  "lost connection taken from a pool is not retried",
		db:    "pool conn",
		setup: "CREATE TABLE notes (note text)",
		tx: func(ctx context.Context, tx pgx.Tx, attempt int) error {
			if _, err := tx.Exec(ctx, "INSERT INTO notes VALUES ('lost')"); err != nil {
				return err
			}
			closeConn(tx)
			_, err := tx.Exec(ctx, "SELECT 1")
			return err
		},
		wantErr:    retry.ErrPermanent,
		wantEvents: []pgEvent{{Kind: "permanent_failure", Attempt: 1, Class: classify.Permanent}},
		check:      "SELECT count(*)::text FROM notes",
		want:       "0",
	}, {
		name:  "terminated backend is retried",
		setup: "CREATE TABLE notes (note text)",
		tx: func(ctx context.Context, tx pgx.Tx, attempt int) error {
			if attempt == 1 {
				_, err := tx.Exec(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO notes VALUES ('done')")
			return err
		},
		wantEvents: []pgEvent{
			{Kind: "retry", Attempt: 1, Class: classify.Transient, SQLState: "57P01"},
			{Kind: "success", Attempt: 2},
		},
		check: "SELECT string_agg(note, ',') FROM notes",
		want:  "done",
	}, {
		name:  "unique violation is not retried",
		setup: "CREATE TABLE users (id int PRIMARY KEY); INSERT INTO users VALUES (1)",
		tx: func(ctx context.Context, tx pgx.Tx, attempt int) error {
			_, err := tx.Exec(ctx, "INSERT INTO users VALUES (1)")
			return err
		},
		wantErr:    retry.ErrPermanent,
		wantEvents: []pgEvent{{Kind: "permanent_failure", Attempt: 1, Class: classify.Permanent, SQLState: "23505"}},
		check:      "SELECT count(*)::text FROM users",
		want:       "1",
	}, {
		name: "deferred constraint refused at commit is not retried, and not unknown",
		setup: `CREATE TABLE users (id int PRIMARY KEY);
			CREATE TABLE orders (user_id int REFERENCES users DEFERRABLE INITIALLY DEFERRED)`,
		db: "conn",
		tx: func(ctx context.Context, tx pgx.Tx, attempt int) error {
			_, err := tx.Exec(ctx, "INSERT INTO orders VALUES (42)") // checked at commit
			return err
		},
		wantErr:    retry.ErrPermanent,
		wantEvents: []pgEvent{{Kind: "permanent_failure", Attempt: 1, Class: classify.Permanent, SQLState: "23503"}},
		check:      "SELECT count(*)::text FROM orders",
		want:       "0",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, admin := server(t, url)
			exec(t, admin, tt.setup)
			pool := newPool(t, cfg)
			var db retrypg.Beginner = pool
			switch tt.db {
			case "conn":
				conn, err := pgx.ConnectConfig(t.Context(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(context.Background())
				db = conn
			case "pool conn":
				conn, err := pool.Acquire(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Release()
				db = conn
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var rec observe.Recorder
			attempts := 0
			err := retrypg.Run(ctx, db, pgx.TxOptions{}, func(ctx context.Context, tx pgx.Tx) error {
				attempts++
				return tt.tx(ctx, tx, attempts)
			}, retrypg.Retry(retry.Subscribe(&rec)))
			if (tt.wantErr == nil) != (err == nil) || !errors.Is(err, tt.wantErr) {
				t.Errorf("Run = %v; want %v", err, tt.wantErr)
			}
			if errors.Is(err, retrypg.ErrCommitUnknown) {
				t.Errorf("Run = %v; want no ErrCommitUnknown: the server answered", err)
			}
			if diff := cmp.Diff(tt.wantEvents, pgEvents(t, "client", &rec)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if got := queryString(t, admin, tt.check); got != tt.want {
				t.Errorf("%s = %s; want %s", tt.check, got, tt.want)
			}
		})
	}
}
