package main

import (
	"fmt"
	"net"
)

// upLine is what serve prints once it listens on a: where the pages, the
// API and its document are. Its first word after "dispatchd is up at " is
// the base URL, which the tests and the benchmarks read.
func upLine(a net.Addr) string {
	base := baseURL(a)
	return fmt.Sprintf("dispatchd is up at %s (pages: %s/screen, %s/lead, %s/depot; API under %s/api/v1, docs at %s/api/v1/openapi.json)",
		base, base, base, base, base, base)
}
