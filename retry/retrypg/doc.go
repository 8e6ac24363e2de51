// Package retrypg runs PostgreSQL transactions with pgx under retry.Do:
// when a transaction loses a race with another (a serialization failure,
// a deadlock) or its connection fails before it commits, [Run] runs it
// again, in a new transaction, within the limits of the retry loop.
//
//	err := retrypg.Run(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable},
//		func(ctx context.Context, tx pgx.Tx) error {
//			var n int
//			if err := tx.QueryRow(ctx, "SELECT count(*) FROM doctors WHERE on_call").Scan(&n); err != nil {
//				return err
//			}
//			if n < 2 {
//				return errLastOnCall
//			}
//			_, err := tx.Exec(ctx, "UPDATE doctors SET on_call = false WHERE name = $1", name)
//			return err
//		})
//
// [Do] is the same for a transaction that computes a value. Both take a
// [Beginner], a *pgxpool.Pool as a rule, and package retry's options
// through [Retry].
//
// # Attempts
//
// Each attempt begins a transaction with the caller's pgx.TxOptions,
// calls fn with it and, if fn returns nil, commits it. When fn fails, or
// panics, the attempt rolls the transaction back, with a context that is
// not the attempt's (which may be done) and that ends after a second, so
// that a pooled connection goes back to its pool clean. Every attempt
// starts afresh, with a new snapshot of the database, so fn reads what the
// transaction that won a conflict wrote.
//
// fn runs once per attempt: what it does outside tx (a message sent, a
// counter in memory) happens once per attempt too.
//
// # What is retried
//
// The retry loop classifies the error of each failed attempt with
// classify.Default, unless retry.Classifier says otherwise. An error that
// the server sends has a SQLSTATE, which classify.Default reads through the
// SQLState method of *pgconn.PgError (see classify.SQLState), with no code
// of this package's:
//
//	40001 serialization_failure, 40P01 deadlock_detected,
//	55P03 lock_not_available                               Concurrency
//	class 08, 57P01, 57P02, 57P03 (connection lost,
//	server shutting down or starting)                      Transient
//	53300 too_many_connections                             RateLimit
//	other class 53 (insufficient resources)                ServerError
//	classes 22, 23, 28, 42 (data, constraints, access)     Permanent
//
// The *pq.Error of lib/pq has the same method, so code that uses lib/pq
// through database/sql classifies its errors the same way with retry.Do.
//
// What the server cannot say, an attempt says with a classify marker:
//
//   - A BEGIN or a statement of fn that failed with an error that
//     pgconn.SafeToRetry says came before anything was sent, and an error
//     of fn after which the connection is closed, are Transient: no COMMIT
//     was sent, the server rolls back the transaction of a lost
//     connection, and the pool gives the next attempt another connection.
//   - On a single connection (*pgx.Conn, *pgxpool.Conn) that is closed, no
//     transaction can begin again: the failure is Permanent, and the
//     call's error says that the connection is closed.
//   - An error of fn after fn committed or rolled back tx itself, which it
//     must not do, is Permanent: the transaction may have been committed.
//
// An error of fn that carries a marker of its own, such as
// classify.MarkPermanent(errLastOnCall), keeps its class, and so does any
// error of fn that the classifier knows.
//
// # Commits
//
// A failed COMMIT is retried only when the transaction was surely not
// committed:
//
//   - The server refused it with an error of severity ERROR: a
//     serialization failure found at commit, a deferred constraint. The
//     transaction was rolled back, and the error is classified by its
//     SQLSTATE, like any other.
//   - The server answered ROLLBACK, because fn went on after an error
//     (pgx.ErrTxCommitRollback): Unknown, so retried once by default.
//   - The COMMIT cannot have been sent: before Commit was called, the
//     connection was closed (fn ignored the error that closed it) or busy
//     (fn left a query open), or the attempt's context was done; or pgx's
//     write of the COMMIT failed before its first byte. Transient.
//
// Any other failure leaves the outcome unknown: the connection lost or
// reset while the client waits for the answer, an answer cut short, a
// FATAL error, the context ending meanwhile. The server may have committed
// the transaction, and no client can tell; not even a COMMIT that was
// lost on its way to the server can be told from one whose answer was
// lost. Running it again could apply it twice: a transfer made twice, an
// order placed twice. So that failure is Permanent, and the call's error
// matches [ErrCommitUnknown] and wraps pgx's: find out from the data
// whether the transaction happened. pgconn.SafeToRetry is no proof here:
// pgx v5 reports a connection lost while it waits for the COMMIT's answer
// as "conn closed" (pgconn.ErrConnClosed), which it calls safe to retry.
//
// A transaction that is safe to apply twice can say so with [Idempotent],
// and a commit whose outcome is unknown is then retried, as Transient.
// Otherwise the call ends with it, also when retry.AttemptTimeout cut the
// commit off (the loop keeps an error's own Permanent over its timeout),
// and no later attempt of the call begins a transaction, even if a
// classifier of the caller's calls the error retryable: such an attempt
// fails at once with the same error.
//
// # Budgets
//
// A call uses no retry budget unless Retry gives it one. Most retries of
// transactions are conflicts, which PostgreSQL's documentation asks
// clients to retry; they cost the server a few statements, and a budget
// that refused them in a burst of contention would turn the contention
// into errors. What protects a server that is down is the pool: retries
// through a pool never hold more connections than its MaxConns, nor open
// them faster. Where many clients share one server, give its calls one
// budget, in the bundle that states how they retry:
//
//	var ordersDB = retrypg.Retry(retry.NewBudget(0.1, 10), retry.Name("orders.tx"))
//
// # Events and errors
//
// Events carry the name "pg.tx", unless retry.Name sets another. The error
// of a failed BEGIN or COMMIT says which, as in "retrypg: commit: ERROR:
// could not serialize access … (SQLSTATE 40001)"; fn's errors come as fn
// returned them. errors.As finds the *pgconn.PgError of the last attempt in
// the *retry.Error that Run and Do return when they give up.
package retrypg
