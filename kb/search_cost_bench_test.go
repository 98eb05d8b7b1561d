package kb_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/kb/search"
)

// BenchmarkSearchQueryCost runs every query of the bench/kb-search.sh
// rotation against a large import with the result cache off, one query
// after another, and prints the 20 most expensive ones with their CPU time
// (the process's, so other processes on the machine do not count) and
// allocations per search: at 64 connections on 2 cores a search's
// latency is about 32 times its CPU cost, so the tail of that run is made
// of these queries.
//
//	FRONTDESK_BENCH_DATA_DIR=<work>/data FRONTDESK_BENCH_QUERIES=<work>/queries.txt \
//	  go test ./kb -run '^$' -bench SearchQueryCost -cpu 1 -benchtime 20x
//
// -benchtime Nx runs each query N times. It needs a kept bench directory
// (KEEP=1 bench/kb-search.sh) that no serve process holds; it is skipped
// without one.
func BenchmarkSearchQueryCost(b *testing.B) {
	ix, queries := openBenchIndex(b)
	ctx := context.Background()
	type cost struct {
		q      string
		ns     float64
		allocs float64
		bytes  float64
	}
	var costs []cost
	var total time.Duration
	var ms0, ms1 runtime.MemStats
	b.ResetTimer()
	for _, q := range queries {
		sq := search.Query{Text: q, Limit: 10}
		if _, err := ix.Search(ctx, sq); err != nil { // warm
			b.Fatal(err)
		}
		runtime.ReadMemStats(&ms0)
		start := cpuTime(b)
		for i := 0; i < b.N; i++ {
			if _, err := ix.Search(ctx, sq); err != nil {
				b.Fatal(err)
			}
		}
		d := cpuTime(b) - start
		runtime.ReadMemStats(&ms1)
		total += d
		n := float64(b.N)
		costs = append(costs, cost{q, float64(d.Nanoseconds()) / n, float64(ms1.Mallocs-ms0.Mallocs) / n,
			float64(ms1.TotalAlloc-ms0.TotalAlloc) / n})
	}
	b.StopTimer()
	sort.Slice(costs, func(i, j int) bool { return costs[i].ns > costs[j].ns })
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n%d queries, mean %.0f µs of CPU per search\nslowest 20:\n", len(costs),
		float64(total.Microseconds())/float64(len(costs)*b.N))
	for _, c := range costs[:min(20, len(costs))] {
		fmt.Fprintf(&sb, "  %8.0f µs  %6.0f allocs  %8.0f B  %q\n", c.ns/1000, c.allocs, c.bytes, c.q)
	}
	b.Log(sb.String())
	b.ReportMetric(float64(total.Nanoseconds())/float64(len(costs)*b.N), "ns/search")
	b.ReportMetric(costs[0].ns, "ns/slowest")
}

// BenchmarkSearchRotation runs the same queries the way bench/kb-search.sh
// sends them: one after another in rotation, b.N rounds, and reports the
// CPU per search. Rotating, each search finds the postings and texts of
// the one before it out of the CPU caches, as the server's searches do; a
// search costs about twice what BenchmarkSearchQueryCost, which repeats
// each query, reports (and about what a CPU profile of the server shows).
//
//	FRONTDESK_BENCH_DATA_DIR=<work>/data FRONTDESK_BENCH_QUERIES=<work>/queries.txt \
//	  go test ./kb -run '^$' -bench SearchRotation -cpu 1 -benchtime 10x -count 5
//
// The machine's speed varies from process to process; compare changes
// within one process, or over several.
func BenchmarkSearchRotation(b *testing.B) {
	ix, queries := openBenchIndex(b)
	ctx := context.Background()
	b.ResetTimer()
	start := cpuTime(b)
	for i := 0; i < b.N; i++ {
		for _, q := range queries {
			if _, err := ix.Search(ctx, search.Query{Text: q, Limit: 10}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((cpuTime(b)-start).Nanoseconds())/float64(b.N*len(queries)), "cpu-ns/search")
}

// benchIndex is the kept bench directory's index with its mirror loaded,
// opened once per process (-count runs share it).
var benchIndex struct {
	ix      *search.Index
	queries []string
}

// openBenchIndex opens the index of a kept bench/kb-search.sh directory
// (FRONTDESK_BENCH_DATA_DIR) with the result cache off, loads its mirror,
// and reads the queries (FRONTDESK_BENCH_QUERIES); it skips without them.
func openBenchIndex(b *testing.B) (*search.Index, []string) {
	dir, qfile := os.Getenv("FRONTDESK_BENCH_DATA_DIR"), os.Getenv("FRONTDESK_BENCH_QUERIES")
	if dir == "" || qfile == "" {
		b.Skip("FRONTDESK_BENCH_DATA_DIR and FRONTDESK_BENCH_QUERIES name a kept bench/kb-search.sh directory")
	}
	if benchIndex.ix != nil {
		return benchIndex.ix, benchIndex.queries
	}
	queries := readLines(b, qfile)
	ctx := context.Background()
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: dir, BaseURL: "http://frontdesk.test", LogLevel: "error", LogFormat: "text",
		Command: true} // the database only: the index is opened below
	if err := cfg.Normalize(); err != nil {
		b.Fatal(err)
	}
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	ix, err := kb.OpenIndex(filepath.Join(dir, "kb-index"), nil, 10*time.Second, 0)
	if err != nil {
		b.Fatal(err)
	}
	src := kb.NewSource(a.DB)
	if err := ix.LoadMemory(func(put func(search.Doc) error) error { return src.AllDocs(ctx, put) }); err != nil {
		ix.Close()
		b.Fatal(err)
	}
	benchIndex.ix, benchIndex.queries = ix, queries
	return ix, queries
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func readLines(b *testing.B, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			out = append(out, sc.Text())
		}
	}
	return out
}
