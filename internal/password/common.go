package password

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed common.txt
var commonText string

// common is the set of common passwords, lower-cased, built on first use.
var common = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 1100)
	for line := range strings.Lines(commonText) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = struct{}{}
	}
	return set
})

// IsCommon reports whether password (case-insensitively) is on the embedded
// list of the most common breached passwords.
func IsCommon(password string) bool {
	_, ok := common()[strings.ToLower(password)]
	return ok
}
