package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// An outcome is what the flaky server does with one request.
type outcome int

const (
	outcomeOK          outcome = iota // 200 with the item as JSON
	outcomeUnavailable                // 503, sometimes with Retry-After
	outcomeRateLimited                // 429 with Retry-After
	outcomeDropped                    // the connection closes in the middle of the headers
	outcomeSlow                       // the answer comes after the client gave up
	outcomeNotFound                   // 404
	outcomeHTML                       // 200 with an HTML page instead of JSON
	numOutcomes
)

// outcomes describes each outcome: its label and its chance, in percent.
var outcomes = [numOutcomes]struct {
	label   string
	percent int
}{
	outcomeOK:          {"200 OK", 52},
	outcomeUnavailable: {"503 Service Unavailable", 14},
	outcomeRateLimited: {"429 Too Many Requests", 12},
	outcomeDropped:     {"dropped connection", 8},
	outcomeSlow:        {"too slow", 7},
	outcomeNotFound:    {"404 Not Found", 4},
	outcomeHTML:        {"200 with HTML, not JSON", 3},
}

// flakyServer serves GET /items/{id} on the loopback interface, answering
// each request by a random draw that depends only on the seed, the item and
// how many requests for that item came before. So a seed gives the same
// outcomes on every run, whatever the interleaving of concurrent calls.
type flakyServer struct {
	seed    uint64
	slowFor time.Duration
	addr    string // host:port
	srv     *http.Server
	served  chan error // Serve's error, once it returns

	mu     sync.Mutex
	seen   map[int]uint64 // requests so far, per item
	counts [numOutcomes]int
}

// startServer starts a flaky server on 127.0.0.1, on a port the system
// picks. Close stops it.
func startServer(seed uint64, slowFor time.Duration) (*flakyServer, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	s := &flakyServer{
		seed:    seed,
		slowFor: slowFor,
		addr:    lis.Addr().String(),
		served:  make(chan error, 1),
		seen:    make(map[int]uint64),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", s.serveItem)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { s.served <- s.srv.Serve(lis) }()
	return s, nil
}

// URL returns the server's base URL, such as "http://127.0.0.1:41234".
func (s *flakyServer) URL() string {
	return "http://" + s.addr
}

// Close stops the server and waits until it has. The handlers of slow
// responses have ended by then: each stops when its client goes away.
func (s *flakyServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close() // a handler is stuck: cut it off
	}
	if serveErr := <-s.served; !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", serveErr)
	}
	if err != nil {
		return fmt.Errorf("stop server: %w", err)
	}
	return nil
}

// Counts returns how many requests the server answered with each outcome.
func (s *flakyServer) Counts() [numOutcomes]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// draw returns the outcome of the next request for item id, and the random
// source that decides its details.
func (s *flakyServer) draw(id int) (outcome, *rand.Rand) {
	s.mu.Lock()
	n := s.seen[id]
	s.seen[id] = n + 1
	s.mu.Unlock()

	r := rand.New(rand.NewPCG(s.seed, uint64(id)<<20|n))
	o, p := outcome(0), r.IntN(100)
	for ; p >= outcomes[o].percent; o++ {
		p -= outcomes[o].percent
	}

	s.mu.Lock()
	s.counts[o]++
	s.mu.Unlock()
	return o, r
}

func (s *flakyServer) serveItem(w http.ResponseWriter, req *http.Request) {
	id, err := strconv.Atoi(req.PathValue("id"))
	if err != nil || id < 0 {
		http.Error(w, "bad item id", http.StatusBadRequest)
		return
	}
	o, r := s.draw(id)
	switch o {
	case outcomeOK:
		writeItem(w, id)
	case outcomeUnavailable:
		if r.IntN(4) == 0 {
			w.Header().Set("Retry-After", "1")
		}
		http.Error(w, "busy", http.StatusServiceUnavailable)
	case outcomeRateLimited:
		w.Header().Set("Retry-After", retryAfterValue(r))
		http.Error(w, "slow down", http.StatusTooManyRequests)
	case outcomeDropped:
		drop(w)
	case outcomeSlow:
		t := time.NewTimer(s.slowFor)
		defer t.Stop()
		select {
		case <-req.Context().Done(): // the client gave up: so do we
		case <-t.C:
			writeItem(w, id)
		}
	case outcomeNotFound:
		http.NotFound(w, req)
	case outcomeHTML:
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Service temporarily rerouted</body></html>\n")
	}
}

// retryAfterValue returns a Retry-After header as servers send them: mostly
// delta-seconds, sometimes an HTTP-date, now and then garbage.
func retryAfterValue(r *rand.Rand) string {
	switch p := r.IntN(10); {
	case p < 6:
		return "1"
	case p < 8:
		return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
	case p < 9:
		return "soon"
	default:
		return "-1"
	}
}

// writeItem answers with item id as JSON.
func writeItem(w http.ResponseWriter, id int) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(Item{ID: id, Name: "widget-" + strconv.Itoa(id), Stock: id * 7 % 50})
}

// drop writes the start of a response and closes the connection, as a
// server that crashes or a proxy that times out does.
func drop(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: appl")
	buf.Flush()
	conn.Close()
}
