package main

import (
	"errors"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// byteUnits are the suffixes memory_limit accepts: GOMEMLIMIT's, so one
// value can be moved between the config file and the environment.
var byteUnits = []struct {
	suffix string
	shift  uint
}{
	{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0},
}

// parseByteSize reads a size such as "6MiB", "512KiB" or "8388608" (bytes),
// in integers only, with GOMEMLIMIT's units.
func parseByteSize(s string) (int64, error) {
	num, shift := strings.TrimSpace(s), uint(0)
	for _, u := range byteUnits {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, shift = strings.TrimSpace(rest), u.shift
			break
		}
	}
	n, err := strconv.ParseUint(num, 10, 63)
	if err != nil || num == "" {
		return 0, errors.New("want a whole number of bytes with an optional unit B, KiB, MiB, GiB or TiB, e.g. \"6MiB\"")
	}
	if n > math.MaxInt64>>shift {
		return 0, errors.New("too large")
	}
	return int64(n) << shift, nil
}

// applyMemoryLimit sets the Go runtime's soft memory limit from
// memory_limit. The GOMEMLIMIT environment variable wins when set, as it
// does for every Go program, so an init script can override the file
// without editing it. With a limit, the garbage collector works harder as
// the heap nears it instead of letting the heap double (GOGC=100), which
// keeps the resident set of a busy server small.
func applyMemoryLimit(log *slog.Logger, limit string) {
	if limit == "" {
		return
	}
	if env := os.Getenv("GOMEMLIMIT"); env != "" {
		log.Info("memory_limit ignored: GOMEMLIMIT is set", "GOMEMLIMIT", env, "memory_limit", limit)
		return
	}
	n, err := parseByteSize(limit)
	if err != nil { // validate refuses such a config; this is a safety net
		log.Error("memory_limit not applied", "value", limit, "err", err)
		return
	}
	debug.SetMemoryLimit(n)
	log.Info("memory limit set", "bytes", n)
}
