package netbios

import (
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/pion/transport/v3"
	"github.com/pion/transport/v3/stdnet"

	"github.com/tinysmbd/tinysmbd/netbt"
)

// Defaults of the Config intervals.
const (
	// DefaultRefreshInterval: B-nodes need no refresh (RFC 1001 15.5.1;
	// nmbd sends none on broadcast subnets), but a refresh lets a node that
	// joined while this one was unreachable object to a duplicate name.
	DefaultRefreshInterval = 15 * time.Minute
	// DefaultRescanInterval and DefaultWaitInterval are nmbd's: it polls
	// every 5 s for its first interface and then less often.
	DefaultRescanInterval = 30 * time.Second
	DefaultWaitInterval   = 5 * time.Second
	// DefaultMaxReplyDelay is MS-BRWS 3.2.5.1's bound on the random wait
	// before answering an AnnouncementRequest, which spreads the answers of
	// every server on the subnet.
	DefaultMaxReplyDelay = 30 * time.Second
)

// Config is what the services need. Zero intervals mean the defaults.
type Config struct {
	// Listen is the name service's address, "HOST:PORT": an IPv4 address
	// or nothing (every address), and a port, usually 137 (0 picks one, for
	// tests). "" leaves the name service off. An address limits both
	// services to that address's subnet.
	Listen string
	// Interfaces limits both services to these interfaces, by name or IPv4
	// address; empty means every interface that is up, not loopback, with a
	// subnet that has a broadcast address. An entry that matches nothing is
	// waited for; one that can be neither a name nor an IPv4 address is an
	// error.
	Interfaces []string
	// Name is the NetBIOS name, 1 to 15 bytes, and Aliases further names;
	// each is registered as <00> and <20>. They are upper-cased.
	Name    string
	Aliases []string
	// Workgroup is registered as the group names <00> and <1E>, and the
	// announcements go to its local master browser, <1D>.
	Workgroup string
	// Browse sends browser host announcements on UDP 138.
	Browse bool
	// Comment is the server comment announced; at most 42 bytes go out.
	Comment string
	// ServerType is the SV_TYPE bits announced (MS-BRWS 2.2.1), and
	// OSMajor and OSMinor the version, informational only.
	ServerType       uint32
	OSMajor, OSMinor uint8
	// Net is the network; nil means the host's (pion's stdnet), whose
	// interface list the service refreshes before each rescan. Another
	// Net's Interfaces are taken as current at each rescan.
	Net transport.Net
	// Logger receives the log; nil means slog.Default().
	Logger *slog.Logger
	// RefreshInterval is how often registered names are refreshed by
	// broadcast (DefaultRefreshInterval).
	RefreshInterval time.Duration
	// RescanInterval is how often the interfaces are listed again
	// (DefaultRescanInterval), WaitInterval how often while no subnet is
	// served (DefaultWaitInterval).
	RescanInterval, WaitInterval time.Duration
	// MaxReplyDelay bounds the random wait before answering an
	// AnnouncementRequest (DefaultMaxReplyDelay); a negative value
	// answers at once.
	MaxReplyDelay time.Duration
}

// Service is the name service and the browser announcements, sharing one
// list of subnets.
type Service struct {
	cfg Config
	log *slog.Logger // service=nbns, or service=browse when browsing runs alone
	net transport.Net
	// update brings net's list of interfaces up to date before a rescan:
	// pion's stdnet reads it once. It is set for the service's own stdnet
	// only; a Config.Net is the caller's and used as it is.
	update func() error
	listen netip.Addr // of Config.Listen; unspecified without it
	what   string     // "name service" or "browse", in log messages

	ns  *nameService // nil when off
	brw *announcer   // nil when off

	mu      sync.Mutex
	subnets []*subnet
	state   int // created, running, closed

	// What the last scan found wanting, so that each is logged once: the
	// Interfaces entries that matched nothing ("any" when no interface
	// will do), and its errors listing the interfaces or binding a new
	// subnet, one a line. Only the registrar (and Start before it) uses
	// them.
	waitingFor string
	errs       string

	// rescanReq asks the registrar to rescan now and to close the channel
	// sent, unless nil, when it is done. Buffer 1: one pending request
	// stands for any number.
	rescanReq chan chan struct{}
	stop      chan struct{} // closed by Close to end the registrar
	registrar sync.WaitGroup
	readers   sync.WaitGroup
}

const (
	created = iota
	running
	closed
)

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("netbios: closed")

