// Package observe tells what the retry loop does to the code that watches
// it: typed events, the subscribers that receive them, and ready-made
// subscribers for logging, fan-out and tests.
//
// # Events
//
// Each thing the loop does is an [Event], a plain struct: [Success],
// [Retry], and one per way a call can end in failure: [PermanentFailure],
// [MaxAttemptsExceeded], [MaxUnknownAttemptsExceeded],
// [MaxClassAttemptsExceeded], [DeadlineExceeded], [BudgetExhausted] and
// [Cancelled]; [BreakerRejected] when an open circuit breaker refused an
// attempt, and [BreakerStateChange], which a breaker (package retry/breaker)
// sends to its own subscribers when it opens, half-opens or closes; and,
// for a hedged call, [HedgeStarted], [HedgeWon] and [HedgeCancelled]. Every
// event carries the operation's name (set with retry.Name), the attempt
// number and the time elapsed since the call began; the class and error of
// the failed attempt, the delay of a wait and the cause of a cancellation
// are there on the events that have them. BreakerStateChange is the
// exception: it tells of a downstream, not of a call, and carries the
// breaker's name instead.
//
// Seen by a subscriber that takes every kind, a call with valid options
// sends a Retry before each attempt but the first, and exactly one event
// that ends it, unless the operation or a subscriber panics. An attempt is one
// call of the operation, the first included, so N retries are N+1
// attempts: a call whose third attempt succeeds sends Retry with Attempt 1,
// Retry with Attempt 2, then Success with Attempt 3. No Retry is sent after
// the last attempt.
//
// Events are values, safe to keep. Tell them apart with a type switch, and
// keep a default case, because event types may be added:
//
//	switch e := e.(type) {
//	case observe.Retry:
//		retries.Add(e.Operation, e.Class.String())
//	case observe.Success:
//		latency.Observe(e.Operation, e.Elapsed)
//	default:
//		failures.Add(e.Operation, e.Kind().String())
//	}
//
// Each event type has a [Kind], such as [KindRetry], whose String is a
// stable, low-cardinality label ("retry", "max_attempts_exceeded", …) for
// metrics and logs. A [Set] holds several kinds; [All] holds every kind.
//
// # Subscribers
//
// A [Subscriber] receives events through its Handle method; retry.Subscribe
// adds subscribers to a call or to a bundle of options. Handle is called
// synchronously, on the goroutine that called retry.Do, in the order the
// events happen, with the caller's context. One subscriber may serve many
// calls at once, so Handle must be safe for concurrent use. It has no way
// to change the call's course, and a panic in it is not recovered. The
// [Subscriber] documentation states the whole contract.
//
// [Func] adapts a function of one event type, or of [Event] for every
// event:
//
//	retries := observe.Func(func(e observe.Retry) {
//		log.Printf("%s: attempt %d failed, retrying in %v", e.Operation, e.Attempt, e.Delay)
//	})
//
// [Multi] combines several subscribers into one, in order. [Slog] logs
// events and [Recorder] keeps them.
//
// [Validate] reports a subscriber that cannot work: a nil one, a nil
// pointer or function (such as a nil *Recorder), a Func of a nil function
// or of a pointer event type, or a Multi with such a Func. retry.Subscribe
// calls it, so that such a subscriber fails the call before any attempt.
// KindsOf, Multi and Validate take any of them without panicking.
//
// # Selective subscribers and cost
//
// Building an event that nobody reads is waste, so a subscriber can say
// which kinds it takes by implementing [Selective]: its Kinds method returns
// a [Set]. The retry loop asks each subscriber once, when the call's options
// are resolved (see [KindsOf]), keeps the union, and builds no event of a
// kind outside it. A call without subscribers builds no event at all.
//
// Func is selective: Func of Retry takes only [KindRetry]. Multi takes the
// union of its members' kinds and passes each event only to the members
// that take it. A subscriber of your own that does not implement Selective
// takes every kind; if it only counts retries, add
//
//	func (c *retryCounter) Kinds() observe.Set { return observe.SetOf(observe.KindRetry) }
//
// Func and Multi allocate nothing when they hand an event on. The retry
// loop goes further for a Func of an event struct type, such as Func of
// Retry, given to retry.Subscribe alone or in a Multi: it calls the
// function with the event as it is, by value, and a call that only such
// Funcs observe allocates nothing for its events. Every other subscriber,
// a Func of Event included, receives each event boxed into an Event, one
// allocation per event, shared by all of them. To observe without
// allocating, use Func with a concrete event type.
//
// # Logging with slog
//
// [Slog] writes each event as one log/slog record, with the kind as the
// message and the event's fields as attributes:
//
//	level=INFO msg=retry op=users.get attempt=1 class=Transient err="connection reset" delay=250ms elapsed=12ms
//	level=WARN msg=max_attempts_exceeded op=users.get attempt=6 class=Transient err="connection reset" elapsed=9.4s
//
// Success is logged at Debug (which slog's default handler leaves out),
// Retry at Info, and the events that end a call in failure at Warn. The subscriber asks the logger's handler whether the
// level is enabled before it builds anything, so a disabled level costs
// next to nothing. Attributes that every record should carry belong on the
// logger, with logger.With. A nil logger means [slog.Default].
//
// # Testing your code with Recorder and testing/synctest
//
// A [Recorder] keeps the events it receives, so a test can check what its
// code did, not only what it returned: subscribe a Recorder, run the code,
// and compare [Recorder.Events] with the events you expect, or count them
// with [Recorder.Count]. Its zero value is ready to use.
//
// Inside [testing/synctest.Test], the loop's waits run on the bubble's fake
// clock: a test of a call that waits ten seconds takes no time, and the
// Delay and Elapsed of every event are exact. With a strategy that has no
// jitter, such as backoff.Constant, or with a fixed source of randomness
// (retry.Rand), the whole event stream is deterministic:
//
//	func TestGetUserRetriesResets(t *testing.T) {
//		synctest.Test(t, func(t *testing.T) {
//			var rec observe.Recorder
//			calls := 0
//			_, err := retry.Do(t.Context(), func(ctx context.Context) (User, error) {
//				if calls++; calls < 3 {
//					return User{}, classify.MarkTransient(errReset)
//				}
//				return User{Name: "ada"}, nil
//			}, retry.Name("users.get"), retry.Backoff(backoff.Constant(time.Second)), retry.Subscribe(&rec))
//			if err != nil {
//				t.Fatal(err)
//			}
//			want := []observe.Event{
//				observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second},
//				observe.Retry{Operation: "users.get", Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second, Elapsed: time.Second},
//				observe.Success{Operation: "users.get", Attempt: 3, Elapsed: 2 * time.Second},
//			}
//			if diff := cmp.Diff(want, rec.Events(), cmpopts.EquateErrors()); diff != "" {
//				t.Errorf("events (-want +got):\n%s", diff)
//			}
//		})
//	}
//
// A Recorder is safe for concurrent use, so one can watch many calls at
// once; [Recorder.Reset] empties it between cases.
package observe
