package retrypg

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// A Beginner begins transactions: *pgxpool.Pool, *pgxpool.Conn and
// *pgx.Conn are Beginners. Use a pool: it gives every attempt a healthy
// connection, while a single connection that is lost cannot begin another
// transaction, and the call stops when that happens.
type Beginner interface {
	BeginTx(ctx context.Context, txOptions pgx.TxOptions) (pgx.Tx, error)
}

// Run runs fn in a transaction that db begins with txOptions, and commits
// it. When the attempt fails with an error worth retrying, it runs fn
// again in a new transaction, within the limits of the retry loop: see the
// package documentation for what is retried and how.
//
// fn gets the attempt's context, to pass to every statement it runs, and
// the attempt's transaction. It runs once per attempt, so all it does must
// happen through tx or be safe to repeat. It must not commit or roll back
// tx: Run commits it when fn returns nil, and rolls it back when fn
// returns an error or panics (a panic is not recovered).
//
// Run returns nil once a commit succeeds. Otherwise it returns the
// *retry.Error that says why the loop gave up, with the last attempt's
// error in it, or, before any attempt, an error matching
// retry.ErrInvalidOption for an invalid option or a nil db or fn.
func Run(ctx context.Context, db Beginner, txOptions pgx.TxOptions, fn func(ctx context.Context, tx pgx.Tx) error, opts ...Option) error {
	if fn == nil {
		return optionError("Run", "fn is nil")
	}
	return run(ctx, "Run", db, txOptions, fn, opts)
}

// Do is Run for a transaction that computes a value: it returns the value
// that fn returned in the attempt whose commit succeeded, or the zero value
// of T and the error Run would return.
func Do[T any](ctx context.Context, db Beginner, txOptions pgx.TxOptions, fn func(ctx context.Context, tx pgx.Tx) (T, error), opts ...Option) (T, error) {
	var v T
	if fn == nil {
		return v, optionError("Do", "fn is nil")
	}
	err := run(ctx, "Do", db, txOptions, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		v, err = fn(ctx, tx)
		return err
	}, opts)
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// run is Run and Do, with fn not nil. It is not generic, so that one copy
// serves every result type.
func run(ctx context.Context, caller string, db Beginner, txOptions pgx.TxOptions, fn func(context.Context, pgx.Tx) error, opts []Option) error {
	if db == nil {
		return optionError(caller, "db is nil")
	}
	var cfg config
	retryOpts, err := cfg.resolve(opts)
	if err != nil {
		return err
	}
	c := &call{db: db, txOptions: txOptions, fn: fn, idempotent: cfg.idempotent}
	return retry.Run(ctx, c.attempt, retryOpts...)
}

// rollbackTimeout bounds the rollback of a failed attempt, which does not
// use the attempt's context: that may be done, and be why the attempt
// failed. A rollback that does not finish in time closes the connection,
// which ends the transaction just as well.
const rollbackTimeout = time.Second

// call is the state of one call of Run or Do.
type call struct {
	db         Beginner
	txOptions  pgx.TxOptions
	fn         func(context.Context, pgx.Tx) error
	idempotent bool

	// unknown is the error of a commit whose outcome is unknown, of a
	// transaction that is not idempotent: no attempt after it begins a
	// transaction, whatever the loop makes of it (see commitFailed).
	unknown error
}

// attempt is the operation that the retry loop calls: one transaction.
func (c *call) attempt(ctx context.Context) error {
	if c.unknown != nil {
		return c.unknown
	}
	tx, err := c.db.BeginTx(ctx, c.txOptions)
	if err != nil {
		return c.beginFailed(err)
	}
	ended := false
	defer func() {
		if !ended { // fn panicked
			_ = rollback(ctx, tx)
		}
	}()
	if err := c.fn(ctx, tx); err != nil {
		lost := connLost(tx) // before the rollback hands a pool's connection back
		ended = true
		endedByFn := errors.Is(rollback(ctx, tx), pgx.ErrTxClosed)
		return c.fnFailed(err, lost, endedByFn)
	}
	ended = true
	unsent := commitCannotStart(ctx, tx)
	if err := tx.Commit(ctx); err != nil {
		return c.commitFailed(err, unsent)
	}
	return nil
}

// rollback rolls back tx, an attempt's transaction, with a context that is
// not done, and returns the error of Rollback. A rollback that fails
// closes the connection, and the server rolls back the transaction of a
// connection that closes; pgx.ErrTxClosed says that fn ended tx itself.
func rollback(ctx context.Context, tx pgx.Tx) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	return tx.Rollback(ctx)
}

