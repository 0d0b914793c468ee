package load

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/fingerprint"
	dtlsnet "github.com/pion/dtls/v3/pkg/net"
	"github.com/pion/ice/v4"
	"github.com/pion/logging"
	"github.com/pion/srtp/v3"

	"meetd/xmpp/jingle"
)

// iceParams are what an endpoint's ICE agent needs from the run.
type iceParams struct {
	allow  *net.IPNet // local candidate addresses; nil = loopback only
	logger logging.LoggerFactory
}

func (p iceParams) allowed(ip net.IP) bool {
	if p.allow == nil {
		return ip.IsLoopback()
	}
	return p.allow.Contains(ip)
}

// newAgent creates a controlled ICE agent with host UDP4 candidates only.
func newAgent(p iceParams) (*ice.Agent, error) {
	opts := []ice.AgentOption{
		ice.WithNetworkTypes([]ice.NetworkType{ice.NetworkTypeUDP4}),
		ice.WithCandidateTypes([]ice.CandidateType{ice.CandidateTypeHost}),
		ice.WithMulticastDNSMode(ice.MulticastDNSModeDisabled),
		ice.WithIPFilter(p.allowed),
		ice.WithLoggerFactory(p.logger),
	}
	if p.allow == nil {
		opts = append(opts, ice.WithIncludeLoopback())
	}
	return ice.NewAgentWithOptions(opts...)
}

// gather collects the agent's host candidates as Jingle candidates.
func gather(ctx context.Context, a *ice.Agent) ([]jingle.Candidate, error) {
	done := make(chan struct{})
	var out []jingle.Candidate
	if err := a.OnCandidate(func(c ice.Candidate) {
		if c == nil {
			close(done)
			return
		}
		out = append(out, jingle.Candidate{Component: 1, Foundation: c.Foundation(), ID: fmt.Sprintf("c%d", len(out)),
			IP: c.Address(), Port: c.Port(), Priority: c.Priority(), Protocol: "udp", Type: "host"})
	}); err != nil {
		return nil, err
	}
	if err := a.GatherCandidates(); err != nil {
		return nil, err
	}
	select {
	case <-done:
		return out, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// addRemotes gives the agent the bridge's UDP candidates.
func addRemotes(a *ice.Agent, cands []jingle.Candidate) {
	for _, jc := range cands {
		if !strings.EqualFold(jc.Protocol, "udp") || net.ParseIP(jc.IP) == nil {
			continue
		}
		s := fmt.Sprintf("%s 1 udp %d %s %d typ host", jc.Foundation, jc.Priority, jc.IP, jc.Port)
		if c, err := ice.UnmarshalCandidate(s); err == nil {
			_ = a.AddRemoteCandidate(c)
		}
	}
}

// localFingerprint returns the sha-256 fingerprint of the certificate.
func localFingerprint(cert tls.Certificate) (string, error) {
	c, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return "", err
	}
	return fingerprint.Fingerprint(c, 5) // crypto.SHA256
}

// verifier checks the peer certificate against signalled sha-256 fingerprints.
func verifier(fps []jingle.Fingerprint) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return ErrFingerprint
		}
		c, err := x509.ParseCertificate(raw[0])
		if err != nil {
			return fmt.Errorf("%w: %w", ErrFingerprint, err)
		}
		got, err := fingerprint.Fingerprint(c, 5)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrFingerprint, err)
		}
		for _, fp := range fps {
			if strings.EqualFold(fp.Hash, "sha-256") && strings.EqualFold(strings.TrimSpace(fp.Value), got) {
				return nil
			}
		}
		return ErrFingerprint
	}
}

// srtpProfiles are offered in this order: AES-128-GCM first (cheapest).
var srtpProfiles = []dtls.SRTPProtectionProfile{dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AEAD_AES_256_GCM,
	dtls.SRTP_AES128_CM_HMAC_SHA1_80}

