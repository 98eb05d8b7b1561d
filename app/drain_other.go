//go:build !linux

package app

import "net"

// acceptQueued is Linux-only; elsewhere the drain relies on the accept
// window alone.
func acceptQueued(net.Listener) []net.Conn { return nil }
