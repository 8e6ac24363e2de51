package retryhttp_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// delayProxy is a TCP proxy on loopback between a client and a server. It
// holds back, for a while, each chunk of a response that carries the
// header "X-Delay: 1", which the server sets on the responses it chooses
// to be slow; and it counts the connections that are open through it.
type delayProxy struct {
	ln    net.Listener
	delay time.Duration
	live  atomic.Int32
	wg    sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]bool // every connection open through it, both sides
}

func newDelayProxy(t *testing.T, target string, delay time.Duration) *delayProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &delayProxy{ln: ln, delay: delay, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.live.Add(1)
			p.mu.Lock()
			p.conns[c], p.conns[s] = true, true
			p.mu.Unlock()
			p.wg.Add(1)
			go p.pipe(c, s)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for c := range p.conns { // a connection that a leaked body holds
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// pipe copies between client c and server s until either side closes,
// then closes both.
func (p *delayProxy) pipe(c, s net.Conn) {
	defer p.wg.Done()
	defer p.live.Add(-1)
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			c.Close()
			s.Close()
			p.mu.Lock()
			delete(p.conns, c)
			delete(p.conns, s)
			p.mu.Unlock()
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(s, c)
		closeBoth()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			if bytes.Contains(buf[:n], []byte("X-Delay: 1")) {
				time.Sleep(p.delay)
			}
			if _, werr := c.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	closeBoth()
	<-done
}

// waitNoLive fails the test unless no connection is open through the
// proxy within a few seconds.
func (p *delayProxy) waitNoLive(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); p.live.Load() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("%d connections open through the proxy once the client dropped its idle ones; want none", p.live.Load())
			return
		}
	}
}

// payload returns the body of n bytes that the requests of
// TestHedgebreakRealServerThroughADelayingProxy send: every attempt must
// carry it whole, byte for byte.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// TestHedgebreakRealServerThroughADelayingProxy hedges many requests at
// once, GETs, PUTs with a body, POSTs with and without an Idempotency-Key,
// to a real server on loopback through a TCP proxy that holds back a
// share of the responses, so that hedges start and race; the server also
// answers a share with a 503, long or slow to come, and a share of the
// calls' attempts all at once, so that losers have responses in hand; and
// a result classifier rejects a share of the responses, unread, which a
// later success supersedes. Whatever wins: every
// response body the Transport got is closed, no connection is left open
// at the proxy or the server once the client drops its idle ones, no
// goroutine is left, every body the server read whole is the request's,
// byte for byte, and a POST without a key reaches the server once.
func TestHedgebreakRealServerThroughADelayingProxy(t *testing.T) {
	checkLeaks(t)
	var (
		mu        sync.Mutex
		seen      = map[string]int{} // requests per call
		badBodies []string
		together  = map[string]chan struct{}{} // closed when a call's second request comes
	)
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		call := r.Header.Get("X-Call")
		b, err := io.ReadAll(r.Body)
		mu.Lock()
		seen[call]++
		if together[call] == nil {
			together[call] = make(chan struct{})
		}
		both := together[call]
		if seen[call] == 2 {
			close(both)
		}
		if want, _ := strconv.Atoi(r.Header.Get("X-Len")); err == nil && !bytes.Equal(b, payload(want)) {
			badBodies = append(badBodies, fmt.Sprintf("%s: %d bytes, want %d", call, len(b), want))
		}
		mu.Unlock()
		if err != nil {
			return // cancelled as it was read
		}
		switch {
		case r.Header.Get("X-Together") != "":
			// Every attempt answers once the second has come (or after a
			// while): the losers have their responses in hand as the
			// winner wins.
			select {
			case <-both:
			case <-time.After(200 * time.Millisecond):
			}
			io.WriteString(w, "ok "+call)
		case n%11 == 3: // a 503 longer than a failed response is read
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write(bytes.Repeat([]byte("x"), 100<<10))
		case n%11 == 7: // a 503 whose body comes late
			w.Header().Set("X-Delay", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.(http.Flusher).Flush()
			time.Sleep(30 * time.Millisecond)
			io.WriteString(w, "busy")
		case n%13 == 4: // rejected by the result classifier, its body unread
			w.Header().Set("X-Reject", "1")
			io.WriteString(w, "not yet "+call)
		case n%3 == 1: // slow: the proxy holds it back
			w.Header().Set("X-Delay", "1")
			io.WriteString(w, "ok "+call)
		default:
			io.WriteString(w, "ok "+call)
		}
	})
	proxy := newDelayProxy(t, srv.Listener.Addr().String(), 60*time.Millisecond)
	url := "http://" + proxy.ln.Addr().String() + "/"
	rt, counter := newHedgeTransport(t, retryhttp.Hedge(10*time.Millisecond, 3), retryhttp.Retry(retry.MaxAttempts(12), // about a quarter of the requests fail: 12 failures in one call are unlikely (some 1e-7)
		retry.ClassifyResult(func(resp *http.Response) (classify.Class, bool) {
			return classify.Transient, resp.Header.Get("X-Reject") != ""
		})))

	const workers, calls = 6, 12
	var wg sync.WaitGroup
	errs := make(chan string, workers*calls)
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				call := fmt.Sprintf("%d-%d", w, i)
				method, key, size := http.MethodGet, "", 0
				switch i % 4 {
				case 1:
					method, size = http.MethodPut, 20<<10
				case 2:
					method, size = http.MethodPost, 3<<10
				case 3:
					method, key, size = http.MethodPost, "k-"+call, 1<<10
				}
				req, err := http.NewRequest(method, url, bytes.NewReader(payload(size)))
				if err != nil {
					errs <- err.Error()
					return
				}
				req.Header.Set("X-Call", call)
				req.Header.Set("X-Len", strconv.Itoa(size))
				if key != "" {
					req.Header.Set("Idempotency-Key", key)
				}
				if i%8 == 0 {
					req.Header.Set("X-Together", "1")
				}
				code, body, err := send(rt, req)
				switch {
				case method == http.MethodPost && key == "" && err == nil && (code == http.StatusServiceUnavailable || body == "not yet "+call):
					// not retried: not idempotent
				case err != nil || code != http.StatusOK || body != "ok "+call:
					errs <- fmt.Sprintf("%s %s: %d %.20q, %v; want 200 %q", method, call, code, body, err, "ok "+call)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	mu.Lock()
	for _, b := range badBodies {
		t.Errorf("the server read a body that is not the request's: %s", b)
	}
	hedged := 0
	for call, n := range seen {
		if i, _ := strconv.Atoi(call[strings.IndexByte(call, '-')+1:]); i%4 == 2 && n != 1 {
			t.Errorf("POST %s without an Idempotency-Key reached the server %d times; want once", call, n)
		}
		if n > 1 {
			hedged++
		}
	}
	mu.Unlock()
	if hedged == 0 {
		t.Errorf("no call reached the server more than once; want hedges")
	}
	checkBodies(t, rt, counter, srv)
	proxy.waitNoLive(t)
}
