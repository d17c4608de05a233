package main

import (
	"time"

	"github.com/tinysmbd/tinysmbd/server"
)

// limitKeys are the [server] keys of server.Config's limits and timeouts
// (docs/configuration.md). Each is a pointer so that an absent key leaves the
// server's default; in the file, 0 (or "0s") means "none" where the docs
// say so, which server.Config spells as a negative value.
type limitKeys struct {
	MaxConnections            *int      `toml:"max_connections"`
	MaxConnectionsPerClient   *int      `toml:"max_connections_per_client"`
	MaxPendingLogons          *int      `toml:"max_pending_logons"`
	MaxPendingLogonsPerClient *int      `toml:"max_pending_logons_per_client"`
	MaxSessionsPerConnection  *int      `toml:"max_sessions_per_connection"`
	MaxTreesPerConnection     *int      `toml:"max_trees_per_connection"`
	MaxOpenFilesPerSession    *int      `toml:"max_open_files_per_session"`
	MaxSearchesPerSession     *int      `toml:"max_searches_per_session"`
	MaxPendingTransactions    *int      `toml:"max_pending_transactions"`
	MaxTransactionSize        *int      `toml:"max_transaction_size"`
	MaxMpxCount               *int      `toml:"max_mpx_count"`
	HandshakeTimeout          *duration `toml:"handshake_timeout"`
	IdleTimeout               *duration `toml:"idle_timeout"`
	WriteTimeout              *duration `toml:"write_timeout"`
	RestrictAnonymous         bool      `toml:"restrict_anonymous"`
	LogonFailureDelay         *duration `toml:"logon_failure_delay"`
	LogonFailureLimit         *int      `toml:"logon_failure_limit"`
	LogonFailureWindow        *duration `toml:"logon_failure_window"`
}

// duration is a TOML string such as "10s" or "15m" (time.ParseDuration).
type duration time.Duration

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = duration(v)
	return err
}

// intKey describes one integer key: where it lives, its name, its range,
// and whether 0 means "no limit".
type intKey struct {
	v        *int
	name     string
	min, max int
	zeroNone bool
	dst      *int
}

func (k *limitKeys) ints(cfg *server.Config) []intKey {
	const big = 1 << 30
	return []intKey{
		{k.MaxConnections, "max_connections", 0, big, true, &cfg.MaxConnections},
		{k.MaxConnectionsPerClient, "max_connections_per_client", 0, big, true, &cfg.MaxConnectionsPerClient},
		{k.MaxPendingLogons, "max_pending_logons", 0, big, true, &cfg.MaxPendingLogons},
		{k.MaxPendingLogonsPerClient, "max_pending_logons_per_client", 0, big, true, &cfg.MaxPendingLogonsPerClient},
		{k.MaxSessionsPerConnection, "max_sessions_per_connection", 1, 0xFFFE, false, &cfg.MaxSessionsPerConnection},
		{k.MaxTreesPerConnection, "max_trees_per_connection", 1, 0xFFFE, false, &cfg.MaxTreesPerConnection},
		{k.MaxOpenFilesPerSession, "max_open_files_per_session", 1, 0xFFFF, false, &cfg.MaxOpenFilesPerSession},
		{k.MaxSearchesPerSession, "max_searches_per_session", 1, 0xFFFE, false, &cfg.MaxSearchesPerSession},
		{k.MaxPendingTransactions, "max_pending_transactions", 1, 0xFFFF, false, &cfg.MaxPendingTransactions},
		{k.MaxTransactionSize, "max_transaction_size", 1024, big, false, &cfg.MaxTransactionSize},
		{k.MaxMpxCount, "max_mpx_count", 1, 0xFFFF, false, &cfg.MaxMpxCount},
		{k.LogonFailureLimit, "logon_failure_limit", 0, big, true, &cfg.LogonFailureLimit},
	}
}

// durKey is one duration key; for all of them "0s" means "none", except
// logon_failure_window, which must be positive.
type durKey struct {
	v      *duration
	name   string
	dst    *time.Duration
	noneOK bool
}

func (k *limitKeys) durs(cfg *server.Config) []durKey {
	return []durKey{
		{k.HandshakeTimeout, "handshake_timeout", &cfg.HandshakeTimeout, true},
		{k.IdleTimeout, "idle_timeout", &cfg.IdleTimeout, true},
		{k.WriteTimeout, "write_timeout", &cfg.WriteTimeout, true},
		{k.LogonFailureDelay, "logon_failure_delay", &cfg.LogonFailureDelay, true},
		{k.LogonFailureWindow, "logon_failure_window", &cfg.LogonFailureWindow, false},
	}
}

// validate reports every key out of its range through bad.
func (k *limitKeys) validate(bad func(format string, a ...any)) {
	var cfg server.Config
	for _, f := range k.ints(&cfg) {
		if f.v != nil && (*f.v < f.min || *f.v > f.max) {
			bad("server.%s %d: must be between %d and %d", f.name, *f.v, f.min, f.max)
		}
	}
	for _, f := range k.durs(&cfg) {
		switch {
		case f.v == nil:
		case *f.v < 0:
			bad("server.%s %v: must not be negative", f.name, time.Duration(*f.v))
		case *f.v == 0 && !f.noneOK:
			bad("server.%s: must be positive", f.name)
		}
	}
}

// changed appends to keys the names of the keys k and l set differently.
func (k *limitKeys) changed(l *limitKeys, keys []string) []string {
	var cfg server.Config
	lints, ldurs := l.ints(&cfg), l.durs(&cfg)
	for i, f := range k.ints(&cfg) {
		if !sameValue(f.v, lints[i].v) {
			keys = append(keys, f.name)
		}
	}
	for i, f := range k.durs(&cfg) {
		if !sameValue(f.v, ldurs[i].v) {
			keys = append(keys, f.name)
		}
	}
	if k.RestrictAnonymous != l.RestrictAnonymous {
		keys = append(keys, "restrict_anonymous")
	}
	return keys
}

// apply copies the keys present into cfg; absent ones keep the server's
// defaults.
func (k *limitKeys) apply(cfg *server.Config) {
	for _, f := range k.ints(cfg) {
		switch {
		case f.v == nil:
		case *f.v == 0 && f.zeroNone:
			*f.dst = -1
		default:
			*f.dst = *f.v
		}
	}
	for _, f := range k.durs(cfg) {
		switch {
		case f.v == nil:
		case *f.v == 0:
			*f.dst = -1
		default:
			*f.dst = time.Duration(*f.v)
		}
	}
	cfg.RestrictAnonymous = k.RestrictAnonymous
}
