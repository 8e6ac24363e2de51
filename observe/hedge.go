package observe

import "time"

// The events of a hedged call (retry.DoHedged with retry.Hedge). A call
// sends them on its own goroutine once the round of attempts they belong
// to is over, before the event of that round's outcome (Success, Retry or
// the one that ends the call), in the order they happened. Elapsed is when
// they happened, counted from the call's start, except under a simulated
// clock (retry's test seams), where it is when they were sent. A round
// whose first attempt answered before the hedge delay sends none of them.

// HedgeStarted is sent for each hedge: an attempt started while others of
// the call were in flight, because they had not answered after the hedge
// delay, or because one of them failed in a way worth retrying. Attempt is
// the hedge's number among the call's attempts (hedges count as
// attempts), InFlight the attempts in flight with it.
type HedgeStarted struct {
	Operation string
	Attempt   int
	InFlight  int
	Elapsed   time.Duration
}

// Kind returns KindHedgeStarted.
func (HedgeStarted) Kind() Kind { return KindHedgeStarted }

func (e HedgeStarted) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed}
}

// HedgeWon is sent when an attempt succeeded in a round where hedges had
// started: Attempt is the winner's number, and Hedge reports that it was a
// hedge rather than the round's first attempt. A Success follows.
type HedgeWon struct {
	Operation string
	Attempt   int
	Hedge     bool
	Elapsed   time.Duration
}

// Kind returns KindHedgeWon.
func (HedgeWon) Kind() Kind { return KindHedgeWon }

func (e HedgeWon) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed}
}

// HedgeCancelled is sent when a round was decided, by a success, a
// Permanent failure or a panic, or ended by the caller's context or the
// call's Deadline, while other attempts were still in flight: their
// contexts were cancelled, and the call waited for each of them. Attempt
// is the number of the attempt whose outcome the round returned, Losers
// how many were cancelled.
type HedgeCancelled struct {
	Operation string
	Attempt   int
	Losers    int
	Elapsed   time.Duration
}

// Kind returns KindHedgeCancelled.
func (HedgeCancelled) Kind() Kind { return KindHedgeCancelled }

func (e HedgeCancelled) info() Info {
	return Info{Operation: e.Operation, Attempt: e.Attempt, Elapsed: e.Elapsed}
}
