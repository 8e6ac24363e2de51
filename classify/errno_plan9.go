package classify

// brokenConnErrnos is empty: Plan 9 reports system errors as strings, not
// numbers that errors.Is can match.
var brokenConnErrnos [0]error
