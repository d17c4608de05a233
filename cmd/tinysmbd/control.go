package main

// The control socket: `tinysmbd status` and `tinysmbd reload` talk to a
// running server over a Unix socket. The protocol is one line naming the
// command ("status" or "reload") and a text answer, after which the server
// closes the connection; an answer that starts with "error: " is a failure.
// Text rather than JSON keeps encoding/json out of the firmware binary, and
// the library's Status stays the structured form for embedders.
//
// Only root, the server's own user and members of control_group may use
// it: the socket file is mode 0660 (root or the server's user, and the
// group), and every connection's peer credentials (SO_PEERCRED) are checked
// again, so a socket directory with loose permissions or a file mode
// changed by hand does not open it to anyone else.

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

// defaultControlSocket is where the control socket goes when the config
// does not say; the client looks there too. Its directory is the one
// systemd's RuntimeDirectory=tinysmbd creates for the service user; a
// server started otherwise creates it.
const defaultControlSocket = "/run/tinysmbd/tinysmbd.sock"

// controlTimeout bounds one control request, both sides.
const controlTimeout = 10 * time.Second

// validateOps checks the operations keys of [server].
func (s *serverSection) validateOps() error {
	var errs []error
	if s.MemoryLimit != "" {
		if _, err := parseByteSize(s.MemoryLimit); err != nil {
			errs = append(errs, fmt.Errorf("server.memory_limit %q: %v", s.MemoryLimit, err))
		}
	}
	if p := s.ControlSocket; p != nil && *p != "" && !strings.HasPrefix(*p, "/") {
		errs = append(errs, fmt.Errorf("server.control_socket %q: want an absolute path, or \"\" to disable", *p))
	}
	if s.ControlGroup != "" && strings.ContainsAny(s.ControlGroup, ":\n") {
		errs = append(errs, fmt.Errorf("server.control_group %q: not a group name or number", s.ControlGroup))
	}
	return errors.Join(errs...)
}

// controlPath returns the control socket's path ("" when disabled) and
// whether the config chose it.
func (s serverSection) controlPath() (path string, explicit bool) {
	if s.ControlSocket == nil {
		return defaultControlSocket, false
	}
	return *s.ControlSocket, true
}

// ops is the operations side of a running server: the control socket and
// SIGHUP, both of which reload.
type ops struct {
	l      *net.UnixListener // nil when the socket is off
	gid    int               // control_group, or -1
	srv    *server.Server
	log    *slog.Logger
	reload *reloader
	info   daemonInfo
	sighup chan os.Signal
	wg     sync.WaitGroup
}

// daemonInfo is what status says of the serving process itself, so that an
// operator who reached the wrong server through a shared socket sees it.
type daemonInfo struct {
	pid     int
	version string
	config  string      // absolute path, "" when started without -config
	listen  [][2]string // what ("netbt", "direct", "nbns") and address
}

// newDaemonInfo describes this process serving fc, read from configPath.
func newDaemonInfo(configPath string, fc *fileConfig) daemonInfo {
	d := daemonInfo{pid: os.Getpid(), version: versionString(), config: configPath}
	if configPath != "" {
		if abs, err := filepath.Abs(configPath); err == nil {
			d.config = abs
		}
	}
	for _, l := range [][2]string{{"netbt", fc.Server.NetBTListen}, {"direct", fc.Server.DirectListen}, {"nbns", fc.Server.NBNSListen}} {
		if l[1] != "" {
			d.listen = append(d.listen, l)
		}
	}
	return d
}

