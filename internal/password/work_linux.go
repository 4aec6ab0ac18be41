package password

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the platforms Linux
// runs Gatehouse on.
const hugePage = 2 << 20

// useHugePages asks for transparent huge pages on the work buffers (tests
// turn it off to compare).
var useHugePages = true

// mapWork maps n bytes (rounded up to whole huge pages) of anonymous
// memory outside the Go heap, aligned to a huge page, and asks the kernel
// to back it with transparent huge pages where it allows them: argon2
// reads its memory at data-dependent places, so with 4 KiB pages most
// block reads of a 19 MiB buffer also miss the TLB. The kernel gives the
// memory zeroed; argon2 does not need it zeroed. MmapPtr and MunmapPtr
// are used because syscall.Munmap only unmaps whole syscall.Mmap mappings.
func mapWork(n int) ([]byte, error) {
	size, slack := uintptr(n), uintptr(0)
	if useHugePages {
		size = (size + hugePage - 1) &^ (hugePage - 1)
		slack = hugePage
	}
	p, err := unix.MmapPtr(-1, 0, nil, size+slack, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, err
	}
	if slack > 0 {
		// Keep the aligned part; give the slack before and after back.
		head := -uintptr(p) & (hugePage - 1)
		if head > 0 {
			_ = unix.MunmapPtr(p, head)
		}
		if tail := slack - head; tail > 0 {
			_ = unix.MunmapPtr(unsafe.Add(p, head+size), tail)
		}
		p = unsafe.Add(p, head)
	}
	b := unsafe.Slice((*byte)(p), size)
	if slack > 0 {
		// Advice only: without THP the buffer keeps 4 KiB pages.
		_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
	}
	return b[:n], nil
}

// unmapWork gives b's pages back to the kernel at once.
func unmapWork(b []byte) {
	_ = unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(cap(b)))
}
