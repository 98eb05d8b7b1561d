// Command keepalive drives a running Frontdesk with keep-alive clients
// (GETs of the home page and a search, POSTs of the login form) and
// classifies every request, for bench/sigterm-burst.sh:
//
//	go run ./bench/keepalive -url http://127.0.0.1:18090 -c 50 -d 5s
//
// Every try of a request is traced, so net/http's silent retry of a GET on
// a new connection cannot hide a reset: "lost" counts tries that were
// written and never answered (the client saw EOF or a reset), split by
// whether the connection was reused. "refused" (the listener was closed)
// and "unsent" (the connection closed before the request was written)
// never reached the server.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/frontdesk/frontdesk/platform/attempts"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:18090", "server base URL")
	clients := flag.Int("c", 50, "concurrent keep-alive clients")
	dur := flag.Duration("d", 5*time.Second, "how long to drive")
	flag.Parse()

	tr := &http.Transport{MaxIdleConnsPerHost: *clients, IdleConnTimeout: time.Minute}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		sent, refused, unsent, lostReused, lostFresh, other atomic.Int64
		mu                                                  sync.Mutex
		status                                              = map[int]int{}
		examples                                            []string
	)
	stop := time.Now().Add(*dur)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; time.Now().Before(stop); n++ {
				var req *http.Request
				switch n % 3 {
				case 0:
					req, _ = http.NewRequest(http.MethodGet, *base+"/", nil)
				case 1:
					req, _ = http.NewRequest(http.MethodGet, *base+"/kb/search?q=password", nil)
				default:
					req, _ = http.NewRequest(http.MethodPost, *base+"/login", strings.NewReader("email=x%40example.test&password=nope"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				req, tr := attempts.Request(req)
				sent.Add(1)
				resp, err := hc.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mu.Lock()
					status[resp.StatusCode]++
					mu.Unlock()
				}
				for _, t := range tr.Lost(err) {
					if t.Reused {
						lostReused.Add(1)
					} else {
						lostFresh.Add(1)
					}
					mu.Lock()
					if len(examples) < 5 {
						examples = append(examples, fmt.Sprintf("%s %s reused=%v: %v", req.Method, req.URL.Path, t.Reused, err))
					}
					mu.Unlock()
				}
				switch {
				case err == nil:
				case errors.Is(err, syscall.ECONNREFUSED):
					refused.Add(1)
					time.Sleep(10 * time.Millisecond)
				case !tr.Last().Wrote:
					unsent.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	codes := make([]int, 0, len(status))
	answered := 0
	for c, n := range status {
		codes = append(codes, c)
		answered += n
	}
	sort.Ints(codes)
	fmt.Printf("requests: %d in %v (%d clients, keep-alive)\n", sent.Load(), elapsed.Round(time.Millisecond), *clients)
	for _, c := range codes {
		fmt.Printf("  status %d: %d\n", c, status[c])
	}
	fmt.Printf("answered: %d (%.0f/s)\n", answered, float64(answered)/elapsed.Seconds())
	fmt.Printf("never sent: %d refused (listener closed), %d closed before the request was written\n", refused.Load(), unsent.Load())
	fmt.Printf("LOST (sent, never answered): %d on reused connections, %d on new connections\n", lostReused.Load(), lostFresh.Load())
	for _, e := range examples {
		fmt.Println("  e.g.", e)
	}
	if lostReused.Load()+lostFresh.Load() > 0 {
		os.Exit(1)
	}
}
