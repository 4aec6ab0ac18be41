//go:build unix && !linux

package password

import "syscall"

// mapWork maps n bytes of anonymous memory outside the Go heap. The kernel
// gives it zeroed and page-aligned; argon2 does not need it zeroed.
func mapWork(n int) ([]byte, error) {
	return syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
}

// unmapWork gives b's pages back to the kernel at once.
func unmapWork(b []byte) { _ = syscall.Munmap(b) }
