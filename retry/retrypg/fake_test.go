package retrypg_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/reflexio-go/reflexio/internal/eventtest"
	"github.com/reflexio-go/reflexio/observe"
)

// fakeDB is a Beginner that plays a server without a network: the n-th
// transaction it begins, counting from 1, follows the n-th of its plans,
// repeating the last. It keeps its transactions, and prints its
// statements if print is set, as the examples do. Real code passes a
// *pgxpool.Pool.
type fakeDB struct {
	plans []plan
	print bool

	mu     sync.Mutex
	txs    []*fakeTx
	closed bool // the connection is lost: see fakeConn
}

// A plan says how one transaction goes.
type plan struct {
	begin  error // BEGIN fails with it
	commit error // COMMIT fails with it
	hang   bool  // COMMIT waits until its context ends, then fails with commit
	lose   bool  // the connection is lost as the transaction begins
	loseAt bool  // the connection is lost as the transaction commits
}

func (db *fakeDB) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	p := plan{}
	if len(db.plans) > 0 {
		p = db.plans[min(len(db.txs), len(db.plans)-1)]
	}
	tx := &fakeTx{db: db, plan: p}
	db.txs = append(db.txs, tx)
	if opts.IsoLevel == "" {
		db.printf("BEGIN")
	} else {
		db.printf("BEGIN ISOLATION LEVEL %s", strings.ToUpper(string(opts.IsoLevel)))
	}
	if p.begin != nil {
		tx.ended = "begin failed"
		return nil, p.begin
	}
	if p.lose {
		db.closed = true
	}
	return tx, nil
}

func (db *fakeDB) printf(format string, args ...any) {
	if db.print {
		fmt.Printf(format+"\n", args...)
	}
}

// begun returns the number of transactions db began.
func (db *fakeDB) begun() int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return len(db.txs)
}

// ends returns how each transaction ended, in order: "commit", "rollback",
// "begin failed", or "" if it has not.
func (db *fakeDB) ends() []string {
	db.mu.Lock()
	defer db.mu.Unlock()
	var ends []string
	for _, tx := range db.txs {
		ends = append(ends, tx.ended)
	}
	return ends
}

// fakeConn is a fakeDB that is a single connection, which a plan's lose
// closes for good.
type fakeConn struct{ *fakeDB }

func (c fakeConn) IsClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// fakeTx is a transaction of a fakeDB. Its Exec succeeds and prints the
// statement; the methods that no test uses panic.
type fakeTx struct {
	pgx.Tx
	db   *fakeDB
	plan plan

	ended string

	// What the context of Rollback said when Rollback was called.
	rollbackErr      error
	rollbackDeadline time.Time
}

func (tx *fakeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tx.db.printf("%s", sql)
	return pgconn.NewCommandTag("UPDATE 1"), nil
}

func (tx *fakeTx) Commit(ctx context.Context) error {
	tx.db.mu.Lock()
	defer tx.db.mu.Unlock()
	if tx.ended != "" {
		return pgx.ErrTxClosed
	}
	if tx.plan.hang {
		tx.db.mu.Unlock()
		<-ctx.Done()
		tx.db.mu.Lock()
	}
	if tx.plan.loseAt {
		tx.db.closed = true
	}
	if err := tx.plan.commit; err != nil {
		tx.ended = "commit failed"
		tx.db.printf("COMMIT: %v", err)
		return err
	}
	tx.ended = "commit"
	tx.db.printf("COMMIT")
	return nil
}

func (tx *fakeTx) Rollback(ctx context.Context) error {
	tx.db.mu.Lock()
	defer tx.db.mu.Unlock()
	if tx.ended != "" {
		return pgx.ErrTxClosed
	}
	tx.ended, tx.rollbackErr = "rollback", ctx.Err()
	tx.rollbackDeadline, _ = ctx.Deadline()
	tx.db.printf("ROLLBACK")
	return nil
}

func (tx *fakeTx) Conn() *pgx.Conn { return nil }

// pgError returns an error of the server with severity ERROR, as pgx
// returns it.
func pgError(code, msg string) *pgconn.PgError {
	return &pgconn.PgError{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: code, Message: msg}
}

var (
	errSerialization = pgError("40001", "could not serialize access due to concurrent update")
	errDeadlock      = pgError("40P01", "deadlock detected")
	errUnique        = pgError("23505", `duplicate key value violates unique constraint "users_pkey"`)
	errForeignKey    = pgError("23503", `insert or update on table "orders" violates foreign key constraint "orders_user_fkey"`)
	errTooMany       = &pgconn.PgError{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "53300", Message: "sorry, too many clients already"}
	errTerminated    = &pgconn.PgError{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"}
	errLost          = errors.New("read tcp: connection reset by peer") // after the statement was sent
	// errNotSent and errPartlySent are pgx's own errors of a write that
	// failed before its first byte, and after some.
	errNotSent    = writeError(0)
	errPartlySent = writeError(3)
	// errConnClosed is what pgx returns when the connection fails while it
	// waits for an answer: "conn closed", which pgconn.SafeToRetry calls
	// safe to retry, although the statement was sent.
	errConnClosed = &safeToRetry{fmt.Errorf("%w", pgconn.ErrConnClosed)}
)

// writeError returns the error of pgx's Frontend when it writes a message
// to a connection that fails after n bytes.
func writeError(n int) error {
	fe := pgproto3.NewFrontend(strings.NewReader(""), failingWriter(n))
	fe.Send(&pgproto3.Query{String: "commit"})
	return fe.Flush()
}

// failingWriter is a connection whose writes fail after that many bytes.
type failingWriter int

func (n failingWriter) Write(p []byte) (int, error) {
	return min(int(n), len(p)), &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
}

// safeToRetry is an error that pgconn.SafeToRetry calls safe to retry, as
// some of pgconn's own are.
type safeToRetry struct{ err error }

func (e *safeToRetry) Error() string     { return e.err.Error() }
func (e *safeToRetry) Unwrap() error     { return e.err }
func (e *safeToRetry) SafeToRetry() bool { return true }

// events flattens what rec recorded.
func events(rec *observe.Recorder) []eventtest.Event {
	return eventtest.Flatten(rec.Events(), nil, nil)
}