// startOps starts the control socket and the SIGHUP handler for srv, which
// was built from o and fc (cfg being fc's server.Config). A control socket
// the config names must work; the default one is only warned about, so an
// unprivileged test run without /run access still serves.
func startOps(srv *server.Server, o options, fc *fileConfig, cfg server.Config, log *slog.Logger) (*ops, error) {
	p := &ops{
		gid: -1, srv: srv, log: log,
		reload: newReloader(srv, o, fc, cfg, log),
		info:   newDaemonInfo(o.configPath, fc),
		sighup: make(chan os.Signal, 1),
	}
	if g := fc.Server.ControlGroup; g != "" {
		gid, err := lookupGroup(g)
		if err != nil {
			return nil, fmt.Errorf("server.control_group %q: %w", g, err)
		}
		p.gid = gid
	}
	if path, explicit := fc.Server.controlPath(); path != "" {
		if !explicit {
			// A failure shows as listenControl's error below.
			os.Mkdir(filepath.Dir(path), 0o755)
		}
		l, err := listenControl(path, p.gid)
		switch {
		case err != nil && explicit:
			return nil, fmt.Errorf("control socket: %w", err)
		case err != nil:
			log.Warn("no control socket: tinysmbd status and reload will not work (set server.control_socket)", "err", err)
		default:
			p.l = l
			log.Info("control socket", "path", path, "group", fc.Server.ControlGroup)
			p.wg.Add(1)
			go p.serve()
		}
	}
	signal.Notify(p.sighup, syscall.SIGHUP)
	p.wg.Add(1)
	go p.handleSignals()
	return p, nil
}

// stop closes the control socket (removing its file) and stops handling
// SIGHUP.
func (p *ops) stop() {
	signal.Stop(p.sighup)
	close(p.sighup)
	if p.l != nil {
		p.l.Close()
	}
	p.wg.Wait()
}

func (p *ops) handleSignals() {
	defer p.wg.Done()
	for range p.sighup {
		// systemd's ExecReload= sends the SIGHUP; RELOADING=1 … READY=1
		// tells it when the reload is over.
		p.notify("RELOADING=1")
		if msg, err := p.reload.reload(); err != nil {
			p.log.Error("SIGHUP: reload failed; the previous configuration stays", "err", err)
		} else {
			p.log.Info("SIGHUP: " + msg)
		}
		p.notify("READY=1")
	}
}

// notify sends state to the service manager (sdNotify), logging a failure.
func (p *ops) notify(state string) {
	if err := sdNotify(state); err != nil {
		p.log.Warn("cannot notify the service manager", "state", state, "err", err)
	}
}

// listenControl creates the socket at path, mode 0660, group gid (-1 keeps
// the process's). A socket file left by a server that is gone is replaced;
// one with a live server behind it is not.
func listenControl(path string, gid int) (*net.UnixListener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		if c, err := dialControl(path); err == nil {
			c.Close()
			return nil, fmt.Errorf("%s: another server is listening there", path)
		}
		os.Remove(path)
	}
	l, err := listenUnixPrivate(path)
	if err != nil {
		return nil, err
	}
	if gid >= 0 {
		if err := os.Chown(path, -1, gid); err != nil {
			l.Close()
			return nil, err
		}
	}
	if err := os.Chmod(path, 0o660); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func (p *ops) serve() {
	defer p.wg.Done()
	for {
		c, err := p.l.AcceptUnix()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.log.Error("control socket accept", "err", err)
			}
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer c.Close()
			p.handle(c)
		}()
	}
}

// handle answers one control request.
func (p *ops) handle(c *net.UnixConn) {
	c.SetDeadline(time.Now().Add(controlTimeout))
	// The request is read before a refusal is sent: closing a socket with
	// unread data makes the kernel reset the connection, and the client
	// would see the reset instead of the reason.
	line, err := bufio.NewReader(io.LimitReader(c, 64)).ReadString('\n')
	if err != nil {
		return
	}
	cred, err := peerCredentials(c)
	if err != nil || !p.allowed(cred) {
		p.log.Warn("control socket: connection refused", "uid", cred.uid, "gid", cred.gid, "pid", cred.pid, "err", err)
		io.WriteString(c, "error: permission denied: only root, the server's user and control_group may use the control socket\n")
		return
	}
	w := bufio.NewWriter(c)
	defer w.Flush()
	switch cmd := strings.TrimSpace(line); cmd {
	case "status":
		writeStatus(w, p.info, p.srv.Status(), time.Now())
	case "status json":
		writeStatusJSON(w, p.info, p.srv.Status(), time.Now())
	case "reload":
		msg, err := p.reload.reload()
		if err != nil {
			p.log.Error("control socket: reload failed; the previous configuration stays", "err", err)
			fmt.Fprintf(w, "error: reload failed; the previous configuration stays:\n%s\n", indent(err.Error()))
			return
		}
		p.log.Info("control socket: " + msg)
		fmt.Fprintln(w, msg)
	default:
		fmt.Fprintf(w, "error: unknown command %q (want status or reload)\n", cmd)
	}
}

