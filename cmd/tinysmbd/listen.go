package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/tinysmbd/tinysmbd/server"
)

// listenAndServe is server.ListenAndServe split around dropPrivileges: it
// binds every socket that may need root (TCP 139 and 445, UDP 137 and 138),
// then becomes the run_as user, and only then serves a client, so no request
// is ever handled with root's rights. It opens the TCP listeners itself,
// through listenTCP, rather than letting ListenAndServe do it, which also lets
// a tinysmbd_nodns build leave net's DNS resolver out (listen_nodns.go).
func listenAndServe(srv *server.Server, cfg *server.Config, runAs string, log *slog.Logger, ready func()) error {
	var id identity
	if runAs != "" {
		// Looked up before anything is bound, so a typo costs no sockets.
		var err error
		if id, err = lookupRunAs(runAs); err != nil {
			return err
		}
	}
	var ls []net.Listener
	var framings []server.Framing
	closeAll := func() {
		for _, l := range ls {
			l.Close()
		}
	}
	for _, e := range []struct {
		addr    string
		framing server.Framing
	}{{cfg.NetBTListen, server.FramingNetBT}, {cfg.DirectListen, server.FramingDirect}} {
		if e.addr == "" {
			continue
		}
		l, err := listenTCP(e.addr)
		if err != nil {
			closeAll()
			return fmt.Errorf("listen %s (%s): %w", e.addr, e.framing, err)
		}
		ls = append(ls, l)
		framings = append(framings, e.framing)
	}
	if len(ls) == 0 {
		return errors.New("no listen address configured")
	}
	if cfg.NBNSListen != "" || cfg.Browse {
		if err := srv.StartNameService(); err != nil {
			closeAll()
			return err
		}
	}
	if runAs != "" {
		if err := dropPrivileges(id); err != nil {
			closeAll()
			srv.Shutdown(context.Background())
			return err
		}
		log.Info("dropped privileges", "run_as", runAs, "uid", id.uid, "gid", id.gid, "groups", id.groups)
	}
	// Every socket is bound (and accepts: the kernel queues connections
	// until Serve takes them), so dependants may start now.
	ready()
	errc := make(chan error, len(ls))
	for i, l := range ls {
		go func() { errc <- srv.Serve(l, framings[i]) }()
	}
	err := <-errc
	for range len(ls) - 1 {
		<-errc
	}
	return err
}
