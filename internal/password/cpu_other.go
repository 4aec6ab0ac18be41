//go:build !linux

package password

import "time"

// threadCPU is not measured here: HashStats reports no CPU time.
func threadCPU() time.Duration { return 0 }
