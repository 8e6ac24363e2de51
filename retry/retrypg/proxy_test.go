package retrypg_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// pgProxy is a TCP proxy on loopback between pgx and a PostgreSQL server
// that reads the framing of the protocol's messages in both directions,
// so that a test can cut a connection at a message of its choice, or at a
// byte of one. Its rule decides, message by message, what reaches the
// other side.
type pgProxy struct {
	ln     net.Listener
	target string
	rule   rule

	mu    sync.Mutex
	conns map[net.Conn]bool
	next  int // the number of the next connection, from 0
	wg    sync.WaitGroup
}

// A rule says what the proxy does with msg, a whole message that went
// from, the client or the server, in the connection whose state is st. It
// forwards the first forward bytes of msg (len(msg): all of it) and then,
// if cut, closes the connection on both sides. The proxy calls the rules
// of one connection one at a time.
type rule func(st *connState, from side, msg []byte) (forward int, cut bool)

type side int

const (
	fromClient side = iota
	fromServer
)

func (s side) String() string { return [...]string{"client", "server"}[s] }

// connState is a proxied connection, as its rule sees it.
type connState struct {
	id    int      // 0 for the first connection
	bytes [2]int64 // bytes that each side sent, before the message
	msgs  [2]int   // messages that each side sent, before the message
	// reset makes a cut close the client's side with a reset (RST),
	// instead of an orderly close (FIN).
	reset bool
	// replyBudget, when not negative, is the number of bytes of the
	// server's next messages that reach the client before the proxy cuts
	// the connection: a rule that forwards the COMMIT sets it.
	replyBudget int
	// hold keeps the server's messages from the client, from now on,
	// without cutting the connection.
	hold bool

	mu           sync.Mutex // serializes the rule, and guards the fields above
	clientConn   net.Conn
	serverConn   net.Conn
	closeOnce    sync.Once
	expectSingle bool // the server answers an SSLRequest with a single byte
}

// newProxy starts a proxy to the server at target, host:port, that
// follows r, and stops it when the test ends.
func newProxy(t testing.TB, target string, r rule) *pgProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: target, rule: r, conns: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

// config returns a copy of cfg that connects through p.
func (p *pgProxy) config(cfg *pgx.ConnConfig) *pgx.ConnConfig {
	cfg = cfg.Copy()
	addr := p.ln.Addr().(*net.TCPAddr)
	cfg.Host, cfg.Port = addr.IP.String(), uint16(addr.Port)
	cfg.Fallbacks = nil
	return cfg
}

// targetOf returns the host:port of the server of cfg.
func targetOf(cfg *pgx.ConnConfig) string {
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// close stops p: it closes its listener and every connection, and waits
// for all its goroutines.
func (p *pgProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// track adds c to the connections that close closes, or closes it if p is
// closed already. It reports whether c is tracked.
func (p *pgProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *pgProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *pgProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

func (p *pgProxy) serve(c net.Conn) {
	defer p.untrack(c)
	if !p.track(c) {
		return
	}
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	defer p.untrack(s)
	if !p.track(s) {
		c.Close()
		return
	}
	p.mu.Lock()
	st := &connState{id: p.next, replyBudget: -1, clientConn: c, serverConn: s}
	p.next++
	p.mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() { p.pump(st, fromClient, c, s) })
	p.pump(st, fromServer, s, c)
	wg.Wait()
}

// pump forwards the messages that from sends on src to dst, as p's rule
// says, until either side closes or the rule cuts the connection.
func (p *pgProxy) pump(st *connState, from side, src, dst net.Conn) {
	defer st.cut()
	first := from == fromClient // the client's first message has no type byte
	for {
		msg, err := readMessage(src, first, from == fromServer && st.single())
		if err != nil {
			return
		}
		if first && len(msg) >= 8 {
			switch binary.BigEndian.Uint32(msg[4:8]) {
			case 80877103, 80877104: // SSLRequest, GSSENCRequest: another untyped message follows
				st.mu.Lock()
				st.expectSingle = true
				st.mu.Unlock()
			default:
				first = false
			}
		}
		st.mu.Lock()
		n, cut := len(msg), false
		if p.rule != nil {
			n, cut = p.rule(st, from, msg)
		}
		if from == fromServer && st.hold {
			n = 0
		}
		if from == fromServer && st.replyBudget >= 0 {
			n, cut = min(n, st.replyBudget), cut || st.replyBudget <= len(msg)
			st.replyBudget -= n
		}
		st.bytes[from] += int64(len(msg))
		st.msgs[from]++
		st.mu.Unlock()
		if n > 0 {
			if _, err := dst.Write(msg[:max(0, min(n, len(msg)))]); err != nil {
				return
			}
		}
		if cut {
			return
		}
	}
}

// single reports whether the server's next message is the single byte
// that answers an SSLRequest, and takes note that it is read.
func (st *connState) single() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.expectSingle
	st.expectSingle = false
	return s
}

// cut closes both sides of st, the client's with a reset if st.reset.
func (st *connState) cut() {
	st.closeOnce.Do(func() {
		st.mu.Lock()
		reset := st.reset
		st.mu.Unlock()
		if tc, ok := st.clientConn.(*net.TCPConn); ok && reset {
			tc.SetLinger(0)
		}
		st.clientConn.Close()
		st.serverConn.Close()
	})
}

// readMessage reads one message from r: a type byte and a length, unless
// untyped, then the body; or a single byte, if single.
func readMessage(r io.Reader, untyped, single bool) ([]byte, error) {
	if single {
		b := make([]byte, 1)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	head := 5
	if untyped {
		head = 4
	}
	msg := make([]byte, head, 64)
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(msg[head-4:]))
	if n < 4 || n > 1<<26 {
		return nil, fmt.Errorf("proxy: message length %d", n)
	}
	msg = append(msg, make([]byte, n-4)...)
	_, err := io.ReadFull(r, msg[head:])
	return msg, err
}

// query returns the text of msg if it is a simple query ('Q') of the
// client's, or the query that it prepares if it is a Parse ('P'), and
// reports whether it is either.
func query(msg []byte) (string, bool) {
	if len(msg) < 6 {
		return "", false
	}
	body := msg[5:]
	switch msg[0] {
	case 'Q':
	case 'P':
		_, rest, ok := cutNUL(body) // after the statement's name
		if !ok {
			return "", false
		}
		body = rest
	default:
		return "", false
	}
	q, _, ok := cutNUL(body)
	return string(q), ok
}

func cutNUL(b []byte) (before, after []byte, ok bool) {
	for i, c := range b {
		if c == 0 {
			return b[:i], b[i+1:], true
		}
	}
	return nil, nil, false
}
