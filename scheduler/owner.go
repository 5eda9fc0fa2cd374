package scheduler

import (
	"crypto/rand"
	"fmt"
	"os"
	"sync"
)

// ProcessName names this process in the leases it takes (jobs, outgoing
// messages, long connections): host/pid/random, the same for the life of
// the process. Host and pid are for the people reading the leases; the
// random part is what makes the name unique, because host and pid are not:
// two containers on hosts of the same name both run Tandem as pid 1, and a
// name they shared would let each renew, and so steal, the other's claims.
var ProcessName = sync.OnceValue(func() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])
})
