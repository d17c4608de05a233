module github.com/tinysmbd/tinysmbd

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/pion/logging v0.2.4
	github.com/pion/transport/v3 v3.1.1
	github.com/spf13/afero v1.15.0
	golang.org/x/crypto v0.59.0
)

require (
	github.com/wlynxg/anet v0.0.5 // indirect
	golang.org/x/text v0.44.0 // indirect
)
