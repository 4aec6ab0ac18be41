// Command gbench is Gatehouse's side-by-side benchmark harness.
//
//	gbench run [flags]          start each server pinned to core 0, load it
//	                            from this process (pin it to core 1), print
//	                            and write the Markdown results table
//	gbench stub -addr A -dir D  plain net/http stub serving pre-encoded
//	                            discovery and JWKS bytes (the ceiling row)
//	gbench hydra-login [flags]  tiny login/consent app for Ory Hydra
//
// bench/run.sh builds it and runs `taskset -c 1 gbench run`. It uses only
// the standard library, golang.org/x/crypto/argon2 (Hydra's login app) and
// Gatehouse's internal/password (to time Gatehouse's own password check as
// the sign-in hash reference), and it only ever talks to 127.0.0.1.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = cmdRun(os.Args[2:])
	case "stub":
		err = cmdStub(os.Args[2:])
	case "hydra-login":
		err = cmdHydraLogin(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gbench run|stub|hydra-login [flags]")
	os.Exit(2)
}
