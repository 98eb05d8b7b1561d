package tickets

// SetInboxCache turns the rendered-rows cache of the inbox on or off
// (benchmarks of the uncached path).
func SetInboxCache(s *Service, on bool) {
	s.inbox.mu.Lock()
	s.inbox.off = !on
	s.inbox.mu.Unlock()
	s.inbox.forget()
}
