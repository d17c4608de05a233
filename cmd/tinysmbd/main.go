// Command tinysmbd serves directories or in-memory trees over SMB1 (CIFS,
// dialect "NT LM 0.12") on NetBIOS session service and direct-hosted TCP.
//
// It stays thin on purpose: flags, the TOML config file, logging and signals
// live here; everything a firmware image would embed lives in package server,
// so the binary and an embedding program behave the same.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/tinysmbd/tinysmbd/server"
)

// version is set at link time (-ldflags "-X main.version=...") by the
// Makefile; otherwise moduleVersion gives the module version from the build
// info (version_buildinfo.go).
var version = ""

// shutdownTimeout bounds how long SIGINT/SIGTERM waits for open connections
// before the process exits anyway; init systems send SIGKILL soon after.
const shutdownTimeout = 10 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags. Flags override the config file.
type options struct {
	configPath    string
	netbt         optionalString
	direct        optionalString
	controlSocket optionalString
	shares        stringList
	users         stringList
	guest         bool
	verbose       bool
	version       bool
}

// optionalString remembers whether a flag was given, so that an explicit
// -netbt "" disables the listener instead of meaning "keep the config's".
type optionalString struct {
	val string
	set bool
}

func (o *optionalString) String() string { return o.val }
func (o *optionalString) Set(s string) error {
	o.val, o.set = s, true
	return nil
}

// stringList collects a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("tinysmbd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.configPath, "config", "", "read settings from TOML `FILE`")
	fs.Var(&o.netbt, "netbt", "NetBIOS session service listen `ADDR` (\"\" disables; default 0.0.0.0:139)")
	fs.Var(&o.direct, "direct", "direct-hosted SMB listen `ADDR` (\"\" disables; default 0.0.0.0:445)")
	fs.Var(&o.controlSocket, "control-socket", "the control socket `PATH` of tinysmbd status and reload (\"\" disables; default "+defaultControlSocket+")")
	fs.Var(&o.shares, "share", "export `NAME=PATH[,ro][,guest][,users=A+B]` (guests only with guest or without users; PATH mem: is in memory; repeatable)")
	fs.Var(&o.users, "user", "add account `NAME:PASSWORD` (repeatable)")
	fs.BoolVar(&o.guest, "guest", false, "allow guest access to every share without valid_users")
	fs.BoolVar(&o.verbose, "v", false, "debug logging and a trace line per SMB request")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: tinysmbd [-config FILE] [flags]\n"+
			"       tinysmbd status [-json] [-config FILE] [-socket PATH]\n"+
			"       tinysmbd reload [-config FILE] [-socket PATH]\n\n"+
			reloadExitCodes+"\n"+
			"Without -config and -share, serves a writable in-memory share \"public\"\n"+
			"on 0.0.0.0:139 and 0.0.0.0:445, open to guests unless -user is given.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tinysmbd: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return o, errors.New("unexpected arguments")
	}
	return o, nil
}

// buildConfig loads the config file if any, applies the flags over it and
// validates the result.
func buildConfig(o options) (fileConfig, error) {
	fc := defaultFileConfig()
	if o.configPath != "" {
		var err error
		if fc, err = loadConfigFile(o.configPath); err != nil {
			return fileConfig{}, err
		}
	}
	if err := applyFlags(&fc, o); err != nil {
		return fileConfig{}, err
	}
	if err := fc.validate(); err != nil {
		return fileConfig{}, err
	}
	return fc, nil
}

// applyFlags merges the flags into fc. A -share or -user whose name matches
// one from the config file replaces it. Without a config file and without
// -share, the in-memory share "public" is added so that a bare "tinysmbd"
// is immediately usable. A -share admits guests when it says ",guest", or
// when no user exists at all (the throw-away test target): a share given
// with -user is never open to guests by accident.
func applyFlags(fc *fileConfig, o options) error {
	if o.netbt.set {
		fc.Server.NetBTListen = o.netbt.val
	}
	if o.direct.set {
		fc.Server.DirectListen = o.direct.val
	}
	if o.controlSocket.set {
		fc.Server.ControlSocket = &o.controlSocket.val
	}
	for _, u := range o.users {
		name, pw, ok := strings.Cut(u, ":")
		if !ok || name == "" {
			return fmt.Errorf("-user %q: want NAME:PASSWORD", u)
		}
		fc.Users = replaceUser(fc.Users, userSection{Name: name, Password: &pw})
	}
	noUsers := len(fc.Users) == 0
	for _, s := range o.shares {
		sh, guest, err := shareFlag(s)
		if err != nil {
			return err
		}
		sh.GuestOK = guest || noUsers && len(sh.ValidUsers) == 0
		fc.Shares = replaceShare(fc.Shares, sh)
	}
	if o.configPath == "" && len(o.shares) == 0 {
		fc.Shares = append(fc.Shares, shareSection{Name: "public", Path: memPath, GuestOK: noUsers})
	}
	if o.guest {
		// Not the shares whose valid_users name who may connect.
		for i := range fc.Shares {
			fc.Shares[i].GuestOK = fc.Shares[i].GuestOK || len(fc.Shares[i].ValidUsers) == 0
		}
	}
	return nil
}

