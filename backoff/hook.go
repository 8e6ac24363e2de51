package backoff

import "github.com/reflexio-go/reflexio/internal/backoffhook"

func init() {
	backoffhook.IgnoresRandom = ignoresRandom
}

// ignoresRandom reports whether s is one of this package's strategies whose
// delays are the same for every Input.Random: the retry loop then draws
// none for it (see internal/backoffhook). Only the cases listed are: any
// other strategy, a user's in particular, may read Random, and gets a draw.
// A strategy added here must never read in.Random, nor its decorators'.
func ignoresRandom(s any) bool {
	switch s := s.(type) {
	case constant, exponential:
		return true
	case capped:
		return ignoresRandom(s.s)
	case floored:
		return ignoresRandom(s.s)
	}
	return false
}
