package retrypg_test

import (
	"context"
	"errors"
	"flag"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/reflexio-go/reflexio/retry/retrypg"
)

var (
	soakN    = flag.Int("soak", 500, "transactions that TestSoak runs through a proxy that cuts connections at random")
	soakSeed = flag.Uint64("soak.seed", 0, "seed of TestSoak's cuts; 0: a random one")
)

// randomCuts returns a rule that cuts a share of the connections, each at a
// point that rng picks when the connection opens: a byte offset in what
// the client or the server sends, or the boundary before or after one of
// their messages. It counts the cuts it makes.
func randomCuts(rng *rand.Rand, share float64, cuts *atomic.Int64) rule {
	var mu sync.Mutex // guards rng, which the rules of all connections share
	type plan struct {
		cut    bool
		from   side
		offset int64 // bytes of from's before the cut, if msg < 0
		msg    int   // the message of from's at which the cut comes, if not negative
		after  bool  // the cut comes after that message, not before it
	}
	plans := map[*connState]*plan{}
	return func(st *connState, from side, msg []byte) (int, bool) {
		mu.Lock()
		p, ok := plans[st]
		if !ok {
			p = &plan{cut: rng.Float64() < share, from: side(rng.IntN(2)), msg: -1}
			if rng.IntN(2) == 0 {
				p.offset = rng.Int64N(2000)
			} else {
				p.msg, p.after = rng.IntN(40), rng.IntN(2) == 0
			}
			st.reset = rng.IntN(2) == 0
			plans[st] = p
		}
		mu.Unlock()
		if !p.cut || from != p.from {
			return len(msg), false
		}
		switch {
		case p.msg >= 0 && st.msgs[from] == p.msg:
			cuts.Add(1)
			if p.after {
				return len(msg), true
			}
			return 0, true
		case p.msg < 0 && st.bytes[from]+int64(len(msg)) > p.offset:
			cuts.Add(1)
			return int(p.offset - st.bytes[from]), true
		}
		return len(msg), false
	}
}

// TestSoak runs non-idempotent transactions, each inserting one row of
// its own key, through a pool whose connections a proxy cuts at random
// points, and then counts the rows of each key: none is ever there twice;
// a call that succeeded left exactly one row, a call that failed for a
// reason other than ErrCommitUnknown none. -soak=10000 runs the long soak.
func TestSoak(t *testing.T) {
	url := serverURL(t)
	seed := *soakSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("-soak=%d -soak.seed=%d", *soakN, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	cfg, admin := server(t, url)
	exec(t, admin, "CREATE TABLE soak (k int NOT NULL)") // no unique key: duplicates show
	var cuts atomic.Int64
	p := newProxy(t, targetOf(cfg), randomCuts(rng, 0.8, &cuts))
	pcfg, err := pgxpool.ParseConfig("")
	if err != nil {
		t.Fatal(err)
	}
	pcfg.ConnConfig = p.config(cfg)
	pcfg.MaxConns = 8
	pcfg.MaxConnLifetime = 50 * time.Millisecond // new connections, some of which are cut
	pcfg.MaxConnLifetimeJitter = 50 * time.Millisecond
	pool, err := pgxpool.NewWithConfig(t.Context(), pcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	const (
		ok = iota
		unknown
		failed
	)
	outcomes := make([]int, *soakN)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failures sync.Map // error text: count, of the calls that failed otherwise
	for range 8 {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(outcomes) {
					return
				}
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				err := retrypg.Run(ctx, pool, pgx.TxOptions{}, func(ctx context.Context, tx pgx.Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO soak (k) VALUES ($1)", k)
					return err
				}, noWaits)
				cancel()
				switch {
				case err == nil:
					outcomes[k] = ok
				case errors.Is(err, retrypg.ErrCommitUnknown):
					outcomes[k] = unknown
				default:
					outcomes[k] = failed
					n, _ := failures.LoadOrStore(err.Error(), new(atomic.Int64))
					n.(*atomic.Int64).Add(1)
				}
			}
		})
	}
	wg.Wait()

	rows := map[int]int{}
	res, err := admin.Query(t.Context(), "SELECT k, count(*) FROM soak GROUP BY k")
	if err != nil {
		t.Fatal(err)
	}
	for res.Next() {
		var k, n int
		if err := res.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		rows[k] = n
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}

	var count [3]int
	var duplicates, unknownPresent, unknownAbsent int
	for k, o := range outcomes {
		count[o]++
		n := rows[k]
		if n > 1 {
			duplicates++
			t.Errorf("key %d: %d rows; want at most 1 (outcome %d)", k, n, o)
		}
		switch {
		case o == ok && n != 1:
			t.Errorf("key %d: Run succeeded, %d rows; want 1", k, n)
		case o == failed && n != 0:
			t.Errorf("key %d: Run failed without ErrCommitUnknown, %d rows; want 0", k, n)
		case o == unknown && n == 1:
			unknownPresent++
		case o == unknown:
			unknownAbsent++
		}
	}
	p.mu.Lock()
	conns := p.next
	p.mu.Unlock()
	t.Logf("%d transactions, %d connections, %d cut: %d succeeded, %d commit-unknown (%d committed, %d not), %d failed otherwise; %d keys with duplicate rows",
		len(outcomes), conns, cuts.Load(), count[ok], count[unknown], unknownPresent, unknownAbsent, count[failed], duplicates)
	failures.Range(func(k, v any) bool {
		t.Logf("failed %d times: %s", v.(*atomic.Int64).Load(), k)
		return true
	})
}
