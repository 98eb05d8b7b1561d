package inbound

// SetStreamThresholds changes the sizes above which a message takes the
// streaming path and a part is cut from it (tests force 0 to run every
// fixture through it); the returned func restores them.
func SetStreamThresholds(message, part int64) (restore func()) {
	m, p := streamMessageMin, streamPartMin
	streamMessageMin, streamPartMin = message, part
	return func() { streamMessageMin, streamPartMin = m, p }
}