// dtlsClient runs the DTLS client handshake over the demux pipe and checks
// the server certificate against the offered sha-256 fingerprints.
func dtlsClient(ctx context.Context, pipe net.Conn, cert tls.Certificate, fps []jingle.Fingerprint, lf logging.LoggerFactory) (*dtls.Conn, error) {
	conn, err := dtls.ClientWithOptions(dtlsnet.PacketConnFromConn(pipe), pipe.RemoteAddr(),
		dtls.WithCertificates(cert),
		dtls.WithSRTPProtectionProfiles(srtpProfiles...),
		dtls.WithExtendedMasterSecret(dtls.RequireExtendedMasterSecret),
		dtls.WithInsecureSkipVerify(true),
		dtls.WithVerifyPeerCertificate(verifier(fps)),
		dtls.WithLoggerFactory(lf),
	)
	if err != nil {
		return nil, fmt.Errorf("load: dtls client: %w", err)
	}
	return handshake(ctx, conn)
}

// dtlsServer runs the DTLS server side (for legs where the peer answered
// setup:active).
func dtlsServer(ctx context.Context, pipe net.Conn, cert tls.Certificate, fps []jingle.Fingerprint, lf logging.LoggerFactory) (*dtls.Conn, error) {
	conn, err := dtls.ServerWithOptions(dtlsnet.PacketConnFromConn(pipe), pipe.RemoteAddr(),
		dtls.WithCertificates(cert),
		dtls.WithSRTPProtectionProfiles(srtpProfiles...),
		dtls.WithExtendedMasterSecret(dtls.RequestExtendedMasterSecret),
		dtls.WithClientAuth(dtls.RequireAnyClientCert),
		dtls.WithInsecureSkipVerify(true),
		dtls.WithVerifyPeerCertificate(verifier(fps)),
		dtls.WithLoggerFactory(lf),
	)
	if err != nil {
		return nil, fmt.Errorf("load: dtls server: %w", err)
	}
	return handshake(ctx, conn)
}

func handshake(ctx context.Context, conn *dtls.Conn) (*dtls.Conn, error) {
	if err := conn.HandshakeContext(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("load: dtls handshake: %w", err)
	}
	return conn, nil
}

// srtpKeys are the contexts of one endpoint: RTP out (sender goroutine),
// RTCP out (under a lock), and in (reader goroutine).
type srtpKeys struct {
	profile         string
	rtpOut, rtcpOut *srtp.Context
	in              *srtp.Context
}

func newSRTP(conn *dtls.Conn, isClient bool) (*srtpKeys, error) {
	prof, ok := conn.SelectedSRTPProtectionProfile()
	if !ok {
		return nil, ErrNoSRTPProfile
	}
	state, ok := conn.ConnectionState()
	if !ok {
		return nil, ErrNoSRTPProfile
	}
	cfg := &srtp.Config{Profile: srtp.ProtectionProfile(prof)}
	if err := cfg.ExtractSessionKeysFromDTLS(&state, isClient); err != nil {
		return nil, fmt.Errorf("load: srtp keys: %w", err)
	}
	k := &srtpKeys{profile: profileName(prof)}
	var err error
	mk := func(key, salt []byte) *srtp.Context {
		if err != nil {
			return nil
		}
		var c *srtp.Context
		c, err = srtp.CreateContext(key, salt, cfg.Profile)
		return c
	}
	k.rtpOut = mk(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt)
	k.rtcpOut = mk(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt)
	k.in = mk(cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt)
	if err != nil {
		return nil, fmt.Errorf("load: srtp context: %w", err)
	}
	return k, nil
}

func profileName(p dtls.SRTPProtectionProfile) string {
	switch p {
	case dtls.SRTP_AEAD_AES_128_GCM:
		return "AEAD_AES_128_GCM"
	case dtls.SRTP_AEAD_AES_256_GCM:
		return "AEAD_AES_256_GCM"
	case dtls.SRTP_AES128_CM_HMAC_SHA1_80:
		return "AES_CM_128_HMAC_SHA1_80"
	}
	return fmt.Sprintf("0x%04x", uint16(p))
}