// peerCred is who is at the other end of a Unix socket.
type peerCred struct {
	pid, uid, gid int
}

// allowed lets in root, the server's own user (which, after run_as, is no
// longer root) and members of control_group, by primary or supplementary
// group.
func (p *ops) allowed(c peerCred) bool {
	if c.uid == 0 || c.uid == os.Geteuid() {
		return true
	}
	if p.gid < 0 {
		return false
	}
	return c.gid == p.gid || inGroup(c.pid, p.gid)
}

// inGroup reports whether process pid has gid among its supplementary
// groups (the "Groups:" line of /proc/PID/status).
func inGroup(pid, gid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if groups, ok := strings.CutPrefix(line, "Groups:"); ok {
			for _, g := range strings.Fields(groups) {
				if g == strconv.Itoa(gid) {
					return true
				}
			}
		}
	}
	return false
}

// lookupGroup resolves a group name from /etc/group (accounts.go), or a
// number.
func lookupGroup(name string) (int, error) {
	if n, err := strconv.Atoi(name); err == nil && n >= 0 {
		return n, nil
	}
	data, err := readAccountFile(groupFile)
	if err != nil {
		return 0, err
	}
	g, err := findGroup(data, name)
	if err != nil {
		return 0, errors.New("no such group in " + groupFile)
	}
	return g.id, nil
}

// reloader re-reads the config file and applies its users and shares.
type reloader struct {
	mu   sync.Mutex
	srv  *server.Server
	o    options
	log  *slog.Logger
	last serverSection
	// fs keeps each share's file system by name and path, so a share whose
	// path did not change keeps its Fs (and so its open files); a "mem:"
	// share keeps its contents.
	fs map[shareKey]afero.Fs
}

type shareKey struct{ name, path string }

func newReloader(srv *server.Server, o options, fc *fileConfig, cfg server.Config, log *slog.Logger) *reloader {
	r := &reloader{srv: srv, o: o, log: log, last: fc.Server, fs: make(map[shareKey]afero.Fs)}
	for i, sh := range fc.Shares {
		r.fs[shareKey{strings.ToLower(sh.Name), sh.Path}] = cfg.Shares[i].Fs
	}
	return r
}

// reload applies the config file as it is now and says what it did.
// Settings other than users, shares and memory_limit need a restart; a
// change to them is logged, not applied.
func (r *reloader) reload() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fc, err := buildConfig(r.o)
	if err != nil {
		return "", err
	}
	// The shares' file systems are filled in below, where the share's name
	// is known, not by serverConfig's opener, which sees only the path.
	cfg, err := fc.serverConfig(func(string) (afero.Fs, error) { return nil, nil })
	if err != nil {
		return "", err
	}
	next := make(map[shareKey]afero.Fs, len(fc.Shares))
	for i, sh := range fc.Shares {
		k := shareKey{strings.ToLower(sh.Name), sh.Path}
		fs := r.fs[k]
		if fs == nil {
			if fs, err = openShareFs(sh.Path); err != nil {
				return "", fmt.Errorf("share %q: %w", sh.Name, err)
			}
		}
		cfg.Shares[i].Fs = fs
		next[k] = fs
	}
	if err := r.srv.ReloadGroups(cfg.Users, cfg.Groups, cfg.Shares); err != nil {
		return "", err
	}
	r.fs = next
	if fc.Server.MemoryLimit != r.last.MemoryLimit {
		applyMemoryLimit(r.log, fc.Server.MemoryLimit)
	}
	prev := r.last
	prev.MemoryLimit = fc.Server.MemoryLimit
	msg := fmt.Sprintf("reloaded: %d shares, %d users", len(cfg.Shares), len(cfg.Users))
	if keys := prev.changed(&fc.Server); len(keys) > 0 {
		list := strings.Join(keys, ", ")
		r.log.Warn("reload: changed [server] settings apply after a restart", "keys", list)
		msg += "\n" + restartPrefix + list
	}
	// r.last stays what the server runs with, so that each reload names
	// every key still waiting for a restart.
	r.last.MemoryLimit = fc.Server.MemoryLimit
	return msg, nil
}

