//go:build !unix

package password

// mapWork allocates on the Go heap where there is no mmap.
func mapWork(n int) ([]byte, error) { return make([]byte, n), nil }

// unmapWork leaves b to the garbage collector.
func unmapWork([]byte) {}
