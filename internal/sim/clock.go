package sim

import (
	"context"
	"time"

	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/retry"
)

// Now returns the virtual time as a wall-clock time. With Sleep it makes the
// Scheduler a hook.Clock, which retry.Do reads its start, deadline and
// elapsed times from.
func (s *Scheduler) Now() time.Time { return epoch.Add(s.now) }

// Sleep parks the running process for d of virtual time and reports whether
// it waited the whole of d with ctx not done. Only a process may call it.
//
// The run's context is the only one that ends, and it ends only when Stop
// wakes every parked process; Sleep does not watch other contexts, which
// would take a goroutine outside the scheduler's control.
func (s *Scheduler) Sleep(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	w := s.newWait()
	s.After(d, func() { w.fire(wokeTimer) })
	return w.park() == wokeTimer && ctx.Err() == nil
}

var _ hook.Clock = (*Scheduler)(nil)

// Option returns the retry.Option that runs a call of retry.Do on the
// Scheduler's virtual clock: its start, deadline and waits.
func (s *Scheduler) Option() retry.Option { return hook.WithClock(s).(retry.Option) }
