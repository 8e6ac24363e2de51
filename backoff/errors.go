package backoff

import (
	"fmt"
	"time"
)

// checkBaseCap reports whether base and cap describe a growing delay.
func checkBaseCap(base, cap time.Duration) error {
	switch {
	case base < 0:
		return fmt.Errorf("base %v must not be negative", base)
	case cap < 0:
		return fmt.Errorf("cap %v must not be negative", cap)
	case cap < base:
		return fmt.Errorf("cap %v must not be less than base %v", cap, base)
	}
	return nil
}
