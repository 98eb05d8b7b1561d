package search

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestGateIsFirstComeFirstServed: with one slot taken, searches that
// queue up are let in in the order they came, and one whose request ends
// while it waits leaves the queue with its context's error.
func TestGateIsFirstComeFirstServed(t *testing.T) {
	g := make(Gate, 1)
	if err := g.Enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	order := make(chan int, 5)
	for i := 0; i < 5; i++ {
		go func() {
			if err := g.Enter(context.Background()); err != nil {
				t.Error(err)
				return
			}
			order <- i
			g.Leave()
		}()
		time.Sleep(100 * time.Millisecond) // let it queue before the next one comes
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.Enter(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("enter with an ended request = %v", err)
	}
	g.Leave()
	for want := 0; want < 5; want++ {
		select {
		case got := <-order:
			if got != want {
				t.Fatalf("search %d let in as number %d", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("queued searches never let in")
		}
	}
}
