package breaker

// buckets is the number of buckets of the window.
const buckets = 10

// tickEvery is how many successes of a stripe, at most, pass between two
// snapshots that the success path takes: a power of two.
const tickEvery = 256

// A window counts the failures of a closed breaker in buckets of time, and
// estimates its successes from snapshots of the striped success counters,
// taken at each failure and every tickEvery successes of a stripe: the
// success path writes nothing else, and reads the clock only for those.
type window struct {
	b [buckets]bucket
	// prev is the latest snapshot older than the window, or the one taken
	// when the breaker closed, if that is later: the successes before it
	// are not in the window.
	prev snapshot
}

type bucket struct {
	idx         int64 // the bucket's number: its start is idx × width
	failures    int
	first, last snapshot // the bucket's snapshots, if any was taken
}

// A snapshot is the count of successes s at time t; ok if taken.
type snapshot struct {
	t  int64
	s  uint64
	ok bool
}

// reset empties the window, at time now with s successes counted so far.
func (w *window) reset(now int64, s uint64) {
	*w = window{prev: snapshot{t: now, s: s, ok: true}}
}

// snap takes a snapshot at time now, with s successes counted so far, in
// buckets of width, and returns the current bucket and the number of the
// window's oldest one.
func (w *window) snap(now int64, s uint64, width int64) (cur *bucket, oldest int64) {
	idx := now / width
	oldest = idx - buckets + 1
	for i := range w.b {
		bk := &w.b[i]
		if bk.idx < oldest || bk.idx > idx {
			if bk.last.ok && (bk.last.t > w.prev.t || bk.last.t == w.prev.t && bk.last.s > w.prev.s) {
				w.prev = bk.last
			}
			*bk = bucket{idx: -1}
		}
	}
	cur = &w.b[idx%buckets]
	if cur.idx != idx {
		*cur = bucket{idx: idx}
	}
	if s >= cur.last.s { // snapshots taken out of order keep the latest count
		cur.last = snapshot{t: now, s: s, ok: true}
	}
	if !cur.first.ok {
		cur.first = cur.last
	}
	return cur, oldest
}

// add counts a failure at time now, with s successes counted so far, and
// returns the failures and calls of the window that ends now: buckets whose
// width is width, this one included.
func (w *window) add(now int64, s uint64, width int64) (failures, calls int) {
	cur, oldest := w.snap(now, s, width)
	cur.failures++
	var first snapshot // the oldest snapshot in the window
	for i := range w.b {
		bk := &w.b[i]
		if bk.idx < oldest {
			continue
		}
		failures += bk.failures
		if bk.first.ok && (!first.ok || bk.first.t < first.t) {
			first = bk.first
		}
	}
	// The successes counted by the window's start: those of prev if it is
	// in the window, or interpolated between the snapshots around the
	// start, as if the successes between them were spread evenly.
	start := oldest * width
	at := float64(first.s)
	switch {
	case w.prev.t >= start:
		at = float64(w.prev.s)
	case first.t > w.prev.t && first.s >= w.prev.s:
		at = float64(w.prev.s) + float64(first.s-w.prev.s)*float64(start-w.prev.t)/float64(first.t-w.prev.t)
	}
	succ := max(float64(s)-at, 0)
	return failures, failures + int(succ+0.5)
}