// restartPrefix starts the line of a reload's answer that names the keys
// which changed but apply only after a restart; `tinysmbd reload` exits
// exitRestart when it is there.
const restartPrefix = "needs a restart: "

// reloadExitCodes is the exit code part of `tinysmbd -h` and `tinysmbd
// reload -h`; TestReloadExitCodesDoc holds it to the constants below and
// docs/operations.md.
const reloadExitCodes = "reload exits 0 when the config was applied, 3 when it was applied but\n" +
	"keys it names need a restart, 4 when the config has errors (the previous\n" +
	"one stays), 1 when the server cannot be reached, 2 on a usage error.\n"

// The exit codes of `tinysmbd reload` (docs/operations.md).
const (
	exitApplied     = 0 // the config was applied
	exitUnreachable = 1 // no answer from the server
	exitUsage       = 2 // bad arguments, or no control socket configured
	exitRestart     = 3 // applied, but some keys apply only after a restart
	exitRejected    = 4 // the config has errors; the previous one stays
)

// changed returns the config names of the keys whose settings differ
// between s and t, comparing what pointers point to. It is written out
// rather than with reflect, which costs 12 KB of a stripped linux/mipsle
// binary; TestServerSectionChanged fails when a field is added to
// serverSection but not here.
func (s *serverSection) changed(t *serverSection) []string {
	var keys []string
	diff := func(differ bool, key string) {
		if differ {
			keys = append(keys, key)
		}
	}
	diff(s.NetBIOSName != t.NetBIOSName, "netbios_name")
	diff(s.Workgroup != t.Workgroup, "workgroup")
	diff(s.NetBTListen != t.NetBTListen, "netbt_listen")
	diff(s.DirectListen != t.DirectListen, "direct_listen")
	diff(s.NBNSListen != t.NBNSListen, "nbns_listen")
	diff(!slices.Equal(s.Interfaces, t.Interfaces), "interfaces")
	diff(!slices.Equal(s.NetBIOSAliases, t.NetBIOSAliases), "netbios_aliases")
	diff(!sameValue(s.Browse, t.Browse), "browse")
	diff(s.ServerComment != t.ServerComment, "server_comment")
	diff(s.NTLMv1 != t.NTLMv1, "ntlmv1")
	diff(s.ServerSigning != t.ServerSigning, "server_signing")
	diff(s.CoalesceSessionSetup != t.CoalesceSessionSetup, "coalesce_session_setup")
	diff(s.StrictCalledName != t.StrictCalledName, "strict_called_name")
	diff(s.Sendfile != t.Sendfile, "sendfile")
	diff(s.MaxMessageSize != t.MaxMessageSize, "max_message_size")
	keys = s.limitKeys.changed(&t.limitKeys, keys)
	diff(s.RunAs != t.RunAs, "run_as")
	diff(!sameValue(s.ControlSocket, t.ControlSocket), "control_socket")
	diff(s.ControlGroup != t.ControlGroup, "control_group")
	diff(s.MemoryLimit != t.MemoryLimit, "memory_limit")
	return keys
}

