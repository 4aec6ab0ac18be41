package password

import "testing"

// BenchmarkHashHugePages compares work buffers with and without
// transparent huge pages.
func BenchmarkHashHugePages(b *testing.B) {
	for _, huge := range []bool{false, true} {
		name := "4KiB"
		if huge {
			name = "THP"
		}
		b.Run(name, func(b *testing.B) {
			saved := useHugePages
			useHugePages = huge
			work.release()
			defer func() { useHugePages = saved; work.release() }()
			for b.Loop() {
				if _, err := Hash("bench-Passw0rd!x7"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
