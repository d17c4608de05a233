package main

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

// loadLimits parses, validates and converts a config whose [server] table
// holds keys, with one in-memory share.
func loadLimits(t *testing.T, keys string) (server.Config, error) {
	t.Helper()
	fc, err := parseConfig([]byte("[server]\n" + keys + "\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n"))
	if err == nil {
		err = fc.validate()
	}
	if err != nil {
		return server.Config{}, err
	}
	return fc.serverConfig(fakeOpen(map[string]afero.Fs{}))
}

func TestConfigLimits(t *testing.T) {
	t.Run("absent keys leave the server defaults", func(t *testing.T) {
		cfg, err := loadLimits(t, "")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MaxConnections != 0 || cfg.MaxMpxCount != 0 || cfg.IdleTimeout != 0 || cfg.LogonFailureLimit != 0 || cfg.RestrictAnonymous {
			t.Errorf("limits = %+v, want all zero (server defaults)", cfg)
		}
	})
	t.Run("every key", func(t *testing.T) {
		cfg, err := loadLimits(t, `
max_connections = 100
max_connections_per_client = 8
max_sessions_per_connection = 4
max_trees_per_connection = 5
max_open_files_per_session = 6
max_searches_per_session = 7
max_pending_transactions = 3
max_transaction_size = 65536
max_mpx_count = 10
handshake_timeout = "5s"
idle_timeout = "1h"
write_timeout = "45s"
restrict_anonymous = true
logon_failure_delay = "500ms"
logon_failure_limit = 3
logon_failure_window = "10m"
`)
		if err != nil {
			t.Fatal(err)
		}
		want := server.Config{
			MaxConnections: 100, MaxConnectionsPerClient: 8, MaxSessionsPerConnection: 4,
			MaxTreesPerConnection: 5, MaxOpenFilesPerSession: 6, MaxSearchesPerSession: 7,
			MaxPendingTransactions: 3, MaxTransactionSize: 65536, MaxMpxCount: 10,
			HandshakeTimeout: 5 * time.Second, IdleTimeout: time.Hour, WriteTimeout: 45 * time.Second,
			RestrictAnonymous: true, LogonFailureDelay: 500 * time.Millisecond, LogonFailureLimit: 3,
			LogonFailureWindow: 10 * time.Minute,
		}
		got := limitFields(cfg)
		if got != limitFields(want) {
			t.Errorf("limits = %+v\nwant     %+v", got, limitFields(want))
		}
	})
	t.Run("zero means none", func(t *testing.T) {
		cfg, err := loadLimits(t, `
max_connections = 0
max_connections_per_client = 0
logon_failure_limit = 0
handshake_timeout = "0s"
idle_timeout = "0s"
write_timeout = "0s"
logon_failure_delay = "0s"
`)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MaxConnections != -1 || cfg.MaxConnectionsPerClient != -1 || cfg.LogonFailureLimit != -1 ||
			cfg.HandshakeTimeout != -1 || cfg.IdleTimeout != -1 || cfg.WriteTimeout != -1 || cfg.LogonFailureDelay != -1 {
			t.Errorf("limits = %+v, want -1 (none) for each", limitFields(cfg))
		}
		if _, err := server.New(cfg); err != nil {
			t.Errorf("server.New refuses the converted config: %v", err)
		}
	})
	t.Run("out of range", func(t *testing.T) {
		_, err := loadLimits(t, `
max_sessions_per_connection = 0
max_mpx_count = 70000
max_transaction_size = 10
idle_timeout = "-1s"
logon_failure_window = "0s"
`)
		for _, w := range []string{
			"server.max_sessions_per_connection 0", "server.max_mpx_count 70000",
			"server.max_transaction_size 10", "server.idle_timeout -1s", "server.logon_failure_window: must be positive",
		} {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("error %v does not contain %q", err, w)
			}
		}
	})
	t.Run("not a duration", func(t *testing.T) {
		if _, err := loadLimits(t, `idle_timeout = "soon"`); err == nil || !strings.Contains(err.Error(), "soon") {
			t.Errorf("error %v, want one naming the bad duration", err)
		}
	})
}

// limitsOnly is the part of a server.Config the limit keys set, comparable
// with ==.
type limitsOnly struct {
	MaxConnections, MaxConnectionsPerClient, MaxSessionsPerConnection, MaxTreesPerConnection  int
	MaxOpenFilesPerSession, MaxSearchesPerSession, MaxPendingTransactions, MaxTransactionSize int
	MaxMpxCount, LogonFailureLimit                                                            int
	HandshakeTimeout, IdleTimeout, WriteTimeout, LogonFailureDelay, LogonFailureWindow        time.Duration
	RestrictAnonymous                                                                         bool
}

func limitFields(c server.Config) limitsOnly {
	return limitsOnly{
		c.MaxConnections, c.MaxConnectionsPerClient, c.MaxSessionsPerConnection, c.MaxTreesPerConnection,
		c.MaxOpenFilesPerSession, c.MaxSearchesPerSession, c.MaxPendingTransactions, c.MaxTransactionSize,
		c.MaxMpxCount, c.LogonFailureLimit,
		c.HandshakeTimeout, c.IdleTimeout, c.WriteTimeout, c.LogonFailureDelay, c.LogonFailureWindow,
		c.RestrictAnonymous,
	}
}