func replaceShare(list []shareSection, s shareSection) []shareSection {
	for i := range list {
		if strings.EqualFold(list[i].Name, s.Name) {
			list[i] = s
			return list
		}
	}
	return append(list, s)
}

func replaceUser(list []userSection, u userSection) []userSection {
	for i := range list {
		if strings.EqualFold(list[i].Name, u.Name) {
			list[i] = u
			return list
		}
	}
	return append(list, u)
}

func versionString() string {
	v := version
	if v == "" {
		v = moduleVersion()
	}
	return fmt.Sprintf("tinysmbd %s %s %s/%s", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// run is main without os.Exit, returning the exit status: 0 after a clean
// shutdown, 1 on a runtime error, 2 on a usage or configuration error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && isControlCommand(args[0]) {
		return runControlCommand(args, stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if o.version {
		fmt.Fprintln(stdout, versionString())
		return 0
	}

	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	fc, err := buildConfig(o)
	if err != nil {
		fmt.Fprintf(stderr, "tinysmbd: configuration error:\n%s\n", indent(err.Error()))
		return 2
	}
	applyMemoryLimit(log, fc.Server.MemoryLimit)
	cfg, err := fc.serverConfig(openShareFs)
	if err != nil {
		log.Error("cannot open share", "err", err)
		return 1
	}
	cfg.Logger = log
	cfg.Trace = o.verbose
	logSettings(log, &fc)

	srv, err := server.New(cfg)
	if err != nil {
		log.Error("cannot create server", "err", err)
		return 1
	}
	ops, err := startOps(srv, o, &fc, cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	defer ops.stop()
	ready := func() { ops.notify("READY=1") }
	return serve(srv, func() error { return listenAndServe(srv, &cfg, fc.Server.RunAs, log, ready) }, log, stderr)
}

// serve runs srv, which listen binds and serves, until it fails or a signal
// asks it to stop. The first SIGINT/SIGTERM starts a graceful shutdown; signal handling is then reset so
// a second one kills the process at once.
func serve(srv *server.Server, listen func() error, log *slog.Logger, stderr io.Writer) int {
	// A channel rather than signal.NotifyContext, whose context and String
	// method cost 8 KB of a stripped linux/mipsle binary.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigc)

	errc := make(chan error, 1)
	go func() { errc <- listen() }()

	select {
	case err := <-errc:
		if err == nil || errors.Is(err, server.ErrServerClosed) {
			return 0
		}
		log.Error("server stopped", "err", err)
		if errors.Is(err, syscall.EACCES) || errors.Is(err, os.ErrPermission) {
			fmt.Fprint(stderr, bindHint)
		}
		return 1
	case sig := <-sigc:
		signal.Stop(sigc)
		log.Info("shutting down", "cause", sig.String()+" signal received", "timeout", shutdownTimeout)
		sdNotify("STOPPING=1")
	}

	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	code := 0
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown incomplete", "err", err)
		code = 1
	}
	// ListenAndServe returns ErrServerClosed as soon as Shutdown starts; the
	// timer only guards against a server that never returns.
	select {
	case err := <-errc:
		if err != nil && !errors.Is(err, server.ErrServerClosed) {
			log.Error("server stopped", "err", err)
			code = 1
		}
	case <-time.After(2 * time.Second):
		log.Error("ListenAndServe did not return after Shutdown")
		code = 1
	}
	if code == 0 {
		log.Info("stopped")
	}
	return code
}

const bindHint = `tinysmbd: permission denied while binding a listener.
  Ports below 1024 (139, 445) need root or CAP_NET_BIND_SERVICE, e.g.
    sudo setcap cap_net_bind_service=+ep bin/tinysmbd
  or use unprivileged ports for a quick test:
    tinysmbd -netbt 127.0.0.1:1139 -direct 127.0.0.1:1445
`

// logSettings states what is being served, so a wrong path or a share
// nobody can reach shows up in the first lines of the log.
func logSettings(log *slog.Logger, fc *fileConfig) {
	s := fc.Server
	log.Info("starting", "version", versionString(), "netbios_name", s.NetBIOSName,
		"workgroup", s.Workgroup, "netbt", s.NetBTListen, "direct", s.DirectListen,
		"users", len(fc.Users))
	for _, sh := range fc.Shares {
		log.Info("share", "name", sh.Name, "path", sh.Path, "read_only", sh.ReadOnly, "guest_ok", sh.GuestOK)
		if !sh.GuestOK && len(fc.Users) == 0 {
			log.Warn("share has guest access off and no users are configured: nobody can connect", "share", sh.Name)
		}
		if sh.GuestOK && !sh.ReadOnly {
			log.Warn("guests can write to this share", "share", sh.Name, "path", sh.Path)
		}
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
