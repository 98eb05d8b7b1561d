package app

import (
	"net"
	"os"
	"syscall"
)

// acceptQueued takes the connections queued on a TCP listener without
// waiting (accept4 on the non-blocking socket until EAGAIN).
func acceptQueued(ln net.Listener) []net.Conn {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return nil
	}
	rc, err := tl.SyscallConn()
	if err != nil {
		return nil
	}
	var out []net.Conn
	_ = rc.Control(func(fd uintptr) {
		for len(out) < 4096 {
			nfd, _, err := syscall.Accept4(int(fd), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return
			}
			f := os.NewFile(uintptr(nfd), "queued")
			c, err := net.FileConn(f) // dups the descriptor
			f.Close()
			if err == nil {
				out = append(out, c)
			}
		}
	})
	return out
}