// New checks cfg and prepares the services it turns on; Start runs them.
func New(cfg Config) (*Service, error) {
	if cfg.Listen == "" && !cfg.Browse {
		return nil, errors.New("netbios: neither the name service (Listen) nor browsing (Browse) is on")
	}
	if err := checkInterfaces(cfg.Interfaces); err != nil {
		return nil, err
	}
	if cfg.Name == "" || len(cfg.Name) > netbt.MaxNameLen || cfg.Workgroup == "" || len(cfg.Workgroup) > netbt.MaxNameLen {
		return nil, errors.New("netbios: Name and Workgroup must be 1 to 15 bytes")
	}
	cfg.Name, cfg.Workgroup = strings.ToUpper(cfg.Name), strings.ToUpper(cfg.Workgroup)
	setDefault(&cfg.RefreshInterval, DefaultRefreshInterval)
	setDefault(&cfg.RescanInterval, DefaultRescanInterval)
	setDefault(&cfg.WaitInterval, DefaultWaitInterval)
	setDefault(&cfg.MaxReplyDelay, DefaultMaxReplyDelay)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{
		cfg:       cfg,
		log:       cfg.Logger.With("service", "nbns"),
		net:       cfg.Net,
		listen:    netip.IPv4Unspecified(),
		what:      "name service",
		rescanReq: make(chan chan struct{}, 1),
		stop:      make(chan struct{}),
	}
	if cfg.Listen != "" {
		local, err := parseListen(cfg.Listen)
		if err != nil {
			return nil, err
		}
		s.listen = local.Addr()
		if s.ns, err = newNameService(s, local.Port()); err != nil {
			return nil, err
		}
	} else {
		s.log, s.what = cfg.Logger.With("service", "browse"), "browse"
	}
	if cfg.Browse {
		var err error
		if s.brw, err = newAnnouncer(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// Start binds the sockets of the subnets up now and starts the services:
// the name service claims its names in the background, which takes about
// 750 ms (three broadcasts 250 ms apart, RFC 1002 4.2.2), while answering
// unicast queries at once, and the browser announces the server. No subnet
// is not an error: the services wait for one. A socket that will not bind
// (the port taken, no privilege) is, while the operator is watching; later
// it is logged and tried again at each rescan.
func (s *Service) Start() error {
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	switch st {
	case running:
		return nil
	case closed:
		return ErrClosed
	}
	if s.net == nil {
		sn, err := stdnet.NewNet()
		if err != nil {
			return errors.New("netbios: " + err.Error())
		}
		s.net, s.update = sn, sn.UpdateInterfaces
	}
	subnets, err := s.follow(true)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.state = running
	s.mu.Unlock()
	if s.browsing() {
		s.brw.start()
	}
	s.registrar.Add(1)
	go func() {
		defer s.registrar.Done()
		s.run(subnets)
	}()
	return nil
}

// Close stops the services: the browser announces that the server is going
// away, the name service releases its registered names by broadcast (RFC
// 1002 4.2.9: three times, 250 ms apart), then the sockets close. It
// returns once every goroutine has.
func (s *Service) Close() {
	s.mu.Lock()
	st := s.state
	s.state = closed
	s.mu.Unlock()
	if st == closed {
		return
	}
	close(s.stop)
	if st == created {
		return
	}
	s.registrar.Wait()
	if s.browsing() {
		s.brw.stop()
	}
	if s.naming() {
		s.ns.release()
	}
	s.mu.Lock()
	subnets := s.subnets
	s.mu.Unlock()
	for _, sn := range subnets {
		sn.close()
	}
	s.readers.Wait()
}

// Rescan lists the interfaces again now and returns once the subnets are up
// to date and the names claimed on the new ones (about 750 ms), or at once
// if the service is not running.
func (s *Service) Rescan() {
	done := make(chan struct{})
	select {
	case s.rescanReq <- done:
	case <-s.stop:
		return
	}
	select {
	case <-done:
	case <-s.stop:
	}
}

// RescanSoon asks for a rescan without waiting for it, as SIGHUP makes nmbd
// reload its interfaces.
func (s *Service) RescanSoon() {
	select {
	case s.rescanReq <- nil:
	default: // a rescan is pending already
	}
}

// Subnets returns the subnets served, in the order of States, as
// "INTERFACE ADDR/BITS".
func (s *Service) Subnets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, sn := range s.subnets {
		out = append(out, sn.ifname+" "+netip.PrefixFrom(sn.addr, sn.prefix.Bits()).String())
	}
	return out
}

// States returns the state of every name ("TINYSMBD<20>") on each subnet,
// in the order of Subnets: "registering", "registered", "conflict" or
// "released". It is nil when the name service is off.
func (s *Service) States() map[string][]string {
	if !s.naming() {
		return nil
	}
	return s.ns.states()
}

// run is the registrar: it claims the names on the subnets found at start,
// then refreshes them every RefreshInterval and rescans the interfaces
// every RescanInterval (WaitInterval while there is no subnet) or when
// asked, until the service stops.
func (s *Service) run(subnets []*subnet) {
	var refresh <-chan time.Time
	if s.naming() {
		s.ns.register(subnets)
		refresh = time.After(s.cfg.RefreshInterval)
	}
	rescan := time.After(s.rescanWait())
	for {
		var done chan struct{}
		select {
		case <-s.stop:
			return
		case <-refresh:
			s.ns.refresh()
			refresh = time.After(s.cfg.RefreshInterval)
			continue
		case <-rescan:
		case done = <-s.rescanReq:
		}
		s.rescan()
		rescan = time.After(s.rescanWait())
		if done != nil {
			close(done)
		}
	}
}

// rescanWait is the time to the next periodic rescan.
func (s *Service) rescanWait() time.Duration {
	s.mu.Lock()
	none := len(s.subnets) == 0
	s.mu.Unlock()
	if none {
		return s.cfg.WaitInterval
	}
	return s.cfg.RescanInterval
}

// naming and browsing report which services run: constant false in a
// binary built without one, so that the compiler leaves its calls out.
func (s *Service) naming() bool   { return NameServiceBuilt && s.ns != nil }
func (s *Service) browsing() bool { return BrowseBuilt && s.brw != nil }
