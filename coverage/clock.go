package coverage

import "time"

// timeNow is the clock of Sync's callers in this package.
var timeNow = time.Now
