package attempts

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestLostCountsARequestReadAndNeverAnswered: a server that reads a POST
// whole and hangs up without a word loses it, and the trace says so; an
// answered request loses nothing.
func TestLostCountsARequestReadAndNeverAnswered(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, err = http.ReadRequest(bufio.NewReader(c))
			if err == nil && n == 0 {
				_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
			}
			c.Close() // the second request is read and dropped
		}
	}()
	url := "http://" + ln.Addr().String() + "/x"

	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("a=1"))
	req, tr := Request(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if lost := tr.Lost(nil); len(lost) != 0 || !tr.Last().Answered {
		t.Fatalf("answered request: lost %v, last %+v", lost, tr.Last())
	}

	req, _ = http.NewRequest(http.MethodPost, url, strings.NewReader("a=2"))
	req, tr = Request(req)
	_, err = http.DefaultClient.Do(req)
	if err == nil {
		t.Fatal("a dropped request got an answer")
	}
	lost := tr.Lost(err)
	if len(lost) != 1 || !lost[0].Wrote || lost[0].Answered || !tr.Last().Wrote {
		t.Fatalf("dropped request: lost %+v, last %+v", lost, tr.Last())
	}
}
