//go:build !linux

package server

import "net"

// sectionSender is Linux only; elsewhere READ_ANDX copies through its
// reply buffer.
type sectionSender struct{}

func newSectionSender(net.Conn) *sectionSender { return nil }

func (*sectionSender) send(fileSection) error { return nil }