// beginFailed returns the error of an attempt whose BEGIN failed, err.
func (c *call) beginFailed(err error) error {
	switch {
	case c.dbClosed():
		return connClosed("begin", err)
	case pgconn.SafeToRetry(err):
		return classify.MarkTransient(&stageError{stage: "begin", err: err})
	}
	return &stageError{stage: "begin", err: err}
}

// fnFailed returns the error of an attempt whose fn failed with err. lost
// reports whether the transaction's connection closed, endedByFn whether
// fn committed or rolled back the transaction itself.
func (c *call) fnFailed(err error, lost, endedByFn bool) error {
	if c.dbClosed() {
		return connClosed("", err)
	}
	if endedByFn {
		// fn may have committed, against Run's rules, and then failed:
		// another attempt could apply the transaction twice.
		return classify.MarkPermanent(err)
	}
	if _, ok := errors.AsType[classify.Classed](err); ok {
		return err // fn's own word
	}
	if _, ok := errors.AsType[*pgconn.PgError](err); ok {
		return err // the server's word: its SQLSTATE
	}
	if lost || pgconn.SafeToRetry(err) {
		// No COMMIT was sent, and the server rolls back the transaction
		// of a lost connection: a new one may succeed.
		return classify.MarkTransient(err)
	}
	return err
}

// commitCannotStart reports whether pgx's Commit of tx is sure to fail
// before it writes a byte of the COMMIT: pgx checks the attempt's context,
// and that the connection is neither closed nor busy, before it sends it.
func commitCannotStart(ctx context.Context, tx pgx.Tx) bool {
	if ctx.Err() != nil {
		return true
	}
	conn := tx.Conn()
	return conn != nil && (conn.IsClosed() || conn.PgConn().IsBusy())
}

// commitFailed returns the error of an attempt whose COMMIT failed with
// err. unsent reports that the COMMIT could not have been sent (see
// commitCannotStart).
//
// Once the COMMIT may have reached the server, only the server's answer
// says that the transaction was not committed. pgconn.SafeToRetry is no
// proof: pgx v5 reports an error read while it waits for the answer as
// "conn closed", which it calls safe to retry.
func (c *call) commitFailed(err error, unsent bool) error {
	e := &stageError{stage: "commit", err: err}
	switch {
	case rejected(err):
		return e // the server refused to commit: its SQLSTATE says why
	case errors.Is(err, pgx.ErrTxCommitRollback):
		return e // fn went on after an error; nothing was committed
	case errors.Is(err, pgx.ErrTxClosed):
		return classify.MarkPermanent(e) // fn ended the transaction itself
	case unsent || wroteNothing(err):
		if c.dbClosed() {
			return connClosed("commit", err)
		}
		return classify.MarkTransient(e)
	}
	u := &commitUnknownError{err: err}
	if c.idempotent {
		return classify.MarkTransient(u)
	}
	// No further attempt of this call begins a transaction, whatever the
	// loop makes of u: a classifier of the caller's may call it retryable.
	c.unknown = u
	return u
}

// wroteNothing reports whether err is pgx's error of a write that failed
// before a byte of it reached the connection. pgx marks a failed write
// safe to retry when it wrote nothing (pgproto3's writeError), and that is
// the only error it marks so that wraps the *net.OpError of a write; the
// error of a read after the COMMIT is "conn closed", pgconn.ErrConnClosed.
func wroteNothing(err error) bool {
	if !pgconn.SafeToRetry(err) || errors.Is(err, pgconn.ErrConnClosed) {
		return false
	}
	op, ok := errors.AsType[*net.OpError](err)
	return ok && op.Op == "write"
}

// rejected reports whether err holds the server's refusal of a COMMIT: an
// error of severity ERROR, after which the transaction is rolled back and
// the connection still usable. (A FATAL one ends the connection, maybe
// after the commit.)
func rejected(err error) bool {
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	if !ok {
		return false
	}
	severity := pgErr.SeverityUnlocalized
	if severity == "" { // servers older than 9.6
		severity = pgErr.Severity
	}
	return severity == "ERROR"
}

// connLost reports whether tx's connection is closed.
func connLost(tx pgx.Tx) bool {
	conn := tx.Conn()
	return conn != nil && conn.IsClosed()
}

// dbClosed reports whether db is a single connection, and closed: no
// further transaction can begin on it.
func (c *call) dbClosed() bool {
	switch db := c.db.(type) {
	case interface{ IsClosed() bool }: // *pgx.Conn
		return db.IsClosed()
	case interface{ Conn() *pgx.Conn }: // *pgxpool.Conn
		conn := db.Conn()
		return conn != nil && conn.IsClosed()
	}
	return false
}