// sameValue reports whether a and b are both nil or point to equal values.
func sameValue[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// isControlCommand reports whether the first argument asks a running
// server something instead of starting one.
func isControlCommand(arg string) bool { return arg == "status" || arg == "reload" }

// runControlCommand is `tinysmbd status|reload [-config FILE] [-socket
// PATH]`: it sends the command to the server's control socket, prints the
// answer and returns the exit code (exitApplied ...). The socket is -socket, else the config's control_socket,
// else the default.
func runControlCommand(args []string, stdout, stderr io.Writer) int {
	cmd := args[0]
	fs := flag.NewFlagSet("tinysmbd "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "find the control socket in the config `FILE`")
	socket := fs.String("socket", "", "the control socket `PATH` (default: the config's control_socket, else "+defaultControlSocket+")")
	var jsonOut *bool
	if cmd == "status" {
		jsonOut = fs.Bool("json", false, "print the status as JSON (schema: docs/status-json.md)")
	} else {
		fs.Usage = func() {
			fmt.Fprintf(stderr, "usage: tinysmbd reload [-config FILE] [-socket PATH]\n\n%s\nflags:\n", reloadExitCodes)
			fs.PrintDefaults()
		}
	}
	if err := fs.Parse(args[1:]); errors.Is(err, flag.ErrHelp) {
		return exitApplied
	} else if err != nil {
		return exitUsage
	}
	request := cmd
	if jsonOut != nil && *jsonOut {
		request = "status json"
	}
	path := *socket
	if path == "" {
		path = defaultControlSocket
		if *configPath != "" {
			fc, err := loadConfigFile(*configPath)
			if err != nil {
				fmt.Fprintf(stderr, "tinysmbd %s: %v\n", cmd, err)
				return exitUsage
			}
			if path, _ = fc.Server.controlPath(); path == "" {
				fmt.Fprintf(stderr, "tinysmbd %s: %s disables the control socket (control_socket = \"\")\n", cmd, *configPath)
				return exitUsage
			}
		}
	}
	c, err := dialControl(path)
	if err != nil {
		fmt.Fprintf(stderr, "tinysmbd %s: cannot reach the server at %s: %v\n", cmd, path, err)
		if errors.Is(err, os.ErrPermission) {
			fmt.Fprintln(stderr, "  only root and members of the server's control_group may use it")
		} else {
			fmt.Fprintln(stderr, "  is tinysmbd running, and is this its control_socket? (-socket PATH or -config FILE)")
		}
		return exitUnreachable
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(controlTimeout))
	if _, err := io.WriteString(c, request+"\n"); err != nil {
		fmt.Fprintf(stderr, "tinysmbd %s: %v\n", cmd, err)
		return exitUnreachable
	}
	answer, err := io.ReadAll(c)
	if err != nil {
		fmt.Fprintf(stderr, "tinysmbd %s: reading the answer: %v\n", cmd, err)
		return exitUnreachable
	}
	if msg, failed := strings.CutPrefix(string(answer), "error: "); failed {
		fmt.Fprintf(stderr, "tinysmbd %s: %s", cmd, msg)
		if cmd == "reload" && strings.HasPrefix(msg, "reload failed") {
			return exitRejected
		}
		return exitUnreachable
	}
	stdout.Write(answer)
	if cmd == "reload" && strings.Contains(string(answer), "\n"+restartPrefix) {
		return exitRestart
	}
	return exitApplied
}

// timeLayout is how status prints times: local, to the second.
const timeLayout = "2006-01-02 15:04:05"

// writeStatus prints st the way smbstatus does: sessions, trees, open
// files, locks, each a table.
func writeStatus(w io.Writer, d daemonInfo, st server.Status, now time.Time) {
	fmt.Fprintf(w, "tinysmbd: up since %s (%s); connections: %d\n",
		st.Started.Format(timeLayout), now.Sub(st.Started).Truncate(time.Second), len(st.Connections))
	config := d.config
	if config == "" {
		config = "(none)"
	}
	fmt.Fprintf(w, "pid %d, %s, config %s\nlistening:", d.pid, d.version, config)
	for i, l := range d.listen {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(w, "%s %s %s", sep, l[0], l[1])
	}
	fmt.Fprintln(w)

	tw := &columns{w: w}
	table := func(title, header string) {
		tw.Flush()
		fmt.Fprintf(w, "\n%s\n", title)
		fmt.Fprintln(tw, header)
	}
	table("Sessions", "Conn\tUID\tUser\tClient\tDialect\tConnected since")
	for _, c := range st.Connections {
		dialect := c.Dialect
		if dialect == "" {
			dialect = "-"
		}
		if len(c.Sessions) == 0 {
			fmt.Fprintf(tw, "%d\t-\t(no logon)\t%s\t%s\t%s\n", c.ID, c.RemoteAddr, dialect, c.Since.Format(timeLayout))
		}
		for _, s := range c.Sessions {
			user := s.User
			if s.Domain != "" {
				user = s.Domain + `\` + user
			}
			if s.Guest {
				user += " (guest)"
			}
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\n", c.ID, s.UID, user, c.RemoteAddr, dialect, c.Since.Format(timeLayout))
		}
	}
	table("Trees", "Conn\tTID\tUID\tShare\tConnected at")
	for _, c := range st.Connections {
		for _, t := range c.Trees {
			share := t.Share
			if t.ReadOnly {
				share += " (read-only)"
			}
			fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\n", c.ID, t.TID, t.UID, share, t.Since.Format(timeLayout))
		}
	}
	table("Open files", "Conn\tFID\tUID\tPID\tAccess\tShare\tPath\tOpened at")
	nlocks := 0
	for _, c := range st.Connections {
		for _, f := range c.Files {
			nlocks += len(f.Locks)
			path := f.Path
			if f.Directory {
				path += "/"
			}
			fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", c.ID, f.FID, f.UID, f.PID,
				accessString(f.Access), f.Share, path, f.Opened.Format(timeLayout))
		}
	}
	tw.Flush()
	if nlocks == 0 {
		fmt.Fprintf(w, "\nByte-range locks: none\n")
		return
	}
	table("Byte-range locks", "Conn\tFID\tPID\tType\tOffset\tLength\tPath")
	for _, c := range st.Connections {
		for _, f := range c.Files {
			for _, l := range f.Locks {
				typ := "shared"
				if l.Exclusive {
					typ = "exclusive"
				}
				fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%d\t%d\t%s\n", c.ID, f.FID, l.PID, typ, l.Offset, l.Length, f.Path)
			}
		}
	}
	tw.Flush()
}

// columns lays out the tables of writeStatus as text/tabwriter would with
// padding 2 and spaces: Write takes lines of tab-separated cells, and
// Flush writes them with every cell but a line's last padded to the
// widest of its column (in runes) plus two spaces. Every line of one of
// those tables has the same cells, so a column is simply the same cell of
// every line; text/tabwriter itself costs 12 KB of a stripped
// linux/mipsle binary.
type columns struct {
	w     io.Writer
	lines [][]string
	rest  []byte // a line not yet ended by a newline
}

func (c *columns) Write(p []byte) (int, error) {
	c.rest = append(c.rest, p...)
	for {
		i := bytes.IndexByte(c.rest, '\n')
		if i < 0 {
			return len(p), nil
		}
		c.lines = append(c.lines, strings.Split(string(c.rest[:i]), "\t"))
		c.rest = c.rest[i+1:]
	}
}

// Flush writes the lines written so far, the last one even without its
// newline.
func (c *columns) Flush() error {
	lines := c.lines
	if len(c.rest) > 0 {
		lines = append(lines, strings.Split(string(c.rest), "\t"))
	}
	var width []int
	for _, l := range lines {
		for j, cell := range l[:len(l)-1] {
			if j == len(width) {
				width = append(width, 0)
			}
			width[j] = max(width[j], utf8.RuneCountInString(cell))
		}
	}
	var b []byte
	for i, l := range lines {
		for j, cell := range l[:len(l)-1] {
			b = append(b, cell...)
			for range width[j] - utf8.RuneCountInString(cell) + 2 {
				b = append(b, ' ')
			}
		}
		b = append(b, l[len(l)-1]...)
		if i < len(c.lines) {
			b = append(b, '\n')
		}
	}
	c.lines, c.rest = c.lines[:0], c.rest[:0]
	_, err := c.w.Write(b)
	return err
}

// accessString shows an access mask (MS-SMB 2.2.1.4.1) as R (read data), W
// (write or append data) and D (delete) flags, then the mask itself.
func accessString(a uint32) string {
	flags := []byte("---")
	if a&0x1 != 0 {
		flags[0] = 'R'
	}
	if a&0x6 != 0 {
		flags[1] = 'W'
	}
	if a&0x10000 != 0 {
		flags[2] = 'D'
	}
	return fmt.Sprintf("%s 0x%08x", flags, a)
}

// dialControl connects to the control socket at path. It uses DialUnix
// rather than Dial: Dial resolves addresses through net's DNS resolver,
// which would link it back into firmware built with tinysmbd_nodns
// (about 240 KB); a connect to a Unix socket does not block.
func dialControl(path string) (*net.UnixConn, error) {
	return net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
}
