package retryhttp

import (
	"errors"
	"net/url"
	"strings"
)

// Redact returns err with the secrets of URLs cut out of its text: the
// user info, query and fragment of every absolute URL in it, and of the
// URL of every *url.Error in its tree, wherever the text shows them:
// whole, as "?query", "#fragment", "user:password@" or "user@", or alone
// (the password, query or fragment, if four bytes or longer; shorter ones
// would cut words of the text). What is left of a URL is its scheme, host
// and path.
//
// Every error that an http.Client returns is a *url.Error, whose text
// holds the request's whole URL but its password, so log Redact(err)
// rather than err when URLs may carry secrets, even when err is wrapped
// in errors of your own. The errors that Transport.RoundTrip and Do
// return, and their events, are redacted already; an http.Client's
// *url.Error around them is not.
//
// Redact returns nil for nil, err itself if there is nothing to cut out,
// a new *url.Error if err is one, and otherwise an error of its own.
// errors.Is and errors.As see through it to what they saw before, but for
// one thing: errors.As finds a *url.Error redacted as well.
func Redact(err error) error {
	if err == nil {
		return nil
	}
	if ue, ok := err.(*url.Error); ok {
		known, _ := urlsIn(err, nil)
		return redactURLError(ue, known)
	}
	return redact("", err, nil)
}

// redact returns err, with prefix before its text, redacted: with the
// secrets of known, of the URLs of the *url.Errors in its tree and of
// every absolute URL cut out of its text. It returns err itself if prefix
// is empty and there is nothing to cut out.
func redact(prefix string, err error, known []*url.URL) error {
	known, found := urlsIn(err, known)
	text := redactText(err.Error(), known)
	if prefix == "" && !found && text == err.Error() {
		return err
	}
	return &redactedError{text: prefix + text, err: err, known: known}
}

// redactedError is err with text, its own text redacted, and maybe a
// prefix: the method and host of the request it comes from.
type redactedError struct {
	text  string
	err   error
	known []*url.URL // whose secrets text holds none of
}

func (e *redactedError) Error() string { return e.text }

func (e *redactedError) Unwrap() error { return e.err }

// As makes errors.As find the first *url.Error of e's tree redacted too,
// rather than the one in the tree, which holds the URL. Other targets
// find what they would find without e.
func (e *redactedError) As(target any) bool {
	p, ok := target.(**url.Error)
	if !ok {
		return false
	}
	ue, ok := errors.AsType[*url.Error](e.err)
	if !ok {
		return false
	}
	*p = redactURLError(ue, e.known)
	return true
}

// redactURLError returns a copy of ue with its URL cut down to its scheme,
// host and path, and its Err redacted.
func redactURLError(ue *url.Error, known []*url.URL) *url.Error {
	r := &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	if ue.Err == nil {
		return r
	}
	inner := redact("", ue.Err, known)
	if re, ok := inner.(*redactedError); ok {
		if _, ok := ue.Err.(interface{ Timeout() bool }); ok {
			// url.Error asks its Err whether it is a timeout.
			inner = &redactedNetError{re}
		}
	}
	r.Err = inner
	return r
}

// redactedNetError is a redactedError whose error says whether it is a
// timeout, as a *url.Error's Err may: the *url.Error made of it says the
// same as the one it replaces.
type redactedNetError struct{ *redactedError }

func (e *redactedNetError) Timeout() bool {
	t, ok := e.err.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

func (e *redactedNetError) Temporary() bool {
	t, ok := e.err.(interface{ Temporary() bool })
	return ok && t.Temporary()
}

// urlsIn returns known with the URLs of the *url.Errors in err's tree
// that have secrets added, if they parse and known lacks them, and whether
// it found any.
func urlsIn(err error, known []*url.URL) ([]*url.URL, bool) {
	found := false
	walk(err, func(err error) {
		ue, ok := err.(*url.Error)
		if !ok {
			return
		}
		u, perr := url.Parse(ue.URL)
		if perr != nil || !hasSecrets(u) {
			return
		}
		found = true
		for _, k := range known {
			if k.String() == u.String() {
				return
			}
		}
		known = append(known, u)
	})
	return known, found
}

// walk calls f for each error in err's tree.
func walk(err error, f func(error)) {
	for err != nil {
		f(err)
		switch e := err.(type) {
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, err := range e.Unwrap() {
				walk(err, f)
			}
			return
		default:
			return
		}
	}
}

// hasSecrets reports whether u has user info, a query or a fragment.
func hasSecrets(u *url.URL) bool {
	return u != nil && (u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "")
}

// redactURL returns s, a URL, without its user info, query or fragment.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "[unparsable URL]"
	}
	// An opaque URL ("scheme:opaque") may hold anything: only its scheme
	// is kept.
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return r.String()
}

// redactedMark stands where a secret was cut out of a text on its own,
// not as part of a URL.
const redactedMark = "[redacted]"

// minSecret is the length from which a password, a query or a fragment is
// cut out of a text where it stands alone: shorter ones would cut words.
const minSecret = 4

// redactText returns s with every absolute URL cut down to its scheme,
// host and path, and the secrets of known cut out wherever they show.
func redactText(s string, known []*url.URL) string {
	s = redactAbsoluteURLs(s)
	for _, u := range known {
		var pieces []string // cut out of s, in order, longest first
		var alone []string  // replaced by redacted
		if u.User != nil {
			name := u.User.Username()
			pieces = append(pieces, u.User.String()+"@", url.User(name).String()+"@", name+":***@", name+":xxxxx@")
			if pw, ok := u.User.Password(); ok {
				pieces = append(pieces, name+":"+pw+"@")
				alone = append(alone, pw, url.QueryEscape(pw))
			}
			pieces = append(pieces, name+"@")
		}
		if u.RawQuery != "" {
			pieces = append(pieces, "?"+u.RawQuery)
			alone = append(alone, u.RawQuery)
			if q, err := url.QueryUnescape(u.RawQuery); err == nil {
				alone = append(alone, q)
			}
		}
		if u.Fragment != "" {
			pieces = append(pieces, "#"+u.EscapedFragment(), "#"+u.Fragment)
			alone = append(alone, u.EscapedFragment(), u.Fragment)
		}
		for _, p := range pieces {
			if len(p) > 1 {
				s = strings.ReplaceAll(s, p, "")
			}
		}
		for _, p := range alone {
			if len(p) >= minSecret && p != redactedMark {
				s = strings.ReplaceAll(s, p, redactedMark)
			}
		}
	}
	return s
}

// redactAbsoluteURLs returns s with every absolute URL in it, scheme://…
// up to a space, a quote or an angle bracket, cut down to its scheme, host
// and path.
func redactAbsoluteURLs(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		start := i
		for start > 0 && isSchemeChar(s[start-1]) {
			start--
		}
		for start < i && !isLetter(s[start]) { // a scheme starts with a letter
			start++
		}
		end := i + len("://")
		for end < len(s) && !isURLEnd(s[end]) {
			end++
		}
		for end > i+len("://") && strings.IndexByte(".,;:!", s[end-1]) >= 0 {
			end-- // punctuation after the URL, most likely
		}
		if start == i { // no scheme: not a URL
			b.WriteString(s[:end])
		} else {
			b.WriteString(s[:start])
			b.WriteString(redactURL(s[start:end]))
		}
		s = s[end:]
	}
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isSchemeChar(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}

func isURLEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '`', '<', '>':
		return true
	}
	return false
}
