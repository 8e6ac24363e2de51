package sim

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"
)

// CSVHeader names the columns of WriteCSV, in order.
var CSVHeader = []string{
	"scenario", "policy", "requests", "calls",
	"amplification", "extra_load", "steady_amplification", "peak_amplification",
	"success_rate", "goodput_rps", "p50_ms", "p99_ms", "p999_ms", "recovery_s", "wasted_share",
	"breaker_rejected", "downstream_load_during_outage",
}

// WriteCSV writes results as CSV, with a header row. Numbers have fixed
// decimals, so that equal results give equal bytes. extra_load is the
// amplification less one (Result.ExtraLoad): the attempts sent over the
// requests offered, less one. recovery_s is the time
// to recover to 95% goodput (Result.Recovery): from the end of the trigger
// to the first window of RecoveryWindow, sliding by Bin, whose goodput
// reaches RecoveredShare of the goodput before the trigger; it is empty for
// a scenario without a trigger and "never" when no window within the
// arrival window reached it; steady_amplification and peak_amplification are
// empty for a scenario whose clients each make one request (Once), and
// wasted_share for a downstream that is not a Server. breaker_rejected is
// the attempts that a circuit breaker refused, empty for a policy without
// one; downstream_load_during_outage is the calls that reached the
// downstream during its trigger (an outage, a drop in capacity) per
// request offered during it (Result.OutageLoad), empty for a scenario
// without a trigger.
func WriteCSV(w io.Writer, results []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range results {
		cw.Write(row(r))
	}
	cw.Flush()
	return cw.Error()
}

// row returns the fields of r's row of the CSV.
func row(r Result) []string {
	return []string{
		r.Scenario.Name, r.Policy, strconv.Itoa(r.Requests), strconv.Itoa(r.Calls),
		f(r.Amplification, 3), f(r.ExtraLoad(), 3), steady(r, 3), peak(r, 3),
		f(r.SuccessRate, 4), f(r.Goodput, 1), ms(r.P50), ms(r.P99), ms(r.P999), recovery(r, ""), wasted(r, 3),
		rejected(r), outageLoad(r, 3),
	}
}

// WriteTable writes results as a table for people, one block per scenario.
func WriteTable(w io.Writer, results []Result) error {
	for i := 0; i < len(results); {
		sc := results[i].Scenario
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %s\n", sc.Name, sc.Doc)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "policy\tcalls/request\textra load\tsteady\tpeak/s\tsuccess\tgoodput/s\tp50\tp99\tp99.9\trecovery\twasted\trejected\toutage load\t")
		for ; i < len(results) && results[i].Scenario.Name == sc.Name; i++ {
			r := results[i]
			fmt.Fprintf(tw, "%s\t%s\t%s%%\t%s\t%s\t%s%%\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
				r.Policy, f(r.Amplification, 2), f(100*r.ExtraLoad(), 1), orDash(steady(r, 2)), orDash(peak(r, 2)),
				f(100*r.SuccessRate, 2), f(r.Goodput, 1), duration(r.P50), duration(r.P99), duration(r.P999),
				orDash(recovery(r, "s")), orDash(wasted(r, -1)), orDash(rejected(r)), orDash(outageLoad(r, 2)))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func f(x float64, decimals int) string { return strconv.FormatFloat(x, 'f', decimals, 64) }

func ms(d time.Duration) string { return f(float64(d)/float64(time.Millisecond), 1) }

// steady and peak format the amplifications over time, which a scenario
// whose clients each make one request does not have.
func steady(r Result, decimals int) string {
	if r.Scenario.Once {
		return ""
	}
	return f(r.Steady, decimals)
}

func peak(r Result, decimals int) string {
	if r.Scenario.Once {
		return ""
	}
	return f(r.Peak, decimals)
}

// recovery formats r.Recovery in seconds, followed by unit: empty without
// a trigger, "never" if the downstream did not recover.
func recovery(r Result, unit string) string {
	switch {
	case r.Scenario.Model.trigger().Empty():
		return ""
	case !r.Recovered():
		return "never"
	}
	return f(r.Recovery.Seconds(), 1) + unit
}

// wasted formats the share of a server's work that was wasted, with
// decimals, or as a percentage if decimals is negative; empty for another
// downstream.
func wasted(r Result, decimals int) string {
	switch _, ok := r.Scenario.Model.(Server); {
	case !ok:
		return ""
	case decimals < 0:
		return f(100*r.Wasted, 1) + "%"
	}
	return f(r.Wasted, decimals)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// duration rounds d for a table: to the millisecond below 10s, to the tenth
// of a second above.
func duration(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
