package enqueuer

import "time"

func nowSec() float64 { return float64(time.Now().UnixNano()) / 1e9 }
