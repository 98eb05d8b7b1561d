package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut syncBuffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestBadInputExitsWithOneClearLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{"no command", nil, nil, 2, ""},
		{"unknown command", []string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{"unknown flag", []string{"serve", "--nope"}, nil, 2, "flag provided but not defined"},
		{"unparsable db url", []string{"serve", "--db", "postgres://%zz"}, nil, 2, "--db"},
		{"unknown db scheme", []string{"migrate", "--db", "mysql://localhost/x"}, nil, 2, `unknown scheme "mysql"`},
		{"unknown db scheme from env", []string{"migrate"}, map[string]string{"FRONTDESK_DB": "redis://x"}, 2, `unknown scheme "redis"`},
		{"data dir is a file", []string{"serve", "--data-dir", file}, nil, 1, "--data-dir"},
		{"unreachable postgres", []string{"migrate", "--db", "postgres://u:pw-s3cr3t-value@127.0.0.1:1/x?connect_timeout=2"}, nil, 1, "connect to postgres"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tt.env, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantCode, stderr)
			}
			if tt.wantErr != "" && !strings.Contains(stderr, tt.wantErr) {
				t.Fatalf("stderr %q lacks %q", stderr, tt.wantErr)
			}
			if strings.Contains(stderr, "pw-s3cr3t-value") { // the password of the unreachable-postgres case
				t.Errorf("stderr leaks a password: %s", stderr)
			}
		})
	}
}

func TestMigrateReportsAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCmd(t, nil, "migrate", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "applied 0001_platform") || !strings.Contains(out, "migrations applied") {
		t.Fatalf("first migrate: exit %d out %q err %q", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "frontdesk.db")); err != nil {
		t.Fatalf("no database file: %v", err)
	}
	code, out, _ = runCmd(t, nil, "migrate", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: exit %d out %q", code, out)
	}
}

func TestHelpListsCommandsAndFlagsWithEnvNames(t *testing.T) {
	code, out, _ := runCmd(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "migrate") {
		t.Fatalf("help: %d %q", code, out)
	}
	code, _, stderr := runCmd(t, nil, "serve", "--help")
	if code != 0 || !strings.Contains(stderr, "FRONTDESK_<FLAG>") || !strings.Contains(stderr, "-demo") || !strings.Contains(stderr, "-smtp-url") {
		t.Fatalf("serve --help: %d %q", code, stderr)
	}
}

func TestServeRefusesAPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := runCmd(t, nil, "serve", "--data-dir", t.TempDir(), "--addr", ln.Addr().String())
	if code != 1 || !strings.Contains(stderr, "address already in use") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServe runs `serve` in the background and returns its base URL, a
// stop function (like SIGTERM) and the channel that yields the exit code.
func startServe(t *testing.T, args ...string) (string, context.CancelFunc, <-chan int, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	all := append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)
	go func() {
		done <- run(ctx, all, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			return m[1], cancel, done, &out
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d early: %s", code, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start: %s %s", out.String(), errOut.String())
	return "", nil, nil, nil
}

func TestServeDemoTwiceReusesData(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		base, stop, done, _ := startServe(t, "--demo", "--data-dir", dir)
		resp, err := http.Get(base + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("run %d: GET / = %d", i, resp.StatusCode)
		}
		stop()
		if code := <-done; code != 0 {
			t.Fatalf("run %d exit %d", i, code)
		}
	}
}

// TestShutdownDuringBurstFailsNoRequest is SIGTERM during load: every
// request the server accepted must complete with 200, and serve must exit 0.
// Connections refused after the listener closed are not failures: no
// request was accepted on them.
func TestShutdownDuringBurstFailsNoRequest(t *testing.T) {
	base, stop, done, _ := startServe(t, "--data-dir", t.TempDir())
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var ok, refused atomic.Int64
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	stopLoad := make(chan struct{})
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				resp, err := client.Get(base + "/")
				if err != nil {
					if errors.Is(err, syscall.ECONNREFUSED) {
						refused.Add(1)
						time.Sleep(5 * time.Millisecond)
						continue
					}
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					mu.Lock()
					failures = append(failures, resp.Status)
					mu.Unlock()
					continue
				}
				ok.Add(1)
			}
		}()
	}
	for ok.Load() < 200 {
		time.Sleep(10 * time.Millisecond)
	}
	stop() // what SIGTERM does through signal.NotifyContext
	code := <-done
	close(stopLoad)
	wg.Wait()
	if code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	if len(failures) > 0 {
		t.Fatalf("%d requests failed during shutdown (ok %d), first: %v", len(failures), ok.Load(), failures[0])
	}
	t.Logf("%d requests served, %d refused after the listener closed", ok.Load(), refused.Load())
}
