// Command meetd-minfwd is the minimal SFU loop of docs/performance.md#minimal-forwarder, the
// baseline of the benchmark's overhead ratio: it reads AES-128-GCM SRTP
// packets on one UDP socket, decrypts each and sends it, re-encrypted with
// a per-receiver context, to every sink address.
//
// Usage:
//
//	meetd-minfwd -listen 127.0.0.1:0 -sinks 127.0.0.1:4001,127.0.0.1:4002
//
// It prints "listening ADDR" once ready; SIGINT or SIGTERM stops it.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"meetd/internal/bench"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "meetd-minfwd:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("meetd-minfwd", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "UDP address to receive on")
	sinkList := fs.String("sinks", "", "comma-separated receiver addresses")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var sinks []netip.AddrPort
	for _, s := range strings.Split(*sinkList, ",") {
		if s == "" {
			continue
		}
		a, err := netip.ParseAddrPort(s)
		if err != nil {
			return err
		}
		sinks = append(sinks, a)
	}
	if len(sinks) == 0 {
		return fmt.Errorf("no -sinks given")
	}
	addr, err := net.ResolveUDPAddr("udp4", *listen)
	if err != nil {
		return err
	}
	conn, err := net.ListenUDP("udp4", addr)
	if err != nil {
		return err
	}
	fmt.Println("listening", conn.LocalAddr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return bench.Forward(ctx, conn, sinks)
}
